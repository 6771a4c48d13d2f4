package account

import (
	"context"
	"strings"
	"testing"

	"github.com/admit-idp/admit/templates/i18n"
)

func TestDeviceName(t *testing.T) {
	en := context.Background()
	de := i18n.WithLocale(en, i18n.Negotiate("de", "", "", ""))
	ar := i18n.WithLocale(en, i18n.Negotiate("ar", "", "", ""))
	for _, tc := range []struct {
		name         string
		ctx          context.Context
		ua, location string
		want         string
	}{
		{"chrome windows", en, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "", "Chrome on Windows"},
		{"with location", en, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Berlin", "Chrome on Windows, Berlin"},
		{"firefox linux", en, "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "", "Firefox on Linux"},
		{"safari iphone", en, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "", "Safari on iPhone"},
		{"safari ipad", en, "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "", "Safari on iPad"},
		{"safari mac", en, "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", "", "Safari on macOS"},
		{"edge", en, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "", "Edge on Windows"},
		{"samsung android", en, "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36", "", "Samsung Browser on Android"},
		{"empty", en, "", "", "Unknown device"},
		{"curl", en, "curl/8.5.0", "", "Unknown browser on an unknown system"},
		{"german", de, "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "", "Firefox unter Linux"},
		{"arabic", ar, "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "", "Firefox على Linux"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := DeviceName(tc.ctx, tc.ua, tc.location); got != tc.want {
				t.Fatalf("DeviceName(%q) = %q, want %q", tc.ua, got, tc.want)
			}
		})
	}
}

// FuzzDeviceName: whatever a browser sends as its user agent, the name
// shown is short, never the raw string, and the parser does not panic.
func FuzzDeviceName(f *testing.F) {
	f.Add("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")
	f.Add("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile/15E148 Safari/604.1")
	f.Add("")
	f.Add("<script>alert(1)</script>")
	f.Fuzz(func(t *testing.T, ua string) {
		name := DeviceName(context.Background(), ua, "")
		if name == "" || len(name) > 80 {
			t.Fatalf("DeviceName(%q) = %q", ua, name)
		}
		if len(ua) > 40 && strings.Contains(name, ua) {
			t.Fatalf("the raw user agent is shown: %q", name)
		}
		if strings.ContainsAny(name, "<>/;()") {
			t.Fatalf("DeviceName(%q) = %q carries user-agent syntax", ua, name)
		}
	})
}

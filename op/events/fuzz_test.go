package events_test

import (
	"net/url"
	"testing"

	"github.com/admit-idp/admit/op/events"
)

// FuzzCheckURL: whatever the input, an accepted target is an absolute
// http(s) URL with a host and neither user info nor fragment.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"https://hooks.example.com/a?b=c", "http://127.0.0.1:8080/", "javascript:alert(1)",
		"https://u:p@x.example/", "//x.example/", "https://x.example/#f", "HTTPS://X.EXAMPLE", "http://[::1]:9/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if events.CheckURL(raw) != nil {
			return
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Fragment != "" {
			t.Fatalf("CheckURL accepted %q (%+v, %v)", raw, u, err)
		}
	})
}

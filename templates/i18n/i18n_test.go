package i18n

import (
	"context"
	"testing"
)

func TestNegotiateOrder(t *testing.T) {
	for _, tc := range []struct {
		name                      string
		ui, saved, accept, tenant string
		wantLang, wantDir         string
	}{
		{"ui_locales wins", "fr-CA de", "es", "de", "ar", "fr", "ltr"},
		{"unsupported ui_locales falls through to saved", "ja", "es", "de", "", "es", "ltr"},
		{"accept-language by quality", "", "", "ja, ar;q=0.9, de;q=0.8", "", "ar", "rtl"},
		{"tenant default last", "", "", "", "de", "de", "ltr"},
		{"nothing is English", "", "", "", "", "en", "ltr"},
		{"garbage is ignored", "!!", "??", ";;;", "", "en", "ltr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := Negotiate(tc.ui, tc.saved, tc.accept, tc.tenant)
			if l.Lang() != tc.wantLang || l.Dir() != tc.wantDir {
				t.Fatalf("got %s/%s, want %s/%s", l.Lang(), l.Dir(), tc.wantLang, tc.wantDir)
			}
		})
	}
}

func TestTFallsBackAndTranslates(t *testing.T) {
	ctx := WithLocale(context.Background(), Negotiate("de", "", "", ""))
	if got := T(ctx, "common.continue"); got != "Weiter" {
		t.Fatalf("de continue = %q", got)
	}
	if got := T(context.Background(), "common.continue"); got != "Continue" {
		t.Fatalf("default continue = %q", got)
	}
	if got := T(ctx, "no.such.id"); got != "no.such.id" {
		t.Fatalf("missing id = %q", got)
	}
}

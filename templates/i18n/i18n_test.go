package i18n

import (
	"context"
	"testing"
	"time"
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

// TestDates: a date in each language's words and order.
func TestDates(t *testing.T) {
	at := time.Date(2026, time.December, 7, 14, 5, 0, 0, time.UTC)
	for _, tc := range []struct{ lang, date, dateTime string }{
		{"en", "7 December 2026", "7 December 2026, 14:05"},
		{"de", "7. Dezember 2026", "7. Dezember 2026, 14:05"},
		{"fr", "7 décembre 2026", "7 décembre 2026 à 14:05"},
		{"es", "7 de diciembre de 2026", "7 de diciembre de 2026, 14:05"},
		{"ar", "7 ديسمبر 2026", "7 ديسمبر 2026، 14:05"},
	} {
		l := Negotiate(tc.lang, "", "", "")
		if got := l.Date(at); got != tc.date {
			t.Errorf("%s Date = %q, want %q", tc.lang, got, tc.date)
		}
		if got := l.DateTime(at); got != tc.dateTime {
			t.Errorf("%s DateTime = %q, want %q", tc.lang, got, tc.dateTime)
		}
	}
}

package console

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestConfirmed: a destructive POST goes ahead only with confirm=yes;
// anything else is sent to its confirmation page.
func TestConfirmed(t *testing.T) {
	const page = Path + "/clients/c1/delete?tenant=t1"
	for _, tc := range []struct {
		name string
		form url.Values
		want bool
	}{
		{"confirmed", url.Values{"confirm": {"yes"}}, true},
		{"no field", url.Values{}, false},
		{"declined", url.Values{"confirm": {"no"}}, false},
		{"case differs", url.Values{"confirm": {"YES"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, Path+"/clients/c1/delete", strings.NewReader(tc.form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := httptest.NewRecorder()
			if got := confirmed(w, r, page); got != tc.want {
				t.Fatalf("confirmed = %v, want %v", got, tc.want)
			}
			if tc.want {
				if w.Code != http.StatusOK || w.Header().Get("Location") != "" {
					t.Errorf("a confirmed POST was answered: %d %q", w.Code, w.Header().Get("Location"))
				}
				return
			}
			if w.Code != http.StatusSeeOther || w.Header().Get("Location") != page {
				t.Errorf("got %d to %q, want 303 to %q", w.Code, w.Header().Get("Location"), page)
			}
		})
	}
}

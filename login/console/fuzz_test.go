package console

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/admit-idp/admit/storage/admin"
)

// FuzzAuditQuery: any query string either parses into a query whose
// times are UTC and ordered as given, or is a validation error; never a
// panic.
func FuzzAuditQuery(f *testing.F) {
	for _, s := range []string{"since=2026-12-07T14:00&until=2026-12-08", "since=2026-12-07T14:00:00Z", "since=yesterday", "event=login&actor=cli", "until=%00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		aq, err := auditQuery(q)
		if err != nil {
			if _, ok := err.(*admin.ValidationError); !ok {
				t.Fatalf("error %T %v, want a ValidationError", err, err)
			}
			return
		}
		for _, tm := range []struct {
			name string
			zero bool
			loc  string
		}{{"since", aq.Since.IsZero(), aq.Since.Location().String()}, {"until", aq.Until.IsZero(), aq.Until.Location().String()}} {
			if !tm.zero && tm.loc != "UTC" {
				t.Fatalf("%s in %s", tm.name, tm.loc)
			}
		}
		if aq.Event != strings.TrimSpace(q.Get("event")) {
			t.Fatalf("event %q from %q", aq.Event, q.Get("event"))
		}
	})
}

// FuzzParseSpec: any client form parses; bad lifetimes are field errors,
// and no lifetime is ever negative or zero when set.
func FuzzParseSpec(f *testing.F) {
	f.Add("name=App&redirect_uris=https://a.example/cb%0Ahttps://b.example/cb&grants=authorization_code&access_ttl=15m")
	f.Add("access_ttl=-5m&id_ttl=abc&refresh_ttl=0")
	f.Add("auth_method=none&first_party=on&jwks=%7B%7D")
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/console/clients", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		var spec admin.ClientSpec
		errs := parseSpec(r, &spec)
		for name, d := range map[string]int64{"access_ttl": int64(spec.AccessTTL), "id_ttl": int64(spec.IDTTL), "refresh_ttl": int64(spec.RefreshTTL)} {
			if d < 0 || (d == 0 && errs[name] == "" && strings.TrimSpace(r.PostFormValue(name)) != "") {
				t.Fatalf("%s = %d from %q (errors %v)", name, d, r.PostFormValue(name), errs)
			}
		}
		for _, u := range spec.RedirectURIs {
			if u != strings.TrimSpace(u) || u == "" {
				t.Fatalf("redirect URI %q not trimmed", u)
			}
		}
		if spec.Public != (spec.AuthMethod == "none") {
			t.Fatalf("public %v with auth method %q", spec.Public, spec.AuthMethod)
		}
	})
}

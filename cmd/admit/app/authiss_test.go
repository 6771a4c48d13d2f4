package app_test

import (
	"net/http"
	"net/url"
	"testing"

	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/cmd/admit/app"
)

// TestAuthorizationResponsesCarryIss: every authorization response names
// the issuer (RFC 9207 §2): codes by query and by form_post, and errors
// from op's /authorize, from Admit's parameter checks and from the login
// pages; discovery says so (§3).
func TestAuthorizationResponsesCarryIss(t *testing.T) {
	e := newEnv(t, memoryBackend)
	var doc map[string]any
	getJSON(t, e.issuer+"/.well-known/openid-configuration", &doc)
	if doc["authorization_response_iss_parameter_supported"] != true || doc["issuer"] != e.issuer {
		t.Errorf("discovery: authorization_response_iss_parameter_supported = %v", doc["authorization_response_iss_parameter_supported"])
	}
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	wantIss := func(t *testing.T, what string, p page, q url.Values) {
		t.Helper()
		if got := q["iss"]; len(got) != 1 || got[0] != e.issuer {
			t.Fatalf("%s: iss = %q, want %q (status %d, location %v)", what, got, e.issuer, p.status, p.location)
		}
	}
	t.Run("code by query", func(t *testing.T) {
		ar := r.start()
		br := e.browser()
		p := br.consent(br.submitLogin(br.get(ar.url), app.DemoUserEmail, app.DemoUserPassword), "allow")
		cb := br.callback(p, ar)
		if cb.Query().Get("code") == "" {
			t.Fatalf("no code: %v", cb)
		}
		wantIss(t, "code", p, cb.Query())
	})
	t.Run("code by form_post", func(t *testing.T) {
		ar := r.start(oauth2.SetAuthURLParam("response_mode", "form_post"))
		br := e.browser()
		p := br.consent(br.submitLogin(br.get(ar.url), app.DemoUserEmail, app.DemoUserPassword), "allow")
		if p.hidden("code") == "" {
			t.Fatalf("no form_post page: %s", p.body)
		}
		wantIss(t, "form_post", p, url.Values{"iss": {p.hidden("iss")}})
		if n := p.doc.Find(`input[name="iss"]`).Length(); n != 1 {
			t.Fatalf("%d iss fields", n)
		}
	})
	errorCases := []struct {
		name, url, want string
		decline         bool
	}{
		{"op refuses the prompt", authorizeURL(e, app.DemoClientID, rpCallback, url.Values{"prompt": {"none login"}}), "invalid_request", false},
		{"request_uri", authorizeURL(e, app.DemoClientID, rpCallback, url.Values{"request_uri": {"https://rp.example/r"}}), "request_uri_not_supported", false},
		{"prompt=none without a session", r.start(oauth2.SetAuthURLParam("prompt", "none")).url, "login_required", false},
		{"the user declines", r.start(oauth2.SetAuthURLParam("prompt", "consent")).url, "access_denied", true},
	}
	for _, c := range errorCases {
		t.Run(c.name, func(t *testing.T) {
			br := e.browser()
			p := br.get(c.url)
			if c.decline {
				p = br.consent(br.submitLogin(p, app.DemoUserEmail, app.DemoUserPassword), "deny")
			}
			if p.location == nil || p.location.Host != "127.0.0.1:5555" || p.location.Query().Get("error") == "" {
				t.Fatalf("no error redirect: status %d location %v: %s", p.status, p.location, p.body)
			}
			if c.want != "" && p.location.Query().Get("error") != c.want {
				t.Fatalf("error = %q, want %q", p.location.Query().Get("error"), c.want)
			}
			wantIss(t, c.name, p, p.location.Query())
		})
	}
	if p := e.browser().get(authorizeURL(e, app.DemoClientID, "https://evil.example/cb", nil)); p.status != http.StatusBadRequest || p.location != nil {
		t.Fatalf("unregistered redirect URI: status %d location %v", p.status, p.location)
	}
}

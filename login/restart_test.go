package login

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/admit-idp/admit/storage"
)

// A cookie planted by someone else can only ever point "Start again" at
// Admit itself.
func TestRestartableOnlyLocal(t *testing.T) {
	for u, want := range map[string]bool{
		"/authorize?client_id=a":          true,
		"/account":                        true,
		"https://evil.example/authorize":  false,
		"//evil.example/authorize":        false,
		"/\\evil.example":                 false,
		"javascript:alert(1)":             false,
		"":                                false,
		"authorize?client_id=a":           false,
		"http://user@evil.example/":       false,
		"/authorize?next=https://evil.io": true, // only /authorize reads it, and validates it
	} {
		if got := restartable(u); got != want {
			t.Errorf("restartable(%q) = %v, want %v", u, got, want)
		}
	}
}

// The rebuilt request carries what the client needs back (state, nonce,
// PKCE) and what changes the login (max_age, acr_values, login_hint).
func TestAuthorizeQueryKeepsTheRequest(t *testing.T) {
	q := authorizeQuery(storage.AuthRequest{
		ClientID: "app", RedirectURI: "https://app.example/cb", ResponseType: "code", ResponseMode: "form_post",
		Scopes: []string{"openid", "email"}, State: "s t", Nonce: "n", CodeChallenge: "cc", CodeChallengeMethod: "S256",
		Prompt: []string{"login", "none"}, MaxAge: 0, LoginHint: "a@example.com", ACRValues: []string{ACRMultiFactor},
	})
	want := url.Values{
		"client_id": {"app"}, "redirect_uri": {"https://app.example/cb"}, "response_type": {"code"}, "response_mode": {"form_post"},
		"scope": {"openid email"}, "state": {"s t"}, "nonce": {"n"}, "code_challenge": {"cc"}, "code_challenge_method": {"S256"},
		"prompt": {"login"}, "max_age": {"0"}, "login_hint": {"a@example.com"}, "acr_values": {ACRMultiFactor},
	}
	if q.Encode() != want.Encode() {
		t.Fatalf("authorizeQuery =\n%s\nwant\n%s", q.Encode(), want.Encode())
	}
	if q := authorizeQuery(storage.AuthRequest{ClientID: "app", MaxAge: -1}); q.Has("max_age") || q.Has("prompt") {
		t.Fatalf("absent max_age/prompt were added: %s", q.Encode())
	}
}

// Several tabs: each lost sign-in starts again for its own application;
// the cookie keeps the newest few.
func TestRestartRemembersEachTab(t *testing.T) {
	e := &Engine{}
	var cookie *http.Cookie
	remember := func(flow, req, client string) {
		r := httptest.NewRequest(http.MethodGet, "/login?id="+req, nil)
		if cookie != nil {
			r.AddCookie(cookie)
		}
		w := httptest.NewRecorder()
		f := &Flow{LoginFlow: storage.LoginFlow{ID: flow, AuthRequestID: req}, Request: storage.AuthRequest{ClientID: client, MaxAge: -1}}
		e.rememberRestart(w, r, f, "")
		cookie = w.Result().Cookies()[0]
		if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.MaxAge <= 0 {
			t.Fatalf("restart cookie attributes: %+v", cookie)
		}
	}
	for _, c := range []string{"a", "b", "c", "d"} {
		remember("flow-"+c, "req-"+c, "client-"+c)
	}
	post := func(flow string) string {
		r := httptest.NewRequest(http.MethodPost, "/login/password", strings.NewReader(url.Values{"flow": {flow}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(cookie)
		return e.restartURL(r)
	}
	for _, c := range []string{"b", "c", "d"} {
		if got := post("flow-" + c); !strings.Contains(got, "client_id=client-"+c) {
			t.Errorf("flow-%s starts again at %q, want its own client", c, got)
		}
	}
	if got := post("flow-a"); got != "" {
		t.Errorf("the oldest of four sign-ins is still remembered: %q", got)
	}
	if got := post("flow-unknown"); got != "" {
		t.Errorf("an unknown flow starts again at %q", got)
	}
}

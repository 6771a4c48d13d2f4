package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func verifiedPrimary(email string) []map[string]any {
	return []map[string]any{
		{"email": "old@example.com", "primary": false, "verified": true},
		{"email": email, "primary": true, "verified": true},
	}
}

func TestSocialGitHubNewAccountThenReturning(t *testing.T) {
	w := newSocialWorld(t, memoryBackend, nil)
	w.gh.set(func(g *fakeGitHub) { g.emails = verifiedPrimary("Octo@Example.com") })
	r, ar, p := w.loginPage()
	sub, claims := w.finish(r, ar, w.clickProvider(p, "social-github"))
	wantSocialClaims(t, claims, "github")
	u := w.user("octo@example.com")
	if u.ID != sub || u.GivenName != "Octo" || u.FamilyName != "Cat" {
		t.Fatalf("created user %+v", u)
	}
	if ids := w.identities(u.ID); len(ids) != 1 || ids[0].Subject != "4242" || ids[0].Email != "octo@example.com" {
		t.Fatalf("identities %+v", ids)
	}
	w.newBrowser()
	r, ar, p = w.loginPage()
	if sub2, _ := w.finish(r, ar, w.clickProvider(p, "social-github")); sub2 != sub {
		t.Fatalf("returning GitHub user: sub %s, want %s", sub2, sub)
	}
}

func TestSocialGitHubUnverifiedPrimaryRefused(t *testing.T) {
	w := newSocialWorld(t, memoryBackend, nil)
	w.gh.set(func(g *fakeGitHub) {
		g.emails = []map[string]any{{"email": "demo@example.com", "primary": true, "verified": false}}
	})
	_, _, p := w.loginPage()
	p = w.clickProvider(p, "social-github")
	if p.status != http.StatusForbidden || !strings.Contains(p.testid("error").Text(), "verified e-mail") {
		t.Fatalf("unverified primary e-mail: status %d: %s", p.status, p.body)
	}
	if ids := w.identities(w.user("demo@example.com").ID); len(ids) != 0 {
		t.Fatal("linked on an unverified e-mail")
	}
}

func TestSocialProviderError(t *testing.T) {
	w := newSocialWorld(t, memoryBackend, nil)
	w.gh.set(func(g *fakeGitHub) { g.deny = true })
	_, _, p := w.loginPage()
	p = w.clickProvider(p, "social-github")
	if p.status != http.StatusBadRequest || !strings.Contains(p.testid("error").Text(), "cancelled signing in with GitHub") || p.testid("login-form").Length() == 0 {
		t.Fatalf("access_denied: status %d: %s", p.status, p.body)
	}
}

func TestSocialProviderDownOpensBreaker(t *testing.T) {
	w := newSocialWorld(t, memoryBackend, nil)
	w.gh.set(func(g *fakeGitHub) { g.down = true; g.emails = verifiedPrimary("octo@example.com") })
	r, ar, p := w.loginPage()
	for i := 0; p.testid("social-github").Length() > 0; i++ {
		if i == 10 {
			t.Fatal("breaker never opened")
		}
		p = w.clickProvider(p, "social-github")
		if p.status != http.StatusServiceUnavailable || !strings.Contains(p.testid("error").Text(), "GitHub is unavailable right now") {
			t.Fatalf("provider down: status %d: %s", p.status, p.body)
		}
	}
	if !strings.Contains(p.testid("social-unavailable-github").Text(), "GitHub is unavailable right now") {
		t.Fatalf("login page while the breaker is open: %s", p.body)
	}
	if p.testid("social-corp").Length() == 0 {
		t.Fatal("other providers must stay available")
	}
	// The start link refuses too while open, without calling GitHub.
	flow := p.hidden("flow")
	if q := w.br.get(w.down.issuer + "/login/social/github/start?flow=" + flow); q.status != http.StatusServiceUnavailable {
		t.Fatalf("start while open: status %d", q.status)
	}
	// Password login still works in the same flow.
	cb := w.br.callback(w.br.consent(w.br.submitLogin(p, "demo@example.com", "demo-password-1"), "allow"), ar)
	if _, err := r.exchange(cb.Query().Get("code"), ar); err != nil {
		t.Fatalf("password login while GitHub is down: %v", err)
	}
}

// githubCallback starts a GitHub login and returns down's callback URL
// without visiting it.
func (w *socialWorld) githubCallback() *url.URL {
	w.t.Helper()
	_, _, p := w.loginPage()
	href, _ := p.testid("social-github").Attr("href")
	authz := w.noFollow(w.down.issuer + href)
	return w.noFollow(authz.String())
}

func TestSocialStateTamperedOrReplayed(t *testing.T) {
	w := newSocialWorld(t, memoryBackend, nil)
	w.gh.set(func(g *fakeGitHub) { g.emails = verifiedPrimary("octo@example.com") })

	cb := w.githubCallback()
	tampered := *cb
	q := tampered.Query()
	q.Set("state", q.Get("state")+"x")
	tampered.RawQuery = q.Encode()
	if p := w.br.get(tampered.String()); p.status != http.StatusBadRequest || !strings.Contains(p.body, "could not be verified") {
		t.Fatalf("tampered state: status %d: %s", p.status, p.body)
	}

	other := w.down.browser() // another browser presenting this browser's callback
	other.client.Jar = &hostJar{}
	if p := other.get(cb.String()); p.status != http.StatusBadRequest {
		t.Fatalf("callback from another browser: status %d", p.status)
	}

	if p := w.br.get(cb.String()); p.testid("consent-form").Length() == 0 && p.location == nil {
		t.Fatalf("genuine callback after refusals: status %d: %s", p.status, p.body)
	}
	if p := w.br.get(cb.String()); p.status != http.StatusBadRequest {
		t.Fatalf("replayed callback: status %d: %s", p.status, p.body)
	}
}

func TestSocialStateSingleUseEvenIfFlowLives(t *testing.T) {
	w := newSocialWorld(t, memoryBackend, nil)
	w.gh.set(func(g *fakeGitHub) { g.deny = true })
	cb := w.githubCallback()
	if p := w.br.get(cb.String()); p.status != http.StatusBadRequest || p.testid("login-form").Length() == 0 {
		t.Fatalf("first callback (denied): status %d", p.status)
	}
	// The flow still exists (back on the login page), but its state is spent.
	if p := w.br.get(cb.String()); p.status != http.StatusBadRequest || !strings.Contains(p.body, "could not be verified") {
		t.Fatalf("replayed callback: status %d: %s", p.status, p.body)
	}
}

func TestSocialAccountLinkAndUnlink(t *testing.T) {
	w := newSocialWorld(t, memoryBackend, nil)
	w.gh.set(func(g *fakeGitHub) { g.emails = verifiedPrimary("someone-else@example.com") })
	w.br.submitLogin(w.br.get(w.down.issuer+"/account"), "demo@example.com", "demo-password-1")
	p := w.clickProvider(w.br.get(w.down.issuer+"/account/sign-in"), "social-link-github")
	if p.url.Path != "/account/sign-in" || !strings.Contains(p.testid("notice").Text(), "GitHub is now linked") {
		t.Fatalf("link from the account page: %s status %d: %s", p.url, p.status, p.body)
	}
	if p.testid("social-linked-github").Length() == 0 || p.testid("social-unlink-github").Length() == 0 {
		t.Fatalf("account page lists no unlinkable GitHub: %s", p.body)
	}
	demo := w.user("demo@example.com")
	form := url.Values{"csrf_token": {p.hidden("csrf_token")}, "provider": {"github"}, "subject": {"4242"}}
	if q := w.br.post("/account/social/unlink", url.Values{"provider": {"github"}, "subject": {"4242"}}); q.status != http.StatusForbidden {
		t.Fatalf("unlink without CSRF: status %d", q.status)
	}
	p = w.br.post("/account/social/unlink", form)
	if !strings.Contains(p.testid("notice").Text(), "no longer linked") || len(w.identities(demo.ID)) != 0 {
		t.Fatalf("unlink: %s", p.body)
	}
}

func TestSocialCannotUnlinkLastSignInMethod(t *testing.T) {
	w := newSocialWorld(t, memoryBackend, nil)
	w.gh.set(func(g *fakeGitHub) { g.emails = verifiedPrimary("octo@example.com") })
	p := w.clickProvider(w.br.get(w.down.issuer+"/account"), "social-github") // sign-up through GitHub
	if p.url.Path == "/account" {
		p = w.br.get(w.down.issuer + "/account/sign-in")
	}
	if p.url.Path != "/account/sign-in" || p.testid("social-last-github").Length() == 0 || p.testid("social-unlink-github").Length() > 0 {
		t.Fatalf("password-less user with one identity: %s status %d: %s", p.url, p.status, p.body)
	}
	u := w.user("octo@example.com")
	form := url.Values{"csrf_token": {p.hidden("csrf_token")}, "provider": {"github"}, "subject": {"4242"}}
	p = w.br.post("/account/social/unlink", form)
	if !strings.Contains(p.testid("notice").Text(), "only way to sign in") || len(w.identities(u.ID)) != 1 {
		t.Fatalf("unlinked the last sign-in method: %s", p.body)
	}
}

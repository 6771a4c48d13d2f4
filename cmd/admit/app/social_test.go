package app_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/login/social"
	"github.com/admit-idp/admit/op"
	"github.com/admit-idp/admit/storage"
)

// The social-login tests run Admit (down) against real local servers that
// speak each provider's protocol: a second Admit (up) as the OpenID
// provider for the oidc, google and apple kinds (Apple's token endpoint
// wrapped to require the ES256 client-secret JWT), and a GitHub-shaped
// API. Only base URLs differ from production.

const (
	upClient, upSecret = "down-client", "up-secret"
	appleClient        = "apple-client"
	upUserPassword     = "upstream-password-1"
)

type socialWorld struct {
	t            *testing.T
	up, down     *env
	gh           *fakeGitHub
	appleSecrets atomic.Int32
	br, upBr     *browser
}

func newSocialWorld(t *testing.T, b backend, configure func(*app.Config)) *socialWorld {
	return newSocialWorldAt(t, b, "", configure)
}

// newSocialWorldAt runs up with the issuer host upHost ("" for 127.0.0.1).
func newSocialWorldAt(t *testing.T, b backend, upHost string, configure func(*app.Config)) *socialWorld {
	w := &socialWorld{t: t}
	key, keyFile := appleKey(t)
	w.up = startEnv(t, memoryBackend, startOptions{host: upHost, wrap: appleOnly(appleTokenEndpoint(&key.PublicKey, upSecret, &w.appleSecrets))})
	w.gh = newFakeGitHub(t)
	w.down = startEnv(t, b, startOptions{configure: func(c *app.Config) {
		up := w.up.issuer
		c.Social.Providers = []social.ProviderConfig{
			{ID: "corp", Kind: "oidc", Name: "Corp SSO", Issuer: up, ClientID: upClient, ClientSecret: upSecret},
			{ID: "google", Kind: "google", Name: "Google", Issuer: up, ClientID: upClient, ClientSecret: upSecret},
			{ID: "google-ws", Kind: "google", Name: "Workspace", Issuer: up, ClientID: upClient, ClientSecret: upSecret, HostedDomain: "example.com"},
			{ID: "apple", Kind: "apple", Name: "Apple", Issuer: up, ClientID: appleClient, TeamID: "TEAM123456", KeyID: "KEY1", PrivateKeyFile: keyFile, Scopes: []string{"openid", "email"}},
			{ID: "github", Kind: "github", Name: "GitHub", BaseURL: w.gh.srv.URL, APIURL: w.gh.srv.URL, ClientID: ghClientID, ClientSecret: ghSecret},
		}
		if configure != nil {
			configure(c)
		}
	}})
	w.registerUpstreamClients()
	w.newBrowser()
	return w
}

// newBrowser starts over with a browser that has no cookies.
func (w *socialWorld) newBrowser() {
	w.br = w.down.browser()
	w.br.client.Jar = &hostJar{}
	w.upBr = &browser{t: w.t, e: w.up, client: w.br.client}
}

// appleOnly applies the Apple token-endpoint check to Apple's client only.
func appleOnly(wrap func(http.Handler) http.Handler) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		apple := wrap(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && r.URL.Path == "/oauth/token" && clientOf(r) == appleClient {
				apple.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func clientOf(r *http.Request) string {
	_ = r.ParseForm()
	return r.PostForm.Get("client_id")
}

func (w *socialWorld) registerUpstreamClients() {
	var redirects []string
	for _, id := range []string{"corp", "google", "google-ws", "apple"} {
		redirects = append(redirects, w.down.issuer+"/login/social/"+id+"/callback")
	}
	for _, id := range []string{upClient, appleClient} {
		c := storage.Client{
			ID: id, SecretHash: op.HashSecret(upSecret), AuthMethod: storage.AuthMethodPost, RedirectURIs: redirects,
			GrantTypes: []string{"authorization_code"}, Scopes: []string{"openid", "profile", "email"}, FirstParty: true,
			CreatedAt: w.up.clock.Now(),
		}
		if err := w.up.app.Stores.Durable.CreateClient(context.Background(), c); err != nil {
			w.t.Fatal(err)
		}
	}
}

// upstreamUser creates a user at the upstream provider.
func (w *socialWorld) upstreamUser(email string, verified bool) {
	w.t.Helper()
	_, err := w.up.app.CreateUser(context.Background(), app.NewUser{
		Email: email, Password: upUserPassword, GivenName: "Upstream", FamilyName: "Person", EmailVerified: verified,
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

// loginPage starts an authorization request at down and returns its login page.
func (w *socialWorld) loginPage() (*rp, authRequest, page) {
	r := w.down.rp(app.DemoClientID, app.DemoClientSecret)
	ar := r.start()
	return r, ar, w.br.get(ar.url)
}

// clickProvider follows the provider's button on a login (or account) page.
func (w *socialWorld) clickProvider(p page, testid string) page {
	w.t.Helper()
	href, ok := p.testid(testid).Attr("href")
	if !ok {
		w.t.Fatalf("no %s button (status %d): %s", testid, p.status, p.body)
	}
	return w.br.get(w.down.issuer + href)
}

// finish answers consent, exchanges the code and returns the id token claims.
func (w *socialWorld) finish(r *rp, ar authRequest, p page) (string, map[string]any) {
	w.t.Helper()
	cb := w.br.callback(w.br.consent(p, "allow"), ar)
	tok, err := r.exchange(cb.Query().Get("code"), ar)
	if err != nil {
		w.t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := r.verifier.Verify(context.Background(), raw)
	if err != nil {
		w.t.Fatalf("id token: %v", err)
	}
	var claims map[string]any
	_ = idt.Claims(&claims)
	return idt.Subject, claims
}

func wantSocialClaims(t *testing.T, claims map[string]any, provider string, extraAMR ...string) {
	t.Helper()
	var amr []string
	for _, v := range claims["amr"].([]any) {
		amr = append(amr, v.(string))
	}
	want := append(extraAMR, "ext", "idp:"+provider)
	slices.Sort(amr)
	slices.Sort(want)
	if !slices.Equal(amr, want) || claims["idp"] != provider {
		t.Fatalf("amr %v idp %v, want amr %v and idp %q", amr, claims["idp"], want, provider)
	}
}

func (w *socialWorld) user(email string) storage.User {
	w.t.Helper()
	u, err := w.down.app.Stores.Durable.GetUserByEmail(context.Background(), storage.DefaultTenantID, email)
	if err != nil {
		w.t.Fatalf("user %s at down: %v", email, err)
	}
	return u
}

func (w *socialWorld) identities(userID string) []storage.Identity {
	ids, err := w.down.app.Stores.Durable.ListUserIdentities(context.Background(), userID)
	if err != nil {
		w.t.Fatal(err)
	}
	return ids
}

func TestSocialOIDCNewAccountThenReturning(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			w := newSocialWorld(t, b, nil)
			w.upstreamUser("new@example.com", true)
			r, ar, p := w.loginPage()
			p = w.upBr.submitLogin(w.clickProvider(p, "social-corp"), "new@example.com", upUserPassword)
			sub, claims := w.finish(r, ar, p)
			wantSocialClaims(t, claims, "corp")
			u := w.user("new@example.com")
			if u.ID != sub || !u.EmailVerified || u.PasswordHash != "" || u.GivenName != "Upstream" {
				t.Fatalf("created user %+v (sub %s)", u, sub)
			}
			// Returning: a fresh browser, same upstream account, same user.
			w.newBrowser()
			r, ar, p = w.loginPage()
			p = w.upBr.submitLogin(w.clickProvider(p, "social-corp"), "new@example.com", upUserPassword)
			if sub2, _ := w.finish(r, ar, p); sub2 != sub || len(w.identities(sub)) != 1 {
				t.Fatalf("returning user got sub %s, want %s", sub2, sub)
			}
		})
	}
}

func TestSocialLinksExistingAccountOnlyAfterPassword(t *testing.T) {
	w := newSocialWorld(t, memoryBackend, nil)
	// up's seeded demo user has the same verified e-mail as down's.
	r, ar, p := w.loginPage()
	p = w.upBr.submitLogin(w.clickProvider(p, "social-corp"), app.DemoUserEmail, app.DemoUserPassword)
	if p.testid("social-link-form").Length() == 0 {
		t.Fatalf("want the link page, got status %d: %s", p.status, p.body)
	}
	demo := w.user(app.DemoUserEmail)
	if len(w.identities(demo.ID)) != 0 {
		t.Fatal("linked before the password was given")
	}
	form := url.Values{"flow": {p.hidden("flow")}, "csrf_token": {p.hidden("csrf_token")}, "password": {"wrong"}}
	p = w.br.post("/login/social/link", form)
	if p.status != http.StatusUnauthorized || p.testid("error").Length() == 0 || len(w.identities(demo.ID)) != 0 {
		t.Fatalf("wrong password: status %d, identities %d", p.status, len(w.identities(demo.ID)))
	}
	form.Set("password", app.DemoUserPassword)
	form.Set("csrf_token", p.hidden("csrf_token"))
	sub, claims := w.finish(r, ar, w.br.post("/login/social/link", form))
	wantSocialClaims(t, claims, "corp", "pwd")
	if sub != demo.ID || len(w.identities(demo.ID)) != 1 {
		t.Fatalf("sub %s, want %s with one identity", sub, demo.ID)
	}
}

func TestSocialRefusesUnverifiedEmail(t *testing.T) {
	w := newSocialWorld(t, memoryBackend, nil)
	w.upstreamUser("shared@example.com", false)
	if _, err := w.down.app.CreateUser(context.Background(), app.NewUser{Email: "shared@example.com", Password: "down-password-1", EmailVerified: true}); err != nil {
		t.Fatal(err)
	}
	_, _, p := w.loginPage()
	p = w.upBr.submitLogin(w.clickProvider(p, "social-corp"), "shared@example.com", upUserPassword)
	if p.status != http.StatusForbidden || !strings.Contains(p.testid("error").Text(), "verified e-mail") || p.testid("login-form").Length() == 0 {
		t.Fatalf("unverified e-mail: status %d: %s", p.status, p.body)
	}
	if ids := w.identities(w.user("shared@example.com").ID); len(ids) != 0 {
		t.Fatalf("identity linked on an unverified e-mail: %+v", ids)
	}
}

func TestSocialSignUpDisabled(t *testing.T) {
	off := false
	w := newSocialWorld(t, memoryBackend, func(c *app.Config) { c.Social.SignUp = &off })
	w.upstreamUser("new@example.com", true)
	_, _, p := w.loginPage()
	p = w.upBr.submitLogin(w.clickProvider(p, "social-corp"), "new@example.com", upUserPassword)
	if p.status != http.StatusForbidden || !strings.Contains(p.testid("error").Text(), "No account uses") {
		t.Fatalf("sign-up disabled: status %d: %s", p.status, p.body)
	}
	if _, err := w.down.app.Stores.Durable.GetUserByEmail(context.Background(), storage.DefaultTenantID, "new@example.com"); err == nil {
		t.Fatal("account created with sign-up disabled")
	}
}

func TestSocialGoogle(t *testing.T) {
	w := newSocialWorld(t, memoryBackend, nil)
	w.upstreamUser("g@example.com", true)
	r, ar, p := w.loginPage()
	p = w.upBr.submitLogin(w.clickProvider(p, "social-google"), "g@example.com", upUserPassword)
	_, claims := w.finish(r, ar, p)
	wantSocialClaims(t, claims, "google")

	// The hd restriction: sent as a hint, enforced on the id token (which
	// has no hd here, so the login is refused).
	w.newBrowser()
	_, _, p = w.loginPage()
	href, _ := p.testid("social-google-ws").Attr("href")
	loc := w.noFollow(w.down.issuer + href)
	if loc.Query().Get("hd") != "example.com" {
		t.Fatalf("authorization request %s lacks hd", loc)
	}
	p = w.upBr.submitLogin(w.br.get(loc.String()), "g@example.com", upUserPassword)
	if p.status != http.StatusBadRequest || !strings.Contains(p.testid("error").Text(), "not allowed") {
		t.Fatalf("account outside hd: status %d: %s", p.status, p.body)
	}
}

// noFollow GETs u in the browser without following the redirect.
func (w *socialWorld) noFollow(u string) *url.URL {
	w.t.Helper()
	c := *w.br.client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(u)
	if err != nil {
		w.t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		w.t.Fatalf("GET %s: status %d, no redirect", u, resp.StatusCode)
	}
	return loc
}

func TestSocialApple(t *testing.T) {
	w := newSocialWorld(t, memoryBackend, nil)
	w.upstreamUser("a@example.com", true)
	r, ar, p := w.loginPage()
	p = w.upBr.submitLogin(w.clickProvider(p, "social-apple"), "a@example.com", upUserPassword)
	// up answers with response_mode=form_post: an auto-submitting form that
	// a browser posts cross-site to down; Apple adds "user" the first time.
	form := p.doc.Find("form")
	action, _ := form.Attr("action")
	if !strings.HasPrefix(action, w.down.issuer+"/login/social/apple/callback") {
		t.Fatalf("want up's form_post page, got status %d: %s", p.status, p.body)
	}
	vals := url.Values{"user": {`{"name":{"firstName":"Ann","lastName":"Apple"},"email":"ignored@example.com"}`}}
	form.Find("input").Each(func(_ int, in *goquery.Selection) {
		name, _ := in.Attr("name")
		value, _ := in.Attr("value")
		vals.Set(name, value)
	})
	req, _ := http.NewRequest(http.MethodPost, action, strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", w.up.issuer)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	_, claims := w.finish(r, ar, w.br.do(req))
	wantSocialClaims(t, claims, "apple")
	if u := w.user("a@example.com"); u.GivenName != "Ann" || u.FamilyName != "Apple" {
		t.Fatalf("names from Apple's first-login user field: %+v", u)
	}
	if w.appleSecrets.Load() != 1 {
		t.Fatalf("token requests with a valid ES256 client secret: %d, want 1", w.appleSecrets.Load())
	}
}

package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/pquerna/otp"
	pqtotp "github.com/pquerna/otp/totp"
	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/totp"
)

var mfaAMR = []string{"pwd", "otp", "mfa"}

// totpCode computes the code an authenticator app would show at the
// harness clock's time.
func (e *env) totpCode(secret string) string {
	e.t.Helper()
	code, err := pqtotp.GenerateCodeCustom(secret, e.clock.Now(), pqtotp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		e.t.Fatal(err)
	}
	return code
}

// nextCode moves the clock past the replay window and returns a fresh code.
func (e *env) nextCode(secret string) string {
	e.clock.Advance(totp.ReplayWindow)
	return e.totpCode(secret)
}

// signInToAccount signs the browser in to /account with the password only.
func (b *browser) signInToAccount() page {
	b.t.Helper()
	p := b.submitLogin(b.get(b.e.issuer+"/account"), app.DemoUserEmail, app.DemoUserPassword)
	if p.url.Path != "/account" {
		b.t.Fatalf("account sign-in ended at %s (status %d)", p.url, p.status)
	}
	return p
}

// enrolTOTP turns TOTP on through the account pages of a signed-in browser
// and returns the secret and the backup codes.
func (b *browser) enrolTOTP() (string, []string) {
	b.t.Helper()
	return b.enrolTOTPAs(app.DemoUserPassword)
}

// enrolTOTPAs is enrolTOTP for a user whose password is pw.
func (b *browser) enrolTOTPAs(pw string) (string, []string) {
	b.t.Helper()
	p := b.get(b.e.issuer + "/account/totp/enrol")
	p = b.post("/account/totp/enrol", url.Values{"csrf_token": {p.hidden("csrf_token")}, "password": {pw}})
	secret := p.testid("totp-secret").Text()
	src, _ := p.testid("totp-qr").Attr("src")
	uri := p.testid("totp-uri").Text()
	if secret == "" || !strings.HasPrefix(src, "data:image/png;base64,") || !strings.HasPrefix(uri, "otpauth://totp/") {
		b.t.Fatalf("enrol page: status %d, secret %q, qr %.30q, uri %q", p.status, secret, src, uri)
	}
	p = b.post("/account/totp/confirm", url.Values{"csrf_token": {p.hidden("csrf_token")}, "code": {b.e.totpCode(secret)}})
	codes := p.testid("backup-code").Map(func(_ int, s *goquerySelection) string { return s.Text() })
	if p.status != http.StatusOK || len(codes) != totp.BackupCodeCount {
		b.t.Fatalf("confirm: status %d, %d backup codes: %s", p.status, len(codes), p.body)
	}
	return secret, codes
}

// submitCode posts the TOTP form of p.
func (b *browser) submitCode(p page, code string) page {
	b.t.Helper()
	if p.testid("totp-form").Length() == 0 {
		b.t.Fatalf("not the code page (status %d at %s): %s", p.status, p.url, p.body)
	}
	return b.post("/login/totp", url.Values{"flow": {p.hidden("flow")}, "csrf_token": {p.hidden("csrf_token")}, "code": {code}})
}

// continueOn presses the Continue button of an interstitial page.
func (b *browser) continueOn(p page, action string) page {
	b.t.Helper()
	if p.testid("continue-form").Length() == 0 {
		b.t.Fatalf("no continue form (status %d at %s): %s", p.status, p.url, p.body)
	}
	return b.post(action, url.Values{"flow": {p.hidden("flow")}, "csrf_token": {p.hidden("csrf_token")}})
}

type mfaClaims struct {
	AMR      []string `json:"amr"`
	ACR      string   `json:"acr"`
	AuthTime int64    `json:"auth_time"`
}

// tokensOf exchanges the callback's code and returns the id token's and the
// access token's authentication claims.
func (r *rp) tokensOf(cb *url.URL, ar authRequest) (id, access mfaClaims) {
	t := r.e.t
	t.Helper()
	tok, err := r.exchange(cb.Query().Get("code"), ar)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := r.verifier.Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("id token: %v", err)
	}
	_ = idt.Claims(&id)
	ks := oidc.NewRemoteKeySet(context.Background(), r.e.issuer+"/keys")
	payload, err := ks.VerifySignature(context.Background(), tok.AccessToken)
	if err != nil {
		t.Fatalf("access token: %v", err)
	}
	_ = json.Unmarshal(payload, &access)
	return id, access
}

func wantMFA(t *testing.T, what string, c mfaClaims) {
	t.Helper()
	if !slices.Equal(c.AMR, mfaAMR) || c.ACR != login.ACRMultiFactor || c.AuthTime == 0 {
		t.Fatalf("%s claims = %+v, want amr %v and acr %s", what, c, mfaAMR, login.ACRMultiFactor)
	}
}

// TestTOTPEnrolAndSignIn: enrol in the account area, sign out, sign in to a
// client with a TOTP code, then (new browser) with a backup code.
func TestTOTPEnrolAndSignIn(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnv(t, b)
			br := e.browser()
			br.signInToAccount()
			p := br.get(e.issuer + "/account/security")
			if p.testid("totp-enrol").Length() == 0 {
				t.Fatal("account page has no TOTP enrolment link")
			}
			secret, codes := br.enrolTOTP()
			checkDownload(t, br, codes)
			p = br.get(e.issuer + "/account/security")
			if !strings.Contains(p.testid("totp-status").Text(), "10 backup codes left") {
				t.Fatalf("account section: %q", p.testid("totp-status").Text())
			}
			br.post("/account/logout", url.Values{"csrf_token": {p.hidden("csrf_token")}})

			r := e.rp(app.DemoClientID, app.DemoClientSecret)
			ar := r.start()
			p = br.submitLogin(br.get(ar.url), app.DemoUserEmail, app.DemoUserPassword)
			if p.url.Path != "/login/totp" {
				t.Fatalf("after the password: %s, want the code page", p.url)
			}
			p = br.consent(br.submitCode(p, e.nextCode(secret)), "allow")
			id, access := r.tokensOf(br.callback(p, ar), ar)
			wantMFA(t, "id token", id)
			wantMFA(t, "access token", access)

			// Lost device: a backup code, then the page says how many remain.
			br2 := e.browser()
			ar = r.start()
			p = br2.submitCode(br2.submitLogin(br2.get(ar.url), app.DemoUserEmail, app.DemoUserPassword), strings.ToLower(codes[0]))
			if !strings.Contains(p.testid("remaining").Text(), "9 backup codes left") {
				t.Fatalf("after a backup code: status %d: %s", p.status, p.body)
			}
			id, _ = r.tokensOf(br2.callback(br2.continueOn(p, "/login/totp/continue"), ar), ar)
			wantMFA(t, "id token (backup code)", id)

			// The backup code is gone.
			br3 := e.browser()
			p = br3.submitCode(br3.submitLogin(br3.get(r.start().url), app.DemoUserEmail, app.DemoUserPassword), codes[0])
			if p.status != http.StatusUnauthorized || !strings.Contains(p.testid("error").Text(), "already used") {
				t.Fatalf("reused backup code: status %d, error %q", p.status, p.testid("error").Text())
			}
		})
	}
}

func checkDownload(t *testing.T, br *browser, codes []string) {
	t.Helper()
	p := br.get(br.e.issuer + "/account")
	form := url.Values{"csrf_token": {p.hidden("csrf_token")}, "code": codes}
	d := br.post("/account/totp/backup-codes.txt", form)
	if d.status != http.StatusOK || !strings.HasPrefix(d.header.Get("Content-Type"), "text/plain") ||
		!strings.HasPrefix(d.header.Get("Content-Disposition"), "attachment") || !strings.Contains(d.body, codes[9]) {
		t.Fatalf("download: status %d, headers %v", d.status, d.header)
	}
	form.Set("code", "<script>")
	if d := br.post("/account/totp/backup-codes.txt", form); d.status != http.StatusBadRequest {
		t.Fatalf("download of non-codes: status %d", d.status)
	}
}

// TestTOTPRequiredClientEnrols: a client that requires MFA leads a user
// without a second factor through enrolment before finishing.
func TestTOTPRequiredClientEnrols(t *testing.T) {
	e := newEnv(t, memoryBackend)
	secret, err := e.app.AddClient(context.Background(), app.ClientSpec{
		ID: "bank", Name: "Bank", RedirectURIs: []string{rpCallback}, Grants: []string{"authorization_code"},
		Scopes: app.SupportedScopes, FirstParty: true, RequireMFA: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := e.rp("bank", secret)
	ar := r.start()
	br := e.browser()
	p := br.submitLogin(br.get(ar.url), app.DemoUserEmail, app.DemoUserPassword)
	if p.url.Path != "/login/totp/enrol" || p.testid("enrol-required").Length() == 0 {
		t.Fatalf("after the password: %s (status %d), want the enrolment page", p.url, p.status)
	}
	key := p.testid("totp-secret").Text()
	// The key expires after 10 minutes: the page says so and shows a new one.
	e.clock.Advance(totp.PendingLifetime)
	p = br.post("/login/totp/enrol", url.Values{"flow": {p.hidden("flow")}, "csrf_token": {p.hidden("csrf_token")}, "code": {e.totpCode(key)}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.testid("error").Text(), "expired") || p.testid("totp-secret").Text() == key {
		t.Fatalf("expired key during login: status %d, error %q", p.status, p.testid("error").Text())
	}
	key = p.testid("totp-secret").Text()
	p = br.post("/login/totp/enrol", url.Values{"flow": {p.hidden("flow")}, "csrf_token": {p.hidden("csrf_token")}, "code": {e.totpCode(key)}})
	if n := p.testid("backup-code").Length(); n != totp.BackupCodeCount {
		t.Fatalf("after confirming: %d backup codes (status %d)", n, p.status)
	}
	codes := p.testid("backup-code").Map(func(_ int, s *goquerySelection) string { return s.Text() })
	// The codes can be downloaded before the login (and its session) exists.
	if d := br.post("/account/totp/backup-codes.txt", url.Values{"csrf_token": {p.hidden("csrf_token")}, "code": codes}); d.status != http.StatusOK || !strings.Contains(d.body, codes[0]) {
		t.Fatalf("download during login: status %d", d.status)
	}
	id, _ := r.tokensOf(br.callback(br.continueOn(p, "/login/totp/continue"), ar), ar)
	wantMFA(t, "id token", id)

	// Signed in: the session satisfies the client without asking again.
	ar = r.start()
	id, _ = r.tokensOf(br.callback(br.get(ar.url), ar), ar)
	wantMFA(t, "id token (SSO)", id)
}

// TestTOTPStepUp: acr_values=urn:admit:acr:mfa asks a signed-in user for a
// code only (no password), is remembered for five minutes, and max_age /
// prompt=login force the full login.
func TestTOTPStepUp(t *testing.T) {
	e := newEnv(t, memoryBackend)
	br := e.browser()
	br.signInToAccount()
	secret, _ := br.enrolTOTP()
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	stepUp := oauth2.SetAuthURLParam("acr_values", login.ACRMultiFactor)

	// The session was a password-only login: the code is asked, not the password.
	ar := r.start(stepUp)
	p := br.get(ar.url)
	if p.url.Path != "/login/totp" {
		t.Fatalf("step-up: %s, want the code page", p.url)
	}
	sessionAuth := e.clock.Now().Unix()
	p = br.consent(br.submitCode(p, e.nextCode(secret)), "allow")
	id, _ := r.tokensOf(br.callback(p, ar), ar)
	wantMFA(t, "step-up", id)
	if id.AuthTime > sessionAuth {
		t.Fatalf("auth_time %d moved to the step-up; the password was entered at or before %d", id.AuthTime, sessionAuth)
	}

	// Within five minutes another step-up is not asked.
	e.clock.Advance(4 * time.Minute)
	ar = r.start(stepUp)
	wantMFA(t, "within the window", first(r.tokensOf(br.callback(br.get(ar.url), ar), ar)))

	// After it, an explicit step-up asks again; a plain request does not.
	e.clock.Advance(2 * time.Minute)
	if p := br.get(r.start(stepUp).url); p.url.Path != "/login/totp" {
		t.Fatalf("step-up after the window: %s, want the code page", p.url)
	}
	ar = r.start()
	wantMFA(t, "plain request", first(r.tokensOf(br.callback(br.get(ar.url), ar), ar)))

	// prompt=none cannot ask for the code.
	ar = r.start(stepUp, oauth2.SetAuthURLParam("prompt", "none"))
	if cb := br.callback(br.get(ar.url), ar); cb.Query().Get("error") != "interaction_required" {
		t.Fatalf("prompt=none step-up: %s", cb)
	}

	// max_age and prompt=login force the password (then the code).
	for _, opt := range []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("max_age", "60"), oauth2.SetAuthURLParam("prompt", "login")} {
		if p := br.get(r.start(stepUp, opt).url); p.testid("login-form").Length() == 0 {
			t.Fatalf("forced re-authentication: %s, want the login page", p.url)
		}
	}
}

func first(a, _ mfaClaims) mfaClaims { return a }

// TestTOTPBadInput: every wrong input gets a clear message and its status.
func TestTOTPBadInput(t *testing.T) {
	e := newEnv(t, memoryBackend)
	br := e.browser()
	br.signInToAccount()
	secret, _ := br.enrolTOTP()
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	codePage := func() (*browser, page) {
		b := e.browser()
		return b, b.submitLogin(b.get(r.start().url), app.DemoUserEmail, app.DemoUserPassword)
	}
	b, p := codePage()
	cases := []struct{ name, code, want string }{
		{"wrong", wrongCode(e.nextCode(secret)), "not correct"},
		{"malformed", "12ab", "not a valid code"},
		{"empty", "", "not a valid code"},
	}
	for _, tc := range cases {
		p = b.submitCode(p, tc.code)
		if p.status != http.StatusUnauthorized || !strings.Contains(p.testid("error").Text(), tc.want) {
			t.Fatalf("%s code: status %d, error %q", tc.name, p.status, p.testid("error").Text())
		}
		if v, _ := p.testid("code").Attr("value"); v != "" {
			t.Fatalf("%s code echoed back: %q", tc.name, v)
		}
	}

	// A code used in one sign-in is refused in another within 90 s.
	code := e.totpCode(secret)
	b.consent(b.submitCode(p, code), "allow")
	b2, p2 := codePage()
	if p2 = b2.submitCode(p2, code); !strings.Contains(p2.testid("error").Text(), "already used") {
		t.Fatalf("reused code: status %d, error %q", p2.status, p2.testid("error").Text())
	}

	// Missing CSRF token.
	if p := b2.post("/login/totp", url.Values{"flow": {p2.hidden("flow")}, "code": {code}}); p.status != http.StatusForbidden {
		t.Fatalf("code without CSRF: status %d", p.status)
	}

	// Five failures end the flow.
	for i := 0; ; i++ {
		p2 = b2.submitCode(p2, "000000")
		if p2.status == http.StatusTooManyRequests {
			break
		}
		if i > 5 {
			t.Fatal("the code step never stopped accepting attempts")
		}
	}
}

// wrongCode returns a valid-looking code that differs from code.
func wrongCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

// TestTOTPCodeStepNeedsPassword: the code page of a flow whose password step
// is not done is refused, so MFA status is not revealed before it.
func TestTOTPCodeStepNeedsPassword(t *testing.T) {
	e := newEnv(t, memoryBackend)
	br := e.browser()
	p := br.get(e.rp(app.DemoClientID, app.DemoClientSecret).start().url)
	flow := p.hidden("flow")
	if p := br.get(e.issuer + "/login/totp?flow=" + flow); p.status != http.StatusBadRequest || p.testid("totp-form").Length() != 0 {
		t.Fatalf("code page before the password: status %d", p.status)
	}
	post := br.post("/login/totp", url.Values{"flow": {flow}, "csrf_token": {p.hidden("csrf_token")}, "code": {"123456"}})
	if post.status != http.StatusBadRequest {
		t.Fatalf("code before the password: status %d", post.status)
	}
	// A user without TOTP goes straight on after the password.
	if p := br.submitLogin(p, app.DemoUserEmail, app.DemoUserPassword); p.testid("totp-form").Length() != 0 {
		t.Fatal("a user without TOTP was asked for a code")
	}
}

// TestTOTPAccountManagement: expired setup key, wrong password, missing
// CSRF, regenerate (old codes stop working) and disable.
func TestTOTPAccountManagement(t *testing.T) {
	e := newEnv(t, memoryBackend)
	br := e.browser()
	br.signInToAccount()

	// Expired pending secret.
	p := br.get(e.issuer + "/account/totp/enrol")
	if p := br.post("/account/totp/enrol", url.Values{"csrf_token": {p.hidden("csrf_token")}, "password": {"wrong"}}); p.status != http.StatusUnauthorized || !strings.Contains(p.testid("error").Text(), "password is incorrect") {
		t.Fatalf("wrong password: status %d", p.status)
	}
	if p := br.post("/account/totp/enrol", url.Values{"password": {app.DemoUserPassword}}); p.status != http.StatusForbidden {
		t.Fatalf("enrol without CSRF: status %d", p.status)
	}
	p = br.post("/account/totp/enrol", url.Values{"csrf_token": {p.hidden("csrf_token")}, "password": {app.DemoUserPassword}})
	secret := p.testid("totp-secret").Text()
	e.clock.Advance(totp.PendingLifetime)
	p = br.get(e.issuer + "/account")
	p = br.post("/account/totp/confirm", url.Values{"csrf_token": {p.hidden("csrf_token")}, "code": {e.totpCode(secret)}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.testid("error").Text(), "expired") {
		t.Fatalf("expired key: status %d, error %q", p.status, p.testid("error").Text())
	}

	secret, old := br.enrolTOTP()
	p = br.get(e.issuer + "/account/totp/backup-codes")
	p = br.post("/account/totp/backup-codes", url.Values{"csrf_token": {p.hidden("csrf_token")}, "password": {app.DemoUserPassword}})
	fresh := p.testid("backup-code").Map(func(_ int, s *goquerySelection) string { return s.Text() })
	if len(fresh) != totp.BackupCodeCount || slices.Contains(fresh, old[0]) {
		t.Fatalf("regenerate: status %d, %d codes", p.status, len(fresh))
	}

	// Disable needs the password and a current code.
	p = br.get(e.issuer + "/account/totp/disable")
	csrf := p.hidden("csrf_token")
	if p := br.post("/account/totp/disable", url.Values{"csrf_token": {csrf}, "password": {app.DemoUserPassword}, "code": {old[0]}}); p.status != http.StatusUnauthorized {
		t.Fatalf("disable with an invalidated backup code: status %d", p.status)
	}
	p = br.post("/account/totp/disable", url.Values{"csrf_token": {csrf}, "password": {app.DemoUserPassword}, "code": {e.nextCode(secret)}})
	if p.url.Path != "/account/security" || !strings.Contains(p.testid("totp-status").Text(), "Off") {
		t.Fatalf("after disabling: %s status %d", p.url, p.status)
	}
}

type goquerySelection = goquery.Selection

// TestTOTPRecovery: a user who lost the device signs in to the account area
// with a backup code and sets up a new device; the old one stops working.
func TestTOTPRecovery(t *testing.T) {
	e := newEnv(t, postgresBackend)
	br := e.browser()
	p := br.signInToAccount()
	oldSecret, codes := br.enrolTOTP()
	br.post("/account/logout", url.Values{"csrf_token": {p.hidden("csrf_token")}})

	// The account area asks for the second factor too.
	p = br.submitLogin(br.get(e.issuer+"/account"), app.DemoUserEmail, app.DemoUserPassword)
	p = br.submitCode(p, codes[3])
	p = br.continueOn(p, "/login/totp/continue")
	if p.url.Path == "/account" {
		p = br.get(e.issuer + "/account/security")
	}
	if p.url.Path != "/account/security" || p.testid("totp-reenrol").Length() == 0 {
		t.Fatalf("after a backup code: %s (status %d)", p.url, p.status)
	}
	e.clock.Advance(totp.ReplayWindow)
	newSecret, _ := br.enrolTOTP()
	if newSecret == oldSecret {
		t.Fatal("re-enrolment kept the old secret")
	}

	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	b2 := e.browser()
	p = b2.submitLogin(b2.get(r.start().url), app.DemoUserEmail, app.DemoUserPassword)
	if p = b2.submitCode(p, e.nextCode(oldSecret)); p.status != http.StatusUnauthorized {
		t.Fatalf("old device's code: status %d", p.status)
	}
	ar := r.start()
	p = b2.submitLogin(b2.get(ar.url), app.DemoUserEmail, app.DemoUserPassword)
	id, _ := r.tokensOf(b2.callback(b2.consent(b2.submitCode(p, e.totpCode(newSecret)), "allow"), ar), ar)
	wantMFA(t, "new device", id)
}

// TestNewSignInMethodIsMailed: adding a sign-in method e-mails the owner
// (here TOTP; passkeys, wallets and providers go through the same store
// hook).
func TestNewSignInMethodIsMailed(t *testing.T) {
	e := newEnv(t, memoryBackend)
	e.clock.Advance(2 * time.Minute) // the demo user is no longer signing up
	br := e.browser()
	br.signInToAccount()
	br.enrolTOTP()
	p := br.get(e.issuer + "/dev/mailbox")
	if !strings.Contains(p.body, "A sign-in method was added to your account") || !strings.Contains(p.body, "authenticator app") {
		t.Fatalf("mailbox after enrolling TOTP: status %d\n%s", p.status, p.body)
	}
}

// TestAccountPasswordReentryIsRateLimited: the password asked again on the
// account pages is rate limited (10 a minute per user), so a session cannot
// be used to guess the password without bound.
func TestAccountPasswordReentryIsRateLimited(t *testing.T) {
	e := newEnv(t, memoryBackend)
	br := e.browser()
	br.signInToAccount()
	limited := false
	for range 12 {
		p := br.get(e.issuer + "/account/totp/enrol")
		p = br.post("/account/totp/enrol", url.Values{"csrf_token": {p.hidden("csrf_token")}, "password": {"wrong-password"}})
		if p.status == http.StatusTooManyRequests {
			limited = true
			break
		}
		if p.status != http.StatusUnauthorized {
			t.Fatalf("wrong password: status %d", p.status)
		}
	}
	if !limited {
		t.Fatal("twelve wrong passwords on the account page were all checked")
	}
}

package app_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/passkey"
	"github.com/admit-idp/admit/login/passkey/passkeytest"
	"github.com/admit-idp/admit/storage"
)

// passkeyBox reads the data-* attributes of the page's passkey box.
func passkeyBox(t testing.TB, p page) (flow, csrf, optionsURL, submitURL string) {
	t.Helper()
	box := p.doc.Find("[data-passkey]")
	if box.Length() == 0 {
		t.Fatalf("no passkey box (status %d at %s): %s", p.status, p.url, p.body)
	}
	flow, _ = box.Attr("data-flow")
	csrf, _ = box.Attr("data-csrf")
	optionsURL, _ = box.Attr("data-options-url")
	submitURL, _ = box.Attr("data-submit-url")
	return flow, csrf, optionsURL, submitURL
}

// publicKeyOptions is the part of the options JSON the tests use.
type publicKeyOptions struct {
	Challenge string `json:"challenge"`
	RPID      string `json:"rpId"`
	RP        struct {
		ID string `json:"id"`
	} `json:"rp"`
	User struct {
		ID string `json:"id"`
	} `json:"user"`
	AuthenticatorSelection struct {
		ResidentKey      string `json:"residentKey"`
		UserVerification string `json:"userVerification"`
	} `json:"authenticatorSelection"`
	AllowCredentials []struct {
		ID string `json:"id"`
	} `json:"allowCredentials"`
}

// passkeyOptions posts to the box's options URL.
func (b *browser) passkeyOptions(p page) publicKeyOptions {
	b.t.Helper()
	flow, csrf, optionsURL, _ := passkeyBox(b.t, p)
	res := b.post(optionsURL, url.Values{"flow": {flow}, "csrf_token": {csrf}})
	var body struct {
		PublicKey publicKeyOptions `json:"publicKey"`
	}
	if err := json.Unmarshal([]byte(res.body), &body); err != nil || body.PublicKey.Challenge == "" {
		b.t.Fatalf("options: status %d: %s", res.status, res.body)
	}
	return body.PublicKey
}

// passkeySubmit posts a credential to the box's submit URL.
func (b *browser) passkeySubmit(p page, credential string, extra url.Values) page {
	b.t.Helper()
	flow, csrf, _, submitURL := passkeyBox(b.t, p)
	form := url.Values{"flow": {flow}, "csrf_token": {csrf}, "credential": {credential}}
	for k, v := range extra {
		form[k] = v
	}
	return b.post(submitURL, form)
}

// registerPasskey adds a passkey from the account area of a signed-in
// browser and returns the software credential.
func (b *browser) registerPasskey(name string, flags byte) *passkeytest.Credential {
	b.t.Helper()
	p := b.get(b.e.issuer + "/account/passkeys/new")
	opts := b.passkeyOptions(p)
	if opts.AuthenticatorSelection.ResidentKey != "required" || opts.AuthenticatorSelection.UserVerification != "preferred" {
		b.t.Fatalf("registration options: %+v", opts.AuthenticatorSelection)
	}
	handle, _ := passkeytestDecode(opts.User.ID)
	c := passkeytest.New(opts.RP.ID, handle, flags)
	if flags&passkeytest.FlagBE == 0 {
		c.Count = 1
	}
	res := b.passkeySubmit(p, c.Attestation(opts.Challenge, b.e.issuer), url.Values{"name": {name}})
	if res.url.Path != "/account/security" || !strings.Contains(res.body, name) {
		b.t.Fatalf("registration ended at %s (status %d): %s", res.url, res.status, res.body)
	}
	return c
}

func passkeytestDecode(s string) ([]byte, error) {
	return base64URL(s)
}

// passkeyLogin signs in to ar with the passkey only.
func (b *browser) passkeyLogin(ar authRequest, c *passkeytest.Credential) page {
	b.t.Helper()
	p := b.get(ar.url)
	opts := b.passkeyOptions(p)
	return b.passkeySubmit(p, c.Assertion(opts.Challenge, b.e.issuer), nil)
}

func wantAMR(t *testing.T, what string, c mfaClaims, amr []string, acr string) {
	t.Helper()
	if !slices.Equal(c.AMR, amr) || c.ACR != acr {
		t.Fatalf("%s: amr %v acr %s, want %v and %s", what, c.AMR, c.ACR, amr, acr)
	}
}

// TestPasskeyRegisterAndSignIn: register from the account area, sign out,
// sign in to a client with the passkey only (UV: multi-factor), then with a
// device without user verification (single factor).
func TestPasskeyRegisterAndSignIn(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newPasskeyEnv(t, b)
			br := e.browser()
			br.signInToAccount()
			c := br.registerPasskey("Laptop", passkeytest.FlagUV)
			p := br.get(e.issuer + "/account/security")
			if p.testid("passkey-row").Length() != 1 || !strings.Contains(p.testid("passkey-row").Text(), "Device-bound passkey") {
				t.Fatalf("account section: %s", p.testid("passkeys").Text())
			}
			br.logout(e)

			r := e.rp(app.DemoClientID, app.DemoClientSecret)
			ar := r.start()
			id, access := r.tokensOf(br.callback(br.consent(br.passkeyLogin(ar, c), "allow"), ar), ar)
			wantAMR(t, "id token", id, []string{"hwk", "user", "mfa"}, login.ACRMultiFactor)
			wantAMR(t, "access token", access, []string{"hwk", "user", "mfa"}, login.ACRMultiFactor)

			// Without user verification a passkey is one factor.
			c.Flags = 0
			br2 := e.browser()
			ar = r.start()
			id, _ = r.tokensOf(br2.callback(br2.consent(br2.passkeyLogin(ar, c), "allow"), ar), ar)
			wantAMR(t, "id token (no UV)", id, []string{"hwk"}, login.ACRSingleFactor)
		})
	}
}

// TestPasskeySatisfiesRequiredMFA: a UV passkey login satisfies a client
// that requires MFA, and acr_values, without a second step.
func TestPasskeySatisfiesRequiredMFA(t *testing.T) {
	e := newPasskeyEnv(t, memoryBackend)
	br := e.browser()
	br.signInToAccount()
	c := br.registerPasskey("Phone", passkeytest.FlagUV|passkeytest.FlagBE|passkeytest.FlagBS)
	br.logout(e)
	r := e.rp(mfaClient(t, e, "bank"))
	ar := r.start()
	id, _ := r.tokensOf(br.callback(br.passkeyLogin(ar, c), ar), ar)
	wantAMR(t, "id token", id, []string{"swk", "user", "mfa"}, login.ACRMultiFactor)
}

func mfaClient(t *testing.T, e *env, id string) (string, string) {
	t.Helper()
	secret, err := e.app.AddClient(context.Background(), app.ClientSpec{
		ID: id, Name: "Bank", RedirectURIs: []string{rpCallback}, Grants: []string{"authorization_code"},
		Scopes: app.SupportedScopes, FirstParty: true, RequireMFA: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return id, secret
}

// TestPasskeySecondFactor: after the password, a user with a passkey is
// asked for it (as the alternative to TOTP); the result is pwd + hwk + mfa.
func TestPasskeySecondFactor(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newPasskeyEnv(t, b)
			br := e.browser()
			br.signInToAccount()
			c := br.registerPasskey("Key", 0)
			br.logout(e)
			r := e.rp(mfaClient(t, e, "bank"))
			ar := r.start()
			p := br.submitLogin(br.get(ar.url), app.DemoUserEmail, app.DemoUserPassword)
			if p.url.Path != "/login/passkey/verify" {
				t.Fatalf("after the password: %s (status %d), want the passkey step", p.url, p.status)
			}
			opts := br.passkeyOptions(p)
			if len(opts.AllowCredentials) != 1 || opts.AllowCredentials[0].ID != passkeytest.B64(c.ID) {
				t.Fatalf("allowCredentials = %+v", opts.AllowCredentials)
			}
			id, _ := r.tokensOf(br.callback(br.passkeySubmit(p, c.Assertion(opts.Challenge, e.issuer), nil), ar), ar)
			wantAMR(t, "id token", id, []string{"pwd", "hwk", "mfa"}, login.ACRMultiFactor)
		})
	}
}

// TestPasskeyBadInput: each bad assertion is refused with a clear message
// and signs in nobody.
func TestPasskeyBadInput(t *testing.T) {
	e := newPasskeyEnv(t, memoryBackend)
	br := e.browser()
	br.signInToAccount()
	c := br.registerPasskey("Laptop", passkeytest.FlagUV)
	br.logout(e)
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	other := otherUserHandle(t, e)

	type attempt func(t *testing.T, b *browser, p page, opts publicKeyOptions) string
	cases := []struct {
		name, want string
		run        attempt
	}{
		{"replayed assertion", "does not belong to this sign-in", func(t *testing.T, b *browser, p page, opts publicKeyOptions) string {
			// An assertion accepted once, for another flow, presented again.
			old := e.browser()
			ar := r.start()
			lp := old.get(ar.url)
			o := old.passkeyOptions(lp)
			a := c.Assertion(o.Challenge, e.issuer)
			old.callback(old.consent(old.passkeySubmit(lp, a, nil), "allow"), ar)
			return a
		}},
		{"another user's credential", "belongs to a different account", func(t *testing.T, b *browser, p page, opts publicKeyOptions) string {
			return c.AssertionWith(passkeytest.ClientData("webauthn.get", opts.Challenge, e.issuer), other)
		}},
		{"wrong origin", "different website", func(t *testing.T, b *browser, p page, opts publicKeyOptions) string {
			return c.AssertionWith(passkeytest.ClientData("webauthn.get", opts.Challenge, "https://evil.example"), c.UserHandle)
		}},
		{"expired challenge", "expired or was already used", func(t *testing.T, b *browser, p page, opts publicKeyOptions) string {
			e.clock.Advance(passkey.ChallengeLifetime + time.Second)
			return c.Assertion(opts.Challenge, e.issuer)
		}},
		{"malformed client data JSON", "invalid passkey response", func(t *testing.T, b *browser, p page, opts publicKeyOptions) string {
			return c.AssertionWith([]byte(`{"type":"webauthn.get","challenge":`), c.UserHandle)
		}},
		{"not JSON at all", "invalid passkey response", func(*testing.T, *browser, page, publicKeyOptions) string {
			return "{{{"
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := e.browser()
			p := b.get(r.start().url)
			opts := b.passkeyOptions(p)
			res := b.passkeySubmit(p, tc.run(t, b, p, opts), nil)
			if res.status != http.StatusUnauthorized || !strings.Contains(res.testid("error").Text(), tc.want) {
				t.Fatalf("status %d, error %q, want 401 and %q", res.status, res.testid("error").Text(), tc.want)
			}
			if res.testid("login-form").Length() == 0 {
				t.Fatal("the login page is not shown again")
			}
		})
	}
	t.Run("replay into the same flow", func(t *testing.T) {
		b := e.browser()
		p := b.get(r.start().url)
		opts := b.passkeyOptions(p)
		a := c.AssertionWith(passkeytest.ClientData("webauthn.get", opts.Challenge, "https://evil.example"), c.UserHandle)
		b.passkeySubmit(p, a, nil)
		res := b.passkeySubmit(p, c.Assertion(opts.Challenge, e.issuer), nil)
		if !strings.Contains(res.testid("error").Text(), "expired or was already used") {
			t.Fatalf("second use of a challenge: status %d, error %q", res.status, res.testid("error").Text())
		}
	})
}

// otherUserHandle creates a second user with a user handle.
func otherUserHandle(t *testing.T, e *env) []byte {
	t.Helper()
	d := e.app.Stores.Durable
	u := storage.User{ID: "other-user", Email: "other@example.com", CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}
	if err := d.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	h, err := d.EnsurePasskeyUserHandle(context.Background(), u.ID, []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func base64URL(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// newPasskeyEnv is newEnv with the issuer on localhost: a WebAuthn relying
// party id must be a domain name, so passkeys are off on 127.0.0.1.
func newPasskeyEnv(t testing.TB, b backend) *env {
	t.Helper()
	return newPasskeyEnvWith(t, b, nil)
}

// newPasskeyEnvWith is newPasskeyEnv with a configuration change; the
// issuer is on localhost because WebAuthn needs a domain name.
func newPasskeyEnvWith(t testing.TB, b backend, configure func(*app.Config)) *env {
	t.Helper()
	return newEnvWith(t, b, envOptions{host: "localhost", configure: configure})
}

// TestPasskeyAccountManagement: registration needs a recent login; rename,
// delete, someone else's passkey, and the last passkey of a user without a
// password.
func TestPasskeyAccountManagement(t *testing.T) {
	e := newPasskeyEnv(t, memoryBackend)
	br := e.browser()
	br.signInToAccount()
	c := br.registerPasskey("Laptop", passkeytest.FlagUV)
	id := passkeytest.B64(c.ID)

	p := br.get(e.issuer + "/account/passkeys/rename?id=" + id)
	csrf := p.hidden("csrf_token")
	p = br.post("/account/passkeys/rename", url.Values{"csrf_token": {csrf}, "id": {id}, "name": {strings.Repeat("x", 65)}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.testid("error").Text(), "64 characters") {
		t.Fatalf("long name: status %d, error %q", p.status, p.testid("error").Text())
	}
	p = br.post("/account/passkeys/rename", url.Values{"csrf_token": {csrf}, "id": {id}, "name": {"Work laptop"}})
	if p.testid("passkey-name").Text() != "Work laptop" {
		t.Fatalf("after rename: %q", p.testid("passkey-name").Text())
	}
	if p = br.post("/account/passkeys/rename", url.Values{"id": {id}, "name": {"x"}}); p.status != http.StatusForbidden {
		t.Fatalf("rename without CSRF token: status %d", p.status)
	}

	// Another user cannot touch it.
	other := e.browser()
	otherUser(t, e, "second@example.com")
	other.submitLogin(other.get(e.issuer+"/account"), "second@example.com", "second-password-1")
	op := other.get(e.issuer + "/account")
	other.post("/account/passkeys/delete", url.Values{"csrf_token": {op.hidden("csrf_token")}, "id": {id}})
	if _, err := e.app.Stores.Durable.GetPasskey(context.Background(), c.ID); err != nil {
		t.Fatalf("another user deleted the passkey: %v", err)
	}

	// Registration needs a login within the last five minutes.
	e.clock.Advance(6 * time.Minute)
	if p = br.get(e.issuer + "/account/passkeys/new"); p.testid("login-form").Length() == 0 {
		t.Fatalf("stale session reached the registration page: %s", p.url)
	}

	// Without a password the last passkey cannot go.
	u, _ := e.app.Stores.Durable.GetUserByEmail(context.Background(), storage.DefaultTenantID, app.DemoUserEmail)
	if err := e.app.Stores.Durable.SetPasswordHash(context.Background(), u.ID, "", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	p = br.get(e.issuer + "/account")
	p = br.post("/account/passkeys/delete", url.Values{"csrf_token": {p.hidden("csrf_token")}, "id": {id}})
	if !strings.Contains(p.body, "only way to sign in") || p.testid("passkey-row").Length() != 1 {
		t.Fatalf("last passkey of a password-less user: %s", p.body)
	}
	if err := e.app.Stores.Durable.SetPasswordHash(context.Background(), u.ID, u.PasswordHash, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	p = br.post("/account/passkeys/delete", url.Values{"csrf_token": {p.hidden("csrf_token")}, "id": {id}})
	if p.testid("passkeys-empty").Length() != 1 {
		t.Fatalf("after delete: %s", p.testid("passkeys").Text())
	}
}

// otherUser creates a user with a password.
func otherUser(t *testing.T, e *env, email string) {
	t.Helper()
	if _, err := e.app.CreateUser(context.Background(), app.NewUser{Email: email, Password: "second-password-1", EmailVerified: true}); err != nil {
		t.Fatal(err)
	}
}

// TestPasskeySecondFactorRefusals: another user's passkey after the
// password; a user with TOTP too gets a link to the code page.
func TestPasskeySecondFactorRefusals(t *testing.T) {
	e := newPasskeyEnv(t, memoryBackend)
	// The other user registers a passkey of their own.
	otherUser(t, e, "second@example.com")
	ob := e.browser()
	ob.submitLogin(ob.get(e.issuer+"/account"), "second@example.com", "second-password-1")
	stranger := ob.registerPasskey("Theirs", passkeytest.FlagUV)

	br := e.browser()
	br.signInToAccount()
	br.registerPasskey("Mine", passkeytest.FlagUV)
	br.enrolTOTP()
	br.logout(e)
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	p := br.submitLogin(br.get(r.start().url), app.DemoUserEmail, app.DemoUserPassword)
	if href, _ := p.testid("other-factor").Attr("href"); !strings.HasPrefix(href, "/login/totp?flow=") {
		t.Fatalf("passkey step offers no TOTP link: %q", href)
	}
	href, _ := p.testid("other-factor").Attr("href")
	tp := br.get(e.issuer + href)
	if back, _ := tp.testid("other-factor").Attr("href"); tp.testid("totp-form").Length() != 1 || !strings.HasPrefix(back, "/login/passkey/verify?flow=") {
		t.Fatalf("TOTP step offers no passkey link: %q", back)
	}
	opts := br.passkeyOptions(p)
	res := br.passkeySubmit(p, stranger.Assertion(opts.Challenge, e.issuer), nil)
	if res.status != http.StatusUnauthorized || !strings.Contains(res.testid("error").Text(), "different account") {
		t.Fatalf("another user's passkey: status %d, error %q", res.status, res.testid("error").Text())
	}
}

// TestPasskeyAttestation: with passkey_attestation: direct, a passkey
// without attestation is refused at registration; an attested-only client
// refuses such a passkey at sign-in while other clients accept it.
func TestPasskeyAttestation(t *testing.T) {
	t.Run("direct required", func(t *testing.T) {
		e := newPasskeyEnvWith(t, memoryBackend, func(c *app.Config) { c.Passkey.Attestation = "direct" })
		br := e.browser()
		br.signInToAccount()
		p := br.get(e.issuer + "/account/passkeys/new")
		flow, csrf, optionsURL, _ := passkeyBox(t, p)
		raw := br.post(optionsURL, url.Values{"flow": {flow}, "csrf_token": {csrf}})
		if !strings.Contains(raw.body, `"attestation":"direct"`) {
			t.Fatalf("options do not ask for direct attestation: %s", raw.body)
		}
		var body struct{ PublicKey publicKeyOptions }
		_ = json.Unmarshal([]byte(raw.body), &body)
		handle, _ := base64URL(body.PublicKey.User.ID)
		c := passkeytest.New(body.PublicKey.RP.ID, handle, passkeytest.FlagUV)
		res := br.passkeySubmit(p, c.Attestation(body.PublicKey.Challenge, e.issuer), url.Values{"name": {"Unattested"}})
		if res.status != http.StatusBadRequest || !strings.Contains(res.testid("error").Text(), "attestation") ||
			res.doc.Find(`[data-testid="passkey-name-input"]`).AttrOr("value", "") != "Unattested" {
			t.Fatalf("unattested registration: status %d, error %q", res.status, res.testid("error").Text())
		}
	})
	t.Run("attested clients", func(t *testing.T) {
		e := newPasskeyEnvWith(t, memoryBackend, func(c *app.Config) { c.Passkey.AttestedClients = []string{"bank"} })
		br := e.browser()
		br.signInToAccount()
		c := br.registerPasskey("Laptop", passkeytest.FlagUV)
		br.logout(e)
		bank := e.rp(mfaClient(t, e, "bank"))
		res := br.passkeyLogin(bank.start(), c)
		if res.status != http.StatusUnauthorized || !strings.Contains(res.testid("error").Text(), "approved security keys") {
			t.Fatalf("unattested passkey at an attested-only client: status %d, error %q", res.status, res.testid("error").Text())
		}
		demo := e.rp(app.DemoClientID, app.DemoClientSecret)
		ar := demo.start()
		demo.tokensOf(br.callback(br.consent(br.passkeyLogin(ar, c), "allow"), ar), ar)
	})
	t.Run("bad setting", func(t *testing.T) {
		cfg := app.Defaults()
		cfg.Passkey.Attestation = "sometimes"
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		st, err := app.OpenStores(context.Background(), cfg, time.Now, false, log)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := app.New(context.Background(), cfg, st, log, app.Options{}); err == nil || !strings.Contains(err.Error(), "passkey_attestation") {
			t.Fatalf("app.New with passkey_attestation sometimes: %v", err)
		}
	})
}

// TestPasskeyClonedAuthenticator: a signature counter that goes backwards
// is refused, and the passkey stays blocked (shown on the account page).
func TestPasskeyClonedAuthenticator(t *testing.T) {
	e := newPasskeyEnv(t, memoryBackend)
	br := e.browser()
	br.signInToAccount()
	c := br.registerPasskey("Key", passkeytest.FlagUV)
	br.logout(e)
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	ar := r.start()
	br.callback(br.consent(br.passkeyLogin(ar, c), "allow"), ar)
	br.logout(e)

	clone := *c
	clone.Count = 1
	res := br.passkeyLogin(r.start(), &clone)
	if res.status != http.StatusUnauthorized || !strings.Contains(res.testid("error").Text(), "may have been copied") {
		t.Fatalf("counter regression: status %d, error %q", res.status, res.testid("error").Text())
	}
	if res = br.passkeyLogin(r.start(), c); !strings.Contains(res.testid("error").Text(), "may have been copied") {
		t.Fatalf("blocked passkey accepted: status %d", res.status)
	}
	br.signInToAccount()
	if p := br.get(e.issuer + "/account/security"); p.testid("passkey-flagged").Length() != 1 {
		t.Fatal("the account page does not show the blocked passkey")
	}
}

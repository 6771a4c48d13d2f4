package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/login/defence"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
)

// auditEvents polls the audit log (it is written asynchronously) until
// want(events) holds or two seconds pass.
func auditEvents(t *testing.T, e *env, f storage.AuditFilter, want func([]storage.AuditEvent) bool) []storage.AuditEvent {
	t.Helper()
	var got []storage.AuditEvent
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var err error
		if got, err = e.app.Stores.Durable.ListAudit(context.Background(), f); err == nil && want(got) {
			return got
		}
	}
	t.Fatalf("audit log never matched; last read: %+v", got)
	return nil
}

func count(events []storage.AuditEvent, event, outcome string) int {
	n := 0
	for _, e := range events {
		if e.Event == event && (outcome == "" || e.Outcome == outcome) {
			n++
		}
	}
	return n
}

func mailTo(t *testing.T, e *env, to, subject string) templates.MailboxItem {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, m := range e.app.Accounts.Mailbox.Messages() {
			if m.To == to && strings.Contains(m.Subject, subject) {
				return m
			}
		}
	}
	t.Fatalf("no e-mail %q to %s", subject, to)
	return templates.MailboxItem{}
}

const lockMessage = "Too many failed attempts."

// TestLockoutThroughLoginPage: five wrong passwords lock the account; the
// page says so without revealing whether the account exists; the right
// password is refused while locked; the owner gets an e-mail whose link
// lifts the lock; the audit log has every step.
func TestLockoutThroughLoginPage(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnv(t, b)
			e.app.Defences.Policy.RateLimits = false // TestLoginRateLimit covers them
			e.app.Defences.Policy.IPMax = 20         // every request comes from 127.0.0.1; the unit tests cover the IP lock
			r := e.rp(app.DemoClientID, app.DemoClientSecret)
			br := e.browser()
			p := br.get(r.start().url)
			for i := range 5 {
				p = br.submitLogin(p, app.DemoUserEmail, "wrong-password")
				if i < 4 && p.status != http.StatusUnauthorized {
					t.Fatalf("failure %d: status %d", i+1, p.status)
				}
			}
			assertLockPage(t, p, app.DemoUserEmail)

			// The right password, in a new flow, is refused while locked.
			ar := r.start()
			p = br.submitLogin(br.get(ar.url), app.DemoUserEmail, app.DemoUserPassword)
			assertLockPage(t, p, app.DemoUserEmail)

			// An unknown address locks alike: same page, same status.
			other := e.browser()
			p = other.get(r.start().url)
			for range 5 {
				p = other.submitLogin(p, "nobody@example.com", "wrong-password")
			}
			assertLockPage(t, p, "nobody@example.com")

			// The owner's e-mail and its unlock link.
			m := mailTo(t, e, app.DemoUserEmail, "paused")
			link := ""
			for _, l := range m.Links {
				if strings.Contains(l, defence.UnlockPath) {
					link = l
				}
			}
			if link == "" {
				t.Fatalf("no unlock link in %+v", m)
			}
			// Opening the link (a mail scanner, a link preview) changes
			// nothing: it shows a confirm button.
			confirm := br.get(link)
			if confirm.status != http.StatusOK || confirm.testid("unlock-form").Length() != 1 || confirm.testid("unlock-sign-in").Length() != 1 {
				t.Fatalf("unlock page: %d %s", confirm.status, confirm.body)
			}
			if p := br.submitLogin(br.get(r.start().url), app.DemoUserEmail, app.DemoUserPassword); p.status != http.StatusTooManyRequests {
				t.Fatalf("GET of the unlock link lifted the lock: status %d", p.status)
			}
			// The button without its CSRF token does nothing either.
			if p := br.post(defence.UnlockPath, url.Values{"t": {confirm.hidden("t")}}); p.status != http.StatusForbidden {
				t.Fatalf("unlock without CSRF: %d", p.status)
			}
			p = br.post(defence.UnlockPath, url.Values{"t": {confirm.hidden("t")}, "csrf_token": {confirm.hidden("csrf_token")}})
			if p.status != http.StatusOK || !strings.Contains(p.testid("notice").Text(), "sign in with your password again") || p.testid("unlock-sign-in").Length() != 1 {
				t.Fatalf("unlock: %d %s", p.status, p.body)
			}
			br.callback(br.consent(br.submitLogin(br.get(ar.url), app.DemoUserEmail, app.DemoUserPassword), "allow"), ar)

			u, _ := e.app.Stores.Durable.GetUserByEmail(context.Background(), storage.DefaultTenantID, app.DemoUserEmail)
			auditEvents(t, e, storage.AuditFilter{UserID: u.ID}, func(ev []storage.AuditEvent) bool {
				return count(ev, "lockout", "") == 1 && count(ev, "unlock", "success") == 1 && count(ev, "login", "success") >= 1
			})
			fails := auditEvents(t, e, storage.AuditFilter{Event: "login"}, func(ev []storage.AuditEvent) bool {
				return count(ev, "login", "failure") >= 11
			})
			for _, f := range fails {
				if f.Outcome == "failure" && (f.IP == "" || f.RequestID == "" || f.ClientID != app.DemoClientID || f.Details["method"] == "") {
					t.Fatalf("audit row lacks request data: %+v", f)
				}
			}
		})
	}
}

// lockOutDemoUser has the demo customer fail the password five times
// through the demo client's sign-in (the relying party it returns): the
// lock page, and one lockout in the audit log.
func lockOutDemoUser(t *testing.T, e *env) *rp {
	t.Helper()
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	cust := e.browser()
	lp := cust.get(r.start().url)
	for range 5 {
		lp = cust.submitLogin(lp, app.DemoUserEmail, "wrong-password")
	}
	assertLockPage(t, lp, app.DemoUserEmail)
	auditEvents(t, e, storage.AuditFilter{Event: "lockout"}, func(ev []storage.AuditEvent) bool { return len(ev) == 1 })
	return r
}

func assertLockPage(t *testing.T, p page, email string) {
	t.Helper()
	if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" {
		t.Fatalf("lock page: status %d, Retry-After %q", p.status, p.header.Get("Retry-After"))
	}
	msg := p.testid("error").Text()
	if !strings.HasPrefix(msg, lockMessage) || !strings.Contains(msg, "15 minutes") || strings.Contains(msg, email) {
		t.Fatalf("lock message %q", msg)
	}
	if p.testid("login-form").Length() == 0 {
		t.Fatal("the lock page must keep the other sign-in methods (passkey, wallet) available")
	}
}

// TestLoginRateLimit: the login form allows 5 POSTs per minute per IP;
// the sixth gets 429 with Retry-After and a friendly page.
func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t, memoryBackend)
	e.app.Defences.Policy.RateLimits = true
	br := e.browser()
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	for i := range 5 {
		q := br.submitLogin(br.get(r.start().url), "user"+string(rune('a'+i))+"@example.com", "wrong-password")
		if q.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, q.status)
		}
	}
	q := br.submitLogin(br.get(r.start().url), "other@example.com", "wrong-password")
	if q.status != http.StatusTooManyRequests || q.header.Get("Retry-After") == "" || !strings.Contains(q.testid("error").Text(), "Too many attempts") {
		t.Fatalf("6th: %d %q %q", q.status, q.header.Get("Retry-After"), q.testid("error").Text())
	}
}

// TestTokenEndpointRateLimit: per client, OAuth error JSON with 429.
func TestTokenEndpointRateLimit(t *testing.T) {
	e := newEnv(t, memoryBackend)
	rates := e.app.Defences.Policy.Rates[defence.ActionToken]
	rates.PerIdentifier = storage.Rate{Limit: 2, Period: time.Minute}
	e.app.Defences.Policy.Rates[defence.ActionToken] = rates
	var res *http.Response
	for range 3 {
		req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth/token", strings.NewReader("grant_type=client_credentials"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(app.DemoClientID, app.DemoClientSecret)
		var err error
		if res, err = http.DefaultClient.Do(req); err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(app.DemoClientID, app.DemoClientSecret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]string
	_ = json.NewDecoder(res.Body).Decode(&body)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || body["error"] != "temporarily_unavailable" {
		t.Fatalf("status %d, Retry-After %q, body %v", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
}

// TestTwoInstancesShareRedis: failures on one Admit lock the account on
// another that shares the Redis (and Postgres); rate limits are shared.
func TestTwoInstancesShareRedis(t *testing.T) {
	a := newEnv(t, postgresBackend)
	b := startEnv(t, postgresBackend, startOptions{configure: func(c *app.Config) {
		c.DatabaseURL, c.RedisURL, c.RedisPrefix = a.app.Config.DatabaseURL, a.app.Config.RedisURL, a.app.Config.RedisPrefix
	}})
	a.app.Defences.Policy.RateLimits, b.app.Defences.Policy.RateLimits = false, false
	ra, rb := a.rp(app.DemoClientID, app.DemoClientSecret), b.rp(app.DemoClientID, app.DemoClientSecret)
	for i := range 5 {
		e, r := a, ra
		if i%2 == 1 {
			e, r = b, rb
		}
		br := e.browser()
		br.submitLogin(br.get(r.start().url), app.DemoUserEmail, "wrong-password")
	}
	for _, e := range []*env{a, b} {
		br := e.browser()
		p := br.submitLogin(br.get(e.rp(app.DemoClientID, app.DemoClientSecret).start().url), app.DemoUserEmail, app.DemoUserPassword)
		assertLockPage(t, p, app.DemoUserEmail)
	}
	// One shared GCRA: 10 wallet-nonce hits per minute across both.
	a.app.Defences.Policy.RateLimits, b.app.Defences.Policy.RateLimits = true, true
	ctx := context.Background()
	allowed := 0
	for i := range 14 {
		g := a.app.Defences
		if i%2 == 1 {
			g = b.app.Defences
		}
		if v, err := g.Limit(ctx, defence.ActionWalletNonce, "203.0.113.7", ""); err == nil && !v.Refused {
			allowed++
		}
	}
	if allowed != 10 {
		t.Fatalf("allowed %d of 14 across two instances, want 10", allowed)
	}
}

// TestCaptchaOnLoginPage: after 3 failures the page shows the widget (and
// its origin in the CSP); a post without a valid response is refused; a
// valid one (checked at the local siteverify) goes through.
func TestCaptchaOnLoginPage(t *testing.T) {
	verify := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"success": r.PostFormValue("response") == "pass" && r.PostFormValue("secret") == "sec"})
	}))
	defer verify.Close()
	e := startEnv(t, memoryBackend, startOptions{configure: func(c *app.Config) {
		c.Defences.Captcha = app.CaptchaConfig{Provider: "hcaptcha", SiteKey: "site-1", Secret: "sec", VerifyURL: verify.URL}
	}})
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	br := e.browser()
	p := br.get(r.start().url)
	if p.testid("captcha").Length() != 0 || strings.Contains(p.header.Get("Content-Security-Policy"), "hcaptcha") {
		t.Fatal("captcha shown before any failure")
	}
	for range 3 {
		p = br.submitLogin(p, app.DemoUserEmail, "wrong-password")
	}
	if p.testid("captcha-hcaptcha").Length() != 1 || !strings.Contains(p.header.Get("Content-Security-Policy"), "script-src 'self' https://hcaptcha.com") ||
		!strings.Contains(p.header.Get("Content-Security-Policy"), "frame-src 'self' https://hcaptcha.com") {
		t.Fatalf("no widget after 3 failures: csp %q", p.header.Get("Content-Security-Policy"))
	}
	p = br.submitLogin(p, app.DemoUserEmail, app.DemoUserPassword)
	if p.status != http.StatusBadRequest || p.testid("captcha").Length() != 1 {
		t.Fatalf("without captcha: %d", p.status)
	}
	form := url.Values{"flow": {p.hidden("flow")}, "csrf_token": {p.hidden("csrf_token")}, "email": {app.DemoUserEmail},
		"password": {app.DemoUserPassword}, "h-captcha-response": {"pass"}}
	if p = br.consent(br.post("/login/password", form), "allow"); p.location == nil {
		t.Fatalf("with a valid captcha: %d %s", p.status, p.testid("error").Text())
	}
}

// TestDeviceTrust: the first sign-in from a browser is a new device (audit
// row, "new sign-in" e-mail); the next one from the same browser is not;
// the account area lists the device and forgets it.
func TestDeviceTrust(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnv(t, b)
			e.app.Defences.Policy.RateLimits = false
			br, _ := e.signIn(app.DemoUserEmail, app.DemoUserPassword)
			p := br.get(e.abs("/account/devices"))
			if p.testid("device-row").Length() != 1 || p.testid("device-current").Length() != 1 {
				t.Fatalf("devices: %s", p.testid("devices").Text())
			}
			// The notice names the browser as people know it (the test
			// client is Go's, which no parser names), never its raw user
			// agent, and links to the devices page.
			notice := mailTo(t, e, app.DemoUserEmail, "New sign-in")
			if strings.Contains(notice.Text, "Go-http-client") || !strings.Contains(notice.Text, "Unknown browser on an unknown system") ||
				!slices.Contains(notice.Links, e.issuer+"/account/devices") {
				t.Fatalf("new-device mail: %s %v", notice.Text, notice.Links)
			}
			u, _ := e.app.Stores.Durable.GetUserByEmail(context.Background(), storage.DefaultTenantID, app.DemoUserEmail)
			auditEvents(t, e, storage.AuditFilter{UserID: u.ID, Event: "device.new"}, func(ev []storage.AuditEvent) bool { return len(ev) == 1 })

			// Same browser again: known device, no second notice.
			r := e.rp(app.DemoClientID, app.DemoClientSecret)
			ar := r.start(oauth2.SetAuthURLParam("prompt", "login"))
			br.callback(br.consent(br.submitLogin(br.get(ar.url), app.DemoUserEmail, app.DemoUserPassword), "allow"), ar)
			time.Sleep(300 * time.Millisecond)
			auditEvents(t, e, storage.AuditFilter{UserID: u.ID, Event: "device.new"}, func(ev []storage.AuditEvent) bool { return len(ev) == 1 })

			p = br.get(e.issuer + "/account/devices")
			id, _ := p.testid("device-forget").Parent().Find(`input[name="device"]`).Attr("value")
			p = br.post("/account/devices/forget", url.Values{"csrf_token": {p.hidden("csrf_token")}, "device": {id}})
			if p.testid("devices-empty").Length() != 1 {
				t.Fatalf("after forget: %d %s", p.status, p.testid("devices").Text())
			}
			if notice := strings.TrimSpace(p.testid("notice").Text()); notice != "That device was forgotten." {
				t.Fatalf("notice after forget = %q", notice)
			}
		})
	}
}

// TestAuditRefreshReuseAndConsent: a replayed refresh token is audited as
// refresh.reuse (op's GrantRevoked hook), the family revocation as
// token.revoked, and the consent as consent.granted.
func TestAuditRefreshReuseAndConsent(t *testing.T) {
	e := newEnv(t, postgresBackend)
	r := e.rp(app.DemoClientID, app.DemoClientSecret, "openid", "offline_access")
	code, ar, _ := codeFor(t, e, r)
	tok, err := r.exchange(code, ar)
	if err != nil {
		t.Fatal(err)
	}
	next, err := r.refresh(tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(app.Defaults().Resilience.RefreshReuseInterval + time.Second) // replay, not a retry
	if _, err := r.refresh(tok.RefreshToken); err == nil {
		t.Fatal("replayed refresh token accepted")
	}
	if _, err := r.refresh(next.RefreshToken); err == nil {
		t.Fatal("the family's newest refresh token survived the replay")
	}
	auditEvents(t, e, storage.AuditFilter{}, func(ev []storage.AuditEvent) bool {
		return count(ev, "refresh.reuse", "") >= 1 && count(ev, "token.revoked", "") >= 1 && count(ev, "consent.granted", "success") == 1
	})
}

// TestCaptchaOnSignUpPage: once the IP owes a CAPTCHA (3 failed logins),
// the sign-up form shows the widget and refuses a post without a valid
// response.
func TestCaptchaOnSignUpPage(t *testing.T) {
	verify := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"success": r.PostFormValue("response") == "pass" && r.PostFormValue("secret") == "sec"})
	}))
	defer verify.Close()
	e := startEnv(t, memoryBackend, startOptions{configure: func(c *app.Config) {
		c.Defences.Captcha = app.CaptchaConfig{Provider: "hcaptcha", SiteKey: "site-1", Secret: "sec", VerifyURL: verify.URL}
	}})
	br := e.browser()
	login := br.get(e.rp(app.DemoClientID, app.DemoClientSecret).start().url)
	if form := br.get(e.abs(login.href(t, "signup"))); form.testid("captcha").Length() != 0 {
		t.Fatal("captcha on the sign-up form before any failure")
	}
	p := login
	for range 3 {
		p = br.submitLogin(p, app.DemoUserEmail, "wrong-password")
	}
	form := br.get(e.abs(p.href(t, "signup")))
	if form.testid("captcha-hcaptcha").Length() != 1 || !strings.Contains(form.header.Get("Content-Security-Policy"), "https://hcaptcha.com") {
		t.Fatalf("sign-up form after 3 failures: no widget (csp %q)", form.header.Get("Content-Security-Policy"))
	}
	fields := signupFields("captcha-user@example.com", newUserPassword)
	fields.Set("flow", form.hidden("flow"))
	fields.Set("csrf_token", form.hidden("csrf_token"))
	if p := br.post("/login/signup", fields); p.status != http.StatusBadRequest {
		t.Fatalf("sign-up without a captcha response: status %d", p.status)
	}
	fields.Set("h-captcha-response", "pass")
	if p := br.post("/login/signup", fields); p.status != http.StatusOK || p.testid("error-title").Length() != 0 {
		t.Fatalf("sign-up with a valid captcha: status %d %s", p.status, p.testid("error-message").Text())
	}
}

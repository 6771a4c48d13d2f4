package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
)

// device is a device client (a box-office terminal) driven by x/oauth2's
// RFC 8628 implementation.
type device struct {
	e     *env
	oauth oauth2.Config
}

const deviceClientID = "box-office"

// newDeviceEnv starts Admit with a one-second poll interval and registers
// a public device client.
func newDeviceEnv(t *testing.T, b backend) (*env, *device) {
	t.Helper()
	return newDeviceEnvWith(t, b, nil)
}

// newDeviceEnvWith is newDeviceEnv with a configuration change.
func newDeviceEnvWith(t *testing.T, b backend, change func(*app.Config)) (*env, *device) {
	t.Helper()
	e := newEnvWith(t, b, envOptions{configure: func(c *app.Config) {
		c.Device.PollInterval = time.Second
		if change != nil {
			change(c)
		}
	}})
	spec := app.ClientSpec{
		ID: deviceClientID, Name: "Box office terminal", Public: true,
		Grants: []string{admin.GrantDeviceCode, "refresh_token"}, Scopes: []string{"openid", "profile", "email", "offline_access"},
	}
	if _, err := e.app.AddClient(context.Background(), spec); err != nil {
		t.Fatalf("add device client: %v", err)
	}
	var doc struct {
		DeviceEndpoint string   `json:"device_authorization_endpoint"`
		TokenEndpoint  string   `json:"token_endpoint"`
		Grants         []string `json:"grant_types_supported"`
	}
	discoveryJSON(t, e.issuer+"/.well-known/openid-configuration", &doc)
	if doc.DeviceEndpoint != e.issuer+"/device_authorization" {
		t.Fatalf("device_authorization_endpoint = %q", doc.DeviceEndpoint)
	}
	if !strings.Contains(strings.Join(doc.Grants, " "), admin.GrantDeviceCode) {
		t.Fatalf("grant_types_supported %v lacks the device grant", doc.Grants)
	}
	return e, &device{e: e, oauth: oauth2.Config{
		ClientID: deviceClientID, Scopes: []string{"openid", "email", "offline_access"},
		Endpoint: oauth2.Endpoint{DeviceAuthURL: doc.DeviceEndpoint, TokenURL: doc.TokenEndpoint, AuthStyle: oauth2.AuthStyleInParams},
	}}
}

func discoveryJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("%s: %v", u, err)
	}
}

var userCodeShape = regexp.MustCompile(`^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`)

func (d *device) start(t *testing.T) *oauth2.DeviceAuthResponse {
	t.Helper()
	resp, err := d.oauth.DeviceAuth(context.Background())
	if err != nil {
		t.Fatalf("device authorization: %v", err)
	}
	if !userCodeShape.MatchString(resp.UserCode) {
		t.Fatalf("user code %q: want XXXX-XXXX of the consonant alphabet", resp.UserCode)
	}
	if resp.VerificationURI != d.e.issuer+"/device" || resp.VerificationURIComplete != d.e.issuer+"/device?user_code="+resp.UserCode {
		t.Fatalf("verification URIs %q, %q", resp.VerificationURI, resp.VerificationURIComplete)
	}
	if resp.Interval != 1 || resp.Expiry.IsZero() {
		t.Fatalf("interval %d, expiry %v", resp.Interval, resp.Expiry)
	}
	return resp
}

// poll is one raw token request: the OAuth error code, or "" with tokens.
func (d *device) poll(t *testing.T, deviceCode string) string {
	t.Helper()
	form := url.Values{"grant_type": {admin.GrantDeviceCode}, "device_code": {deviceCode}, "client_id": {deviceClientID}}
	resp, err := http.PostForm(d.oauth.Endpoint.TokenURL, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Error       string `json:"error"`
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	if body.Error == "" && (resp.StatusCode != http.StatusOK || body.AccessToken == "") {
		t.Fatalf("poll: status %d without an error or a token", resp.StatusCode)
	}
	if body.Error != "" && resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("poll: %s with status %d, want 400 (RFC 8628 3.5)", body.Error, resp.StatusCode)
	}
	return body.Error
}

// token is x/oauth2's polling loop (it waits one interval first).
func (d *device) token(t *testing.T, resp *oauth2.DeviceAuthResponse) (*oauth2.Token, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return d.oauth.DeviceAccessToken(ctx, resp)
}

// approveInBrowser is the user's side without JavaScript: open the QR
// code's URL, confirm the code, sign in, decide.
func approveInBrowser(t *testing.T, b *browser, verificationComplete, decision string) page {
	t.Helper()
	p := b.get(verificationComplete)
	code := p.testid("user-code").AttrOr("value", "")
	if p.status != http.StatusOK || code == "" {
		t.Fatalf("entry page: status %d, code %q", p.status, code)
	}
	p = b.post("/device", url.Values{"csrf_token": {p.hidden("csrf_token")}, "user_code": {strings.ToLower(code)}})
	if p.testid("login-form").Length() > 0 {
		p = b.submitLogin(p, "demo@example.com", "demo-password-1")
	}
	if p.testid("device-consent-form").Length() == 0 {
		t.Fatalf("no device consent page (status %d at %s): %s", p.status, p.url, p.body)
	}
	if got := p.testid("shown-code").Text(); got != code {
		t.Fatalf("consent page shows code %q, want %q", got, code)
	}
	if got := p.testid("client-name").Text(); got != "Box office terminal" {
		t.Fatalf("consent page names %q", got)
	}
	return b.post("/device/approve", url.Values{"csrf_token": {p.hidden("csrf_token")}, "user_code": {p.hidden("user_code")}, "decision": {decision}})
}

// TestDeviceGrantApprove: pending while the user has not decided, then
// tokens for the user who approved, once; the approval is audited.
func TestDeviceGrantApprove(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e, d := newDeviceEnv(t, b)
			resp := d.start(t)
			if got := d.poll(t, resp.DeviceCode); got != "authorization_pending" {
				t.Fatalf("first poll = %q, want authorization_pending", got)
			}
			e.clock.Advance(time.Second)
			p := approveInBrowser(t, e.browser(), resp.VerificationURIComplete, "allow")
			if p.status != http.StatusOK || p.testid("message-title").Text() != "Device connected" {
				t.Fatalf("after approval: status %d: %s", p.status, p.body)
			}
			e.clock.Advance(time.Second)
			tok, err := d.token(t, resp)
			if err != nil {
				t.Fatalf("device token: %v", err)
			}
			raw, _ := tok.Extra("id_token").(string)
			rp := e.rp(deviceClientID, "")
			idt, err := rp.verifier.Verify(context.Background(), raw)
			if err != nil {
				t.Fatalf("id token: %v", err)
			}
			demo, _ := e.app.Stores.Durable.GetUserByEmail(context.Background(), storage.DefaultTenantID, "demo@example.com")
			if idt.Subject != demo.ID || tok.RefreshToken == "" {
				t.Fatalf("sub %q (want %q), refresh token %q", idt.Subject, demo.ID, tok.RefreshToken)
			}
			e.clock.Advance(time.Second)
			if got := d.poll(t, resp.DeviceCode); got != "expired_token" {
				t.Fatalf("poll after redemption = %q, want expired_token (single use)", got)
			}
			auditEvents(t, e, storage.AuditFilter{Event: "device.approve"}, func(ev []storage.AuditEvent) bool {
				return count(ev, "device.approve", "success") == 1 && ev[0].UserID == demo.ID && ev[0].ClientID == deviceClientID
			})
		})
	}
}

// TestDeviceGrantDeny: the device gets access_denied; the code cannot be
// used again; the denial is audited.
func TestDeviceGrantDeny(t *testing.T) {
	e, d := newDeviceEnv(t, memoryBackend)
	resp := d.start(t)
	br := e.browser()
	p := approveInBrowser(t, br, resp.VerificationURIComplete, "deny")
	if p.testid("message-title").Text() != "Device not connected" {
		t.Fatalf("after denial: status %d: %s", p.status, p.body)
	}
	_, err := d.token(t, resp)
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "access_denied" {
		t.Fatalf("device token after denial: %v, want access_denied", err)
	}
	p = br.get(e.issuer + "/device/approve?user_code=" + url.QueryEscape(resp.UserCode))
	if p.status != http.StatusBadRequest || p.testid("error").Length() == 0 {
		t.Fatalf("used code: status %d, want 400 with an error", p.status)
	}
	auditEvents(t, e, storage.AuditFilter{Event: "device.deny"}, func(ev []storage.AuditEvent) bool {
		return count(ev, "device.deny", "success") == 1
	})
}

// TestDeviceGrantSlowDownAndExpiry: a poll within the interval gets
// slow_down (RFC 8628 3.5); once the code's lifetime is over, expired_token
// and the user code no longer works.
func TestDeviceGrantSlowDownAndExpiry(t *testing.T) {
	e, d := newDeviceEnv(t, memoryBackend)
	resp := d.start(t)
	if got := d.poll(t, resp.DeviceCode); got != "authorization_pending" {
		t.Fatalf("first poll = %q", got)
	}
	if got := d.poll(t, resp.DeviceCode); got != "slow_down" {
		t.Fatalf("immediate second poll = %q, want slow_down", got)
	}
	e.clock.Advance(time.Second)
	if got := d.poll(t, resp.DeviceCode); got != "authorization_pending" {
		t.Fatalf("poll after the interval = %q, want authorization_pending", got)
	}
	e.clock.Advance(10 * time.Minute)
	if got := d.poll(t, resp.DeviceCode); got != "expired_token" {
		t.Fatalf("poll after expiry = %q, want expired_token", got)
	}
	br := e.browser()
	p := br.get(resp.VerificationURIComplete)
	p = br.post("/device", url.Values{"csrf_token": {p.hidden("csrf_token")}, "user_code": {resp.UserCode}})
	if p.status != http.StatusBadRequest || p.testid("error").Length() == 0 {
		t.Fatalf("expired user code: status %d", p.status)
	}
}

// TestDeviceGrantUserCodeBruteForce: guessing user codes is limited per
// address; past the limit even the right code is refused with 429.
func TestDeviceGrantUserCodeBruteForce(t *testing.T) {
	e, d := newDeviceEnv(t, memoryBackend)
	resp := d.start(t)
	br := e.browser()
	csrf := br.get(e.issuer + "/device").hidden("csrf_token")
	for i := range 10 {
		p := br.post("/device", url.Values{"csrf_token": {csrf}, "user_code": {"BCDF-GHJ" + string("BCDFGHJKLM"[i])}})
		if p.status != http.StatusBadRequest {
			t.Fatalf("guess %d: status %d, want 400", i, p.status)
		}
	}
	p := br.post("/device", url.Values{"csrf_token": {csrf}, "user_code": {resp.UserCode}})
	if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" {
		t.Fatalf("11th try: status %d, want 429 with Retry-After", p.status)
	}
	auditEvents(t, e, storage.AuditFilter{Event: "device.code"}, func(ev []storage.AuditEvent) bool {
		return count(ev, "device.code", "failure") >= 11
	})
}

// TestDeviceGrantClientSwitch: a client that did not register the grant
// cannot start it (off by default).
func TestDeviceGrantClientSwitch(t *testing.T) {
	e, d := newDeviceEnv(t, memoryBackend)
	resp, err := http.PostForm(d.oauth.Endpoint.DeviceAuthURL, url.Values{"client_id": {"demo-spa"}, "scope": {"openid"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Error string }
	_ = json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != http.StatusBadRequest || body.Error != "unauthorized_client" {
		t.Fatalf("device authorization for demo-spa: %d %q, want 400 unauthorized_client", resp.StatusCode, body.Error)
	}
	_ = e
}

// TestDeviceGrantConfidentialClientAuthenticates: a confidential device
// client must authenticate at the device authorization endpoint (RFC 8628
// 3.1), as at the token endpoint.
func TestDeviceGrantConfidentialClientAuthenticates(t *testing.T) {
	e, d := newDeviceEnv(t, memoryBackend)
	secret, err := e.app.AddClient(context.Background(), app.ClientSpec{ID: "door-scanner", Grants: []string{admin.GrantDeviceCode}, Scopes: []string{"openid"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, basicSecret string
		status            int
	}{
		{"no secret", "", http.StatusUnauthorized},
		{"wrong secret", "nope", http.StatusUnauthorized},
		{"secret", secret, http.StatusOK},
	} {
		form := url.Values{"scope": {"openid"}}
		if c.basicSecret == "" {
			form.Set("client_id", "door-scanner")
		}
		req, _ := http.NewRequest(http.MethodPost, d.oauth.Endpoint.DeviceAuthURL, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if c.basicSecret != "" {
			req.SetBasicAuth("door-scanner", c.basicSecret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d", c.name, resp.StatusCode, c.status)
		}
	}
}

// TestDeviceGrantClientSecretPost: a confidential device client that
// authenticates with client_secret_post gets its tokens; a poll without
// its secret, or with a wrong one, is 401 invalid_client with the Basic
// challenge (RFC 6749 5.2) and does not use up the approval.
func TestDeviceGrantClientSecretPost(t *testing.T) {
	e, d := newDeviceEnv(t, memoryBackend)
	const id = "door-scanner"
	secret, err := e.app.AddClient(context.Background(), app.ClientSpec{
		ID: id, Name: "Box office terminal", AuthMethod: storage.AuthMethodPost,
		Grants: []string{admin.GrantDeviceCode}, Scopes: []string{"openid"},
	})
	if err != nil {
		t.Fatal(err)
	}
	post := func(u string, form url.Values) (int, string, map[string]any) {
		t.Helper()
		resp, err := http.PostForm(u, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body
	}
	status, _, auth := post(d.oauth.Endpoint.DeviceAuthURL, url.Values{"client_id": {id}, "client_secret": {secret}, "scope": {"openid"}})
	if status != http.StatusOK {
		t.Fatalf("device authorization: status %d: %v", status, auth)
	}
	deviceCode, _ := auth["device_code"].(string)
	complete, _ := auth["verification_uri_complete"].(string)
	e.clock.Advance(time.Second)
	if p := approveInBrowser(t, e.browser(), complete, "allow"); p.status != http.StatusOK {
		t.Fatalf("after approval: status %d: %s", p.status, p.body)
	}
	for _, c := range []struct{ name, secret string }{{"no secret", ""}, {"wrong secret", "nope"}} {
		e.clock.Advance(time.Second)
		form := url.Values{"grant_type": {admin.GrantDeviceCode}, "device_code": {deviceCode}, "client_id": {id}}
		if c.secret != "" {
			form.Set("client_secret", c.secret)
		}
		status, challenge, body := post(d.oauth.Endpoint.TokenURL, form)
		if status != http.StatusUnauthorized || body["error"] != "invalid_client" || !strings.HasPrefix(challenge, "Basic") {
			t.Fatalf("poll with %s: status %d, challenge %q, %v; want 401 invalid_client with a Basic challenge", c.name, status, challenge, body)
		}
	}
	e.clock.Advance(time.Second)
	status, _, body := post(d.oauth.Endpoint.TokenURL, url.Values{"grant_type": {admin.GrantDeviceCode}, "device_code": {deviceCode}, "client_id": {id}, "client_secret": {secret}})
	if status != http.StatusOK || body["access_token"] == nil {
		t.Fatalf("poll with the secret: status %d: %v", status, body)
	}
}

// TestDeviceGrantRequiresVerifiedEmail: a client that needs a confirmed
// e-mail address (accounts.require_verified_email) cannot be approved on
// /device by a user whose address is unconfirmed, as the browser login
// refuses them; the device gets no tokens. A confirmed user still can.
func TestDeviceGrantRequiresVerifiedEmail(t *testing.T) {
	e, d := newDeviceEnvWith(t, memoryBackend, func(c *app.Config) { c.Accounts.RequireVerifiedEmail = []string{deviceClientID} })
	ctx := context.Background()
	now := e.clock.Now()
	u := storage.User{ID: "unverified-device-user", TenantID: storage.DefaultTenantID, Email: "unverified@example.com", CreatedAt: now, UpdatedAt: now}
	if err := e.app.Stores.Durable.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	hash, err := e.app.Hasher.Hash("unverified-password-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.app.Stores.Durable.SetPasswordHash(ctx, u.ID, hash, now); err != nil {
		t.Fatal(err)
	}
	resp := d.start(t)
	b := e.browser()
	p := b.get(resp.VerificationURIComplete)
	p = b.post("/device", url.Values{"csrf_token": {p.hidden("csrf_token")}, "user_code": {p.testid("user-code").AttrOr("value", "")}})
	if p.testid("login-form").Length() > 0 {
		p = b.submitLogin(p, "unverified@example.com", "unverified-password-1")
	}
	if p.status != http.StatusForbidden || p.testid("device-consent-form").Length() != 0 || !strings.Contains(p.body, "confirmed e-mail address") {
		t.Fatalf("unverified user: status %d, want 403 asking for a confirmed address: %s", p.status, p.body)
	}
	// Nor can the decision be posted directly.
	code := strings.ReplaceAll(strings.ToUpper(resp.UserCode), "-", "")
	csrf := b.get(e.issuer + "/device").hidden("csrf_token")
	if p := b.post("/device/approve", url.Values{"csrf_token": {csrf}, "user_code": {code}, "decision": {"allow"}}); p.status != http.StatusForbidden {
		t.Fatalf("direct approval by an unverified user: status %d: %s", p.status, p.body)
	}
	e.clock.Advance(time.Second)
	if got := d.poll(t, resp.DeviceCode); got != "authorization_pending" {
		t.Fatalf("poll after the refused approval = %q, want authorization_pending", got)
	}
	// A confirmed user (demo) approves as before.
	resp = d.start(t)
	if p := approveInBrowser(t, e.browser(), resp.VerificationURIComplete, "allow"); p.status != http.StatusOK || p.testid("message-title").Text() != "Device connected" {
		t.Fatalf("verified user: status %d: %s", p.status, p.body)
	}
}

// TestDeviceGrantDPoPBoundPollWithoutProof: a dpop_bound_access_tokens
// client (RFC 9449 §5) polling an approved device code without a proof is
// refused with invalid_dpop_proof and the approval is not spent: its next
// poll, with a proof, gets a DPoP-bound token.
func TestDeviceGrantDPoPBoundPollWithoutProof(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e, d := newDeviceEnv(t, b)
			c, err := e.app.Stores.Durable.GetClient(context.Background(), deviceClientID)
			if err != nil {
				t.Fatal(err)
			}
			c.DPoPBoundAccessTokens = true
			if err := e.app.Stores.Durable.UpdateClient(context.Background(), c); err != nil {
				t.Fatal(err)
			}
			resp := d.start(t)
			e.clock.Advance(time.Second)
			if p := approveInBrowser(t, e.browser(), resp.VerificationURIComplete, "allow"); p.status != http.StatusOK {
				t.Fatalf("after approval: status %d: %s", p.status, p.body)
			}
			form := url.Values{"grant_type": {admin.GrantDeviceCode}, "device_code": {resp.DeviceCode}, "client_id": {deviceClientID}}
			for i := range 2 { // twice: a refusal does not count as a poll either
				e.clock.Advance(time.Second)
				no := call(t, e.issuer, http.MethodPost, "/oauth/token", form, nil)
				if no.status != http.StatusBadRequest || no.str("error") != "invalid_dpop_proof" || no.str("access_token") != "" {
					t.Fatalf("poll %d without a proof: %d %v", i, no.status, no.body)
				}
			}
			key, nonce := newDPoPKey(t), ""
			e.clock.Advance(time.Second)
			ok := withNonce(t, e, key, &nonce, func(proof string) answer {
				return call(t, e.issuer, http.MethodPost, "/oauth/token", form, map[string]string{"DPoP": proof})
			}, http.MethodPost, "/oauth/token", "")
			if ok.status != http.StatusOK || ok.str("token_type") != "DPoP" || cnfJKT(accessClaims(t, ok.str("access_token"))) != key.jkt {
				t.Fatalf("poll with a proof: %d %v", ok.status, ok.body)
			}
		})
	}
}

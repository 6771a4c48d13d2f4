package app_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	goredis "github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/op/adminapi"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
)

// ownRedis is a redis-server process of the test's own, without persistence,
// so that restarting it loses every key, as a Redis restart in production
// without RDB/AOF does. The shared test Redis is never touched.
type ownRedis struct {
	t    *testing.T
	port int
	cmd  *exec.Cmd
}

func startOwnRedis(t *testing.T) *ownRedis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server not found (apt-get install redis-server): %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	r := &ownRedis{t: t, port: port}
	r.start(bin)
	t.Cleanup(r.kill)
	return r
}

func (r *ownRedis) url() string { return "redis://127.0.0.1:" + strconv.Itoa(r.port) }

func (r *ownRedis) start(bin string) {
	r.t.Helper()
	r.cmd = exec.Command(bin, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.t.TempDir(), "--loglevel", "warning")
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	client := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:" + strconv.Itoa(r.port)})
	defer client.Close()
	deadline := time.Now().Add(10 * time.Second)
	for client.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server on port %d did not answer", r.port)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill stops the process at once (SIGKILL): nothing is saved.
func (r *ownRedis) kill() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}

// restart kills the server and starts a new, empty one on the same port.
func (r *ownRedis) restart() {
	r.t.Helper()
	bin := r.cmd.Path
	r.kill()
	r.start(bin)
}

// newEnvOnOwnRedis is newEnv on Postgres and the test's own Redis.
func newEnvOnOwnRedis(t *testing.T) (*env, *ownRedis) {
	t.Helper()
	rs := startOwnRedis(t)
	e := newEnvWith(t, postgresBackend, envOptions{configure: func(c *app.Config) {
		c.RedisURL, c.RedisPrefix = rs.url(), "admit:"
	}})
	return e, rs
}

// adminCall sends one admin API request with a platform administrator's
// client_credentials token.
func (e *env) adminCall(method, path string) int {
	e.t.Helper()
	cid := "restart-admin-" + randomString()
	_, secret, err := e.app.Admin.CreateClient(context.Background(), admin.CLI(), storage.DefaultTenantID, admin.ClientSpec{
		ID: cid, Grants: []string{"client_credentials"}, Scopes: []string{adminapi.Scope}})
	if err != nil {
		e.t.Fatal(err)
	}
	cc := clientcredentials.Config{ClientID: cid, ClientSecret: secret, TokenURL: e.issuer + "/oauth/token", Scopes: []string{adminapi.Scope}}
	tok, err := cc.Token(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	req, _ := http.NewRequest(method, e.issuer+app.AdminPath+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestRevocationsSurviveRedisRestart: tokens revoked by refresh-token
// reuse, by signing a device out, by the admin's "sign out everywhere" and
// by disabling the user stay revoked at userinfo and introspection after
// Redis restarts with no data; a token never revoked keeps working.
func TestRevocationsSurviveRedisRestart(t *testing.T) {
	e, rs := newEnvOnOwnRedis(t)
	r := e.rp(app.DemoClientID, app.DemoClientSecret, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	signIn := func(email, pw string) (*oauth2.Token, *browser) {
		t.Helper()
		ar := r.start()
		br := e.browser()
		tok, err := r.exchange(br.login(ar, email, pw).Query().Get("code"), ar)
		if err != nil || tok.RefreshToken == "" {
			t.Fatalf("exchange for %s: %v", email, err)
		}
		return tok, br
	}
	revoked := map[string]string{} // reason → access token

	// Signing a device out from the account area (the only other session).
	lost, _ := signIn(app.DemoUserEmail, app.DemoUserPassword)
	kept, here := signIn(app.DemoUserEmail, app.DemoUserPassword)
	acct := here.get(e.issuer + "/account/devices")
	sid, _ := acct.doc.Find(`form[action="/account/sessions/revoke"] input[name="session"]`).Attr("value")
	if sid == "" {
		t.Fatalf("no other session listed on the account page: %s", acct.body)
	}
	here.post("/account/sessions/revoke", url.Values{"csrf_token": {acct.hidden("csrf_token")}, "session": {sid}})
	revoked["session revoke"] = lost.AccessToken

	// Refresh-token reuse revokes the family: both access tokens of the grant.
	first, _ := signIn(app.DemoUserEmail, app.DemoUserPassword)
	next, err := r.refresh(first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	// Past the reuse interval, so the replay is reuse, not a retry.
	e.clock.Advance(app.Defaults().Resilience.RefreshReuseInterval + time.Second)
	if _, err := r.refresh(first.RefreshToken); !isOAuthError(err, "invalid_grant") {
		t.Fatalf("replayed refresh token: %v, want invalid_grant", err)
	}
	revoked["refresh reuse (first access token)"] = first.AccessToken
	revoked["refresh reuse (rotated access token)"] = next.AccessToken

	// The admin's sign-out everywhere (one user) and disabling a user
	// (another; a disabled user's tokens are also refused by the live user
	// check, so this one alone would not show the deny-list).
	newUser := func(email string) (storage.User, string) {
		t.Helper()
		u, err := e.app.Admin.CreateUser(context.Background(), admin.CLI(), storage.DefaultTenantID,
			admin.NewUser{Email: email, Password: "restart-password-1", EmailVerified: true, SkipPolicy: true})
		if err != nil {
			t.Fatal(err)
		}
		return u, "/tenants/" + storage.DefaultTenantID + "/users/" + u.ID
	}
	ua, pathA := newUser("everywhere@example.com")
	everywhere, _ := signIn(ua.Email, "restart-password-1")
	if st := e.adminCall(http.MethodPost, pathA+"/sessions/revoke"); st != http.StatusOK {
		t.Fatalf("admin sessions/revoke: %d", st)
	}
	revoked["admin sign-out everywhere"] = everywhere.AccessToken
	ub, pathB := newUser("disabled@example.com")
	disabled, _ := signIn(ub.Email, "restart-password-1")
	if st := e.adminCall(http.MethodPost, pathB+"/disable"); st != http.StatusOK {
		t.Fatalf("admin disable: %d", st)
	}
	revoked["admin disable"] = disabled.AccessToken

	check := func(when string) {
		t.Helper()
		for why, at := range revoked {
			if st, _ := e.userinfo(at); st != http.StatusUnauthorized {
				t.Errorf("%s: userinfo with a token revoked by %s: %d, want 401", when, why, st)
			}
			if got := r.introspect(at); got["active"] != false {
				t.Errorf("%s: introspection of a token revoked by %s: %v, want active:false", when, why, got)
			}
		}
		if st, _ := e.userinfo(kept.AccessToken); st != http.StatusOK {
			t.Errorf("%s: userinfo with a token never revoked: %d, want 200", when, st)
		}
		if got := r.introspect(kept.AccessToken); got["active"] != true {
			t.Errorf("%s: introspection of a token never revoked: %v, want active:true", when, got)
		}
	}
	check("before the restart")
	rs.restart()
	check("after a Redis restart")
	rs.restart()
	check("after a second Redis restart")
}

// TestLockoutSurvivesRedisRestart: a locked account stays locked when Redis
// restarts; the admin's unlock lifts the durable lock too, so a restart
// after it does not bring the lock back.
func TestLockoutSurvivesRedisRestart(t *testing.T) {
	e, rs := newEnvOnOwnRedis(t)
	e.app.Defences.Policy.RateLimits = false // rate limits are not the subject (and are lost with Redis by design)
	e.app.Defences.Policy.IPMax = 20         // every request comes from 127.0.0.1
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	br := e.browser()
	p := br.get(r.start().url)
	for range 5 {
		p = br.submitLogin(p, app.DemoUserEmail, "wrong-password")
	}
	assertLockPage(t, p, app.DemoUserEmail)

	rs.restart()
	ar := r.start()
	p = br.submitLogin(br.get(ar.url), app.DemoUserEmail, app.DemoUserPassword)
	assertLockPage(t, p, app.DemoUserEmail)

	u := e.demoUser()
	if st := e.adminCall(http.MethodPost, fmt.Sprintf("/tenants/%s/users/%s/unlock", storage.DefaultTenantID, u.ID)); st != http.StatusOK && st != http.StatusNoContent {
		t.Fatalf("admin unlock: %d", st)
	}
	rs.restart()
	ar = r.start()
	br.callback(br.consent(br.submitLogin(br.get(ar.url), app.DemoUserEmail, app.DemoUserPassword), "allow"), ar)
}

// TestLostSignInStartsAgainForTheSameApplication: Redis restarts while the
// login page is open, so the flow and the authorization request are gone.
// The password POST (and reloading the login page) answer a page whose
// "Start again" leads to the login page of the same client, and finishing
// it gives the client a code for its original request (state, PKCE). A
// browser that never showed that login page gets the plain advice.
func TestLostSignInStartsAgainForTheSameApplication(t *testing.T) {
	e, rs := newEnvOnOwnRedis(t)
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	ar := r.start()
	br := e.browser()
	login := br.get(ar.url)
	if login.testid("login-form").Length() == 0 {
		t.Fatalf("no login page: %d %s", login.status, login.body)
	}
	loginURL := login.url.String()

	rs.restart()
	lost := br.submitLogin(login, app.DemoUserEmail, app.DemoUserPassword)
	if lost.status != http.StatusBadRequest || lost.testid("start-again").Length() != 1 {
		t.Fatalf("password POST into a lost flow: status %d, no Start again: %s", lost.status, lost.body)
	}
	if msg := lost.testid("error-message").Text(); !strings.Contains(msg, clientDisplayName(t, e)) {
		t.Fatalf("the page does not name the application: %q", msg)
	}
	if reload := br.get(loginURL); reload.testid("start-again").Length() != 1 {
		t.Fatalf("reloading the lost login page: status %d, no Start again", reload.status)
	}

	again := br.get(e.abs(lost.href(t, "start-again")))
	if again.testid("login-form").Length() == 0 || !strings.Contains(again.body, clientDisplayName(t, e)) {
		t.Fatalf("Start again did not lead to the client's login page: %d %s", again.status, again.body)
	}
	cb := br.callback(br.consent(br.submitLogin(again, app.DemoUserEmail, app.DemoUserPassword), "allow"), ar)
	tok, err := r.exchange(cb.Query().Get("code"), ar)
	if err != nil {
		t.Fatalf("the client could not redeem the code of the restarted sign-in with its original verifier: %v", err)
	}
	if _, err := r.verifier.Verify(context.Background(), tok.Extra("id_token").(string)); err != nil {
		t.Fatalf("id token: %v", err)
	}

	// Another browser that never showed this login page knows nothing to
	// start again: the plain advice, no link.
	stranger := e.browser().get(loginURL)
	if stranger.status != http.StatusBadRequest || stranger.testid("start-again").Length() != 0 ||
		!strings.Contains(stranger.testid("error-message").Text(), "Go back to the application") {
		t.Fatalf("a browser without the sign-in: status %d: %s", stranger.status, stranger.body)
	}
}

// clientDisplayName is the demo client's name as the login page shows it.
func clientDisplayName(t *testing.T, e *env) string {
	t.Helper()
	c, err := e.app.Stores.Durable.GetClient(context.Background(), app.DemoClientID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "" {
		return c.Name
	}
	return c.ID
}

// TestLostAccountSignInStartsAgain: the same for a sign-in to Admit's own
// account area, which has no client: "Start again" leads back to it.
func TestLostAccountSignInStartsAgain(t *testing.T) {
	e, rs := newEnvOnOwnRedis(t)
	br := e.browser()
	login := br.get(e.abs("/account"))
	rs.restart()
	lost := br.submitLogin(login, app.DemoUserEmail, app.DemoUserPassword)
	if lost.status != http.StatusBadRequest || lost.href(t, "start-again") != "/account" {
		t.Fatalf("lost account sign-in: status %d: %s", lost.status, lost.body)
	}
	if p := br.submitLogin(br.get(e.abs(lost.href(t, "start-again"))), app.DemoUserEmail, app.DemoUserPassword); p.url.Path != "/account" || p.testid("account-user").Length() == 0 {
		t.Fatalf("signing in after Start again: %s %d", p.url, p.status)
	}
}

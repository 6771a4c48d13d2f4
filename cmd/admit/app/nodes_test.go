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

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/storage"
)

// secondNode starts another Admit on a's Postgres, Redis and issuer: two
// nodes behind one load balancer. Each caches users and clients in its own
// memory (op's row cache).
func secondNode(t *testing.T, a *env) *env {
	t.Helper()
	return newEnvWith(t, postgresBackend, envOptions{configure: func(c *app.Config) {
		c.Issuer = a.app.Config.Issuer
		c.DatabaseURL, c.RedisURL, c.RedisPrefix = a.app.Config.DatabaseURL, a.app.Config.RedisURL, a.app.Config.RedisPrefix
		c.MasterKey = a.app.Config.MasterKey
	}})
}

// nodeCall sends one request to a node's handler in process.
func nodeCall(e *env, method, path, body, bearer string) (int, map[string]any) {
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, path, nil)
	} else {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	} else {
		req.SetBasicAuth(app.DemoClientID, app.DemoClientSecret)
	}
	rec := httptest.NewRecorder()
	e.app.Handler().ServeHTTP(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

// userinfoOn and activeOn ask node e about the access token at.
func userinfoOn(e *env, at string) (int, map[string]any) {
	return nodeCall(e, http.MethodGet, "/userinfo", "", at)
}

func activeOn(e *env, at string) bool {
	_, out := nodeCall(e, http.MethodPost, "/oauth/introspect", "token="+url.QueryEscape(at), "")
	return out["active"] == true
}

// A change made through one node is in force on every node at once, though
// each node caches users and clients: disabling the user, revoking a role
// grant, suspending the tenant and revoking the grant (the refresh token)
// through node A are refused by node B on its very next request, which had
// just answered from its cache.
func TestChangesThroughOneNodeHoldOnEveryNodeAtOnce(t *testing.T) {
	a := newEnv(t, postgresBackend)
	b := secondNode(t, a)
	u, err := a.app.Stores.Durable.GetUserByEmail(t.Context(), storage.DefaultTenantID, app.DemoUserEmail)
	if err != nil {
		t.Fatal(err)
	}
	grantRole(t, a, storage.DefaultTenantID, u.ID, "admin", "")
	r := a.rp(app.DemoClientID, app.DemoClientSecret, oidc.ScopeOpenID, "email", oidc.ScopeOfflineAccess)
	code, ar, _ := codeFor(t, a, r)
	tok, err := r.exchange(code, ar)
	if err != nil {
		t.Fatal(err)
	}
	at := tok.AccessToken
	// B answers (and caches the user and the client) twice.
	for range 2 {
		if status, out := userinfoOn(b, at); status != http.StatusOK || out["email"] != app.DemoUserEmail {
			t.Fatalf("node B userinfo: %d %v", status, out)
		}
		if !activeOn(b, at) {
			t.Fatal("node B: token not active")
		}
	}
	ctx := context.Background()

	// Disabled through A: B refuses at once; enabled again: B answers.
	if err := a.app.Stores.Durable.SetUserDisabled(ctx, storage.DefaultTenantID, u.ID, true, a.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if status, out := userinfoOn(b, at); status == http.StatusOK {
		t.Fatalf("node B userinfo for a user disabled through node A: %d %v", status, out)
	}
	if activeOn(b, at) {
		t.Fatal("node B introspection: token of a user disabled through node A is active")
	}
	if err := a.app.Stores.Durable.SetUserDisabled(ctx, storage.DefaultTenantID, u.ID, false, a.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if status, out := userinfoOn(b, at); status != http.StatusOK {
		t.Fatalf("node B userinfo after the user was enabled again: %d %v", status, out)
	}

	// A role grant revoked through A is gone from B's userinfo at once.
	if _, out := userinfoOn(b, at); !hasRole(out, "admin") {
		t.Fatalf("node B userinfo roles before the revocation: %v", out["roles"])
	}
	if _, err := a.app.Stores.Durable.RevokeRoleGrants(ctx, storage.GrantFilter{TenantID: storage.DefaultTenantID, UserID: u.ID}, "test", a.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, out := userinfoOn(b, at); hasRole(out, "admin") {
		t.Fatalf("node B userinfo still has a role revoked through node A: %v", out["roles"])
	}

	// The tenant suspended through A: B refuses at once.
	a.setTenantStatus(storage.DefaultTenantID, storage.TenantSuspended)
	if status, _ := userinfoOn(b, at); status == http.StatusOK {
		t.Fatal("node B userinfo for a user of a tenant suspended through node A")
	}
	a.setTenantStatus(storage.DefaultTenantID, storage.TenantActive)
	if status, out := userinfoOn(b, at); status != http.StatusOK {
		t.Fatalf("node B userinfo after the tenant was reactivated: %d %v", status, out)
	}

	// The grant revoked through A (RFC 7009, the refresh token): B refuses
	// the grant's access token at once.
	if got := r.revoke(tok.RefreshToken); got != http.StatusOK {
		t.Fatalf("revoke on node A: %d", got)
	}
	if status, _ := userinfoOn(b, at); status == http.StatusOK {
		t.Fatal("node B userinfo for an access token whose grant node A revoked")
	}
	if activeOn(b, at) {
		t.Fatal("node B introspection: access token of a grant revoked through node A is active")
	}
}

// A client removed, or its tenant suspended, through one node can no longer
// get tokens at another that had it cached.
func TestClientRemovedThroughOneNodeIsUnknownOnEveryNode(t *testing.T) {
	a := newEnv(t, postgresBackend)
	b := secondNode(t, a)
	// Three lookups: the second caches the client with its tenant's stamp.
	for range 3 {
		if status, _ := nodeCall(b, http.MethodPost, "/oauth/token", "grant_type=client_credentials", ""); status != http.StatusOK {
			t.Fatalf("node B client_credentials: %d", status)
		}
	}
	a.setTenantStatus(storage.DefaultTenantID, storage.TenantSuspended)
	if status, out := nodeCall(b, http.MethodPost, "/oauth/token", "grant_type=client_credentials", ""); status == http.StatusOK {
		t.Fatalf("node B client_credentials for a client whose tenant node A suspended: %d %v", status, out)
	}
	a.setTenantStatus(storage.DefaultTenantID, storage.TenantActive)
	if status, _ := nodeCall(b, http.MethodPost, "/oauth/token", "grant_type=client_credentials", ""); status != http.StatusOK {
		t.Fatalf("node B client_credentials after the tenant was reactivated: %d", status)
	}
	if err := a.app.Stores.Durable.DeleteClient(context.Background(), app.DemoClientID); err != nil {
		t.Fatal(err)
	}
	if status, out := nodeCall(b, http.MethodPost, "/oauth/token", "grant_type=client_credentials", ""); status != http.StatusUnauthorized || out["error"] != "invalid_client" {
		t.Fatalf("node B client_credentials for a client removed through node A: %d %v", status, out)
	}
}

func hasRole(userinfo map[string]any, role string) bool {
	roles, _ := userinfo["roles"].([]any)
	return slices.Contains(roles, any(role))
}

// The verified-token cache vouches only for what never changes: a token it
// holds whose signing key is no longer published is refused, as a token
// seen the first time would be. (key_grace below its 1 h minimum, so that
// the key goes before the token expires.)
func TestCachedTokenOfAPrunedKeyIsRefused(t *testing.T) {
	e := newEnvWith(t, memoryBackend, envOptions{configure: func(c *app.Config) { c.KeyGrace = time.Minute }})
	at := userTokenT(t, e)
	for range 2 {
		if status, out := userinfoOn(e, at); status != http.StatusOK {
			t.Fatalf("userinfo: %d %v", status, out)
		}
	}
	ctx := context.Background()
	for range 2 {
		if err := e.app.Keys.Rotate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Advance(2 * time.Minute)
	if err := e.app.Keys.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if status, out := userinfoOn(e, at); status == http.StatusOK {
		t.Fatalf("userinfo with a cached token whose key was pruned: %d %v", status, out)
	}
	if activeOn(e, at) {
		t.Fatal("introspection: a cached token whose key was pruned is active")
	}
}

func userTokenT(t *testing.T, e *env) string {
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	code, ar, _ := codeFor(t, e, r)
	tok, err := r.exchange(code, ar)
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

// A grant reads its user through the node's row cache (op.primeGrantUser),
// so a refresh on node B after the user was disabled, or the tenant
// suspended, through node A must still be refused at once, though B had
// just answered the same grant from its cache.
func TestRefreshOnAnotherNodeSeesUserChangesAtOnce(t *testing.T) {
	a := newEnv(t, postgresBackend)
	b := secondNode(t, a)
	u, err := a.app.Stores.Durable.GetUserByEmail(t.Context(), storage.DefaultTenantID, app.DemoUserEmail)
	if err != nil {
		t.Fatal(err)
	}
	r := a.rp(app.DemoClientID, app.DemoClientSecret, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	code, ar, _ := codeFor(t, a, r)
	tok, err := r.exchange(code, ar)
	if err != nil {
		t.Fatal(err)
	}
	rt := tok.RefreshToken
	refreshOnB := func() exchangeResult {
		t.Helper()
		res := postTokenAt(t, b, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, app.DemoClientID, app.DemoClientSecret)
		if next, _ := res.body["refresh_token"].(string); next != "" {
			rt = next
		}
		return res
	}
	// B answers (and caches the user) twice.
	for range 2 {
		if res := refreshOnB(); res.status != http.StatusOK {
			t.Fatalf("refresh on node B: %d %v", res.status, res.body)
		}
	}
	ctx := context.Background()
	if err := a.app.Stores.Durable.SetUserDisabled(ctx, storage.DefaultTenantID, u.ID, true, a.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if res := refreshOnB(); res.status == http.StatusOK || res.body["error"] != "invalid_grant" {
		t.Fatalf("refresh on node B for a user disabled through node A: %d %v", res.status, res.body)
	}
	if err := a.app.Stores.Durable.SetUserDisabled(ctx, storage.DefaultTenantID, u.ID, false, a.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if res := refreshOnB(); res.status != http.StatusOK {
		t.Fatalf("refresh on node B after the user was enabled again: %d %v", res.status, res.body)
	}
	a.setTenantStatus(storage.DefaultTenantID, storage.TenantSuspended)
	if res := refreshOnB(); res.status == http.StatusOK {
		t.Fatalf("refresh on node B for a user of a tenant suspended through node A: %v", res.body)
	}
}

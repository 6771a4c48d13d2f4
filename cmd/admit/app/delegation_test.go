package app_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/storage/admin"
)

// TestTokenExchangeDelegation: a backend (gateway) exchanges the user's
// access token it received for one addressed to another API with narrower
// scopes and an act claim naming it (RFC 8693 4.1); the limits of the
// delegation are refused with the spec's errors.
func TestTokenExchangeDelegation(t *testing.T) {
	e := newEnv(t, memoryBackend)
	ctx := context.Background()
	add := func(s app.ClientSpec) string {
		secret, err := e.app.AddClient(ctx, s)
		if err != nil {
			t.Fatalf("add %s: %v", s.ID, err)
		}
		return secret
	}
	apiSecret := add(app.ClientSpec{ID: "orders-api", Name: "Orders API", Grants: []string{"client_credentials"}})
	gwSecret := add(app.ClientSpec{ID: "gateway", Name: "Gateway", RedirectURIs: []string{rpCallback}, FirstParty: true,
		Grants: []string{"authorization_code", admin.GrantTokenExchange}, Scopes: []string{"openid", "profile", "email"},
		AllowedResources: []string{"orders-api"}})
	rp := e.rp("gateway", gwSecret)
	ar := rp.start()
	tok, err := rp.exchange(e.browser().login(ar, "demo@example.com", "demo-password-1").Query().Get("code"), ar)
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	exchange := func(clientID, secret, subject string, extra url.Values) exchangeResult {
		form := url.Values{"grant_type": {admin.GrantTokenExchange}, "subject_token": {subject},
			"subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"}}
		for k, v := range extra {
			form[k] = v
		}
		return postToken(t, e, form, clientID, secret)
	}
	res := exchange("gateway", gwSecret, tok.AccessToken, url.Values{"audience": {"orders-api"}, "scope": {"openid email"}})
	if res.status != http.StatusOK || res.body["issued_token_type"] != "urn:ietf:params:oauth:token-type:access_token" || res.body["refresh_token"] != nil {
		t.Fatalf("delegation: %d %v", res.status, res.body)
	}
	claims := e.accessClaims(t, res.body["access_token"].(string))
	act, _ := claims["act"].(map[string]any)
	aud, _ := claims["aud"].([]any)
	if claims["sub"] != demoUserID(t, e) || act["sub"] != "gateway" || len(aud) != 1 || aud[0] != "orders-api" || claims["scope"] != "openid email" {
		t.Fatalf("delegated token claims: %v", claims)
	}
	// The API introspects the token and sees who acts (RFC 8693 4.1).
	in := postTokenAt(t, e, "/oauth/introspect", url.Values{"token": {res.body["access_token"].(string)}}, "orders-api", apiSecret)
	if inAct, _ := in.body["act"].(map[string]any); in.body["active"] != true || inAct["sub"] != "gateway" {
		t.Fatalf("introspection of the delegated token: %v", in.body)
	}
	for _, c := range []struct {
		name, client, secret, subject string
		extra                         url.Values
		code                          string
	}{
		{"wider scope", "gateway", gwSecret, tok.AccessToken, url.Values{"audience": {"orders-api"}, "scope": {"openid wallet"}}, "invalid_scope"},
		{"unknown audience", "gateway", gwSecret, tok.AccessToken, url.Values{"audience": {"nowhere-api"}}, "invalid_target"},
		// A client of the tenant, but not in the gateway's allowed_resources.
		{"audience not allowed", "gateway", gwSecret, tok.AccessToken, url.Values{"audience": {"demo-app"}}, "invalid_target"},
		{"no audience", "gateway", gwSecret, tok.AccessToken, nil, "invalid_target"},
		{"client not allowed", "demo-app", "demo-secret", tok.AccessToken, url.Values{"audience": {"orders-api"}}, "unauthorized_client"},
		{"wrong secret", "gateway", "nope", tok.AccessToken, url.Values{"audience": {"orders-api"}}, "invalid_client"},
		{"garbage token", "gateway", gwSecret, "not-a-token", url.Values{"audience": {"orders-api"}}, "invalid_request"},
		{"refresh token asked", "gateway", gwSecret, tok.AccessToken, url.Values{"audience": {"orders-api"}, "requested_token_type": {"urn:ietf:params:oauth:token-type:refresh_token"}}, "invalid_request"},
	} {
		res := exchange(c.client, c.secret, c.subject, c.extra)
		if res.errorCode() != c.code || res.status >= 500 {
			t.Errorf("%s: %d %v, want %s", c.name, res.status, res.body, c.code)
		}
	}
	// A token issued to another client, and not addressed to the gateway,
	// cannot be exchanged by it.
	demo := e.rp("demo-app", "demo-secret")
	ar = demo.start()
	other, err := demo.exchange(e.browser().login(ar, "demo@example.com", "demo-password-1").Query().Get("code"), ar)
	if err != nil {
		t.Fatalf("demo-app code exchange: %v", err)
	}
	res = exchange("gateway", gwSecret, other.AccessToken, url.Values{"audience": {"orders-api"}})
	if res.errorCode() != "invalid_grant" {
		t.Fatalf("exchange of demo-app's token by the gateway: %d %v, want invalid_grant", res.status, res.body)
	}
}

// TestDelegationFollowsSubjectGrant: a delegated token stays in the
// subject token's grant and ends with it: it expires no later than the
// subject token, and revoking the grant (the refresh token, RFC 7009)
// makes the API's introspection report it inactive, as it does the token
// exchanged from it again.
func TestDelegationFollowsSubjectGrant(t *testing.T) {
	e := newEnv(t, memoryBackend)
	ctx := context.Background()
	if _, err := e.app.AddClient(ctx, app.ClientSpec{ID: "billing-api", Name: "Billing API", Grants: []string{"client_credentials"}}); err != nil {
		t.Fatal(err)
	}
	apiSecret, err := e.app.AddClient(ctx, app.ClientSpec{ID: "orders-api", Name: "Orders API", RedirectURIs: []string{rpCallback},
		Grants: []string{"client_credentials", admin.GrantTokenExchange}, Scopes: []string{"openid", "email"},
		AllowedResources: []string{"billing-api"}})
	if err != nil {
		t.Fatal(err)
	}
	gwSecret, err := e.app.AddClient(ctx, app.ClientSpec{ID: "gateway", Name: "Gateway", RedirectURIs: []string{rpCallback}, FirstParty: true,
		Grants: []string{"authorization_code", "refresh_token", admin.GrantTokenExchange}, Scopes: []string{"openid", "email", "offline_access"},
		AllowedResources: []string{"orders-api"}})
	if err != nil {
		t.Fatal(err)
	}
	rp := e.rp("gateway", gwSecret, "openid", "email", "offline_access")
	ar := rp.start()
	tok, err := rp.exchange(e.browser().login(ar, "demo@example.com", "demo-password-1").Query().Get("code"), ar)
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("code exchange: %v (refresh token %q)", err, tok.RefreshToken)
	}
	subject := e.accessClaims(t, tok.AccessToken)
	exchange := func(clientID, secret, token, audience string) string {
		t.Helper()
		res := postToken(t, e, url.Values{"grant_type": {admin.GrantTokenExchange}, "subject_token": {token},
			"subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"}, "audience": {audience}}, clientID, secret)
		if res.status != http.StatusOK {
			t.Fatalf("delegation by %s: %d %v", clientID, res.status, res.body)
		}
		return res.body["access_token"].(string)
	}
	// Later in the subject token's life: a fresh lifetime would outlive it.
	e.clock.Advance(10 * time.Minute)
	delegated := exchange("gateway", gwSecret, tok.AccessToken, "orders-api")
	again := exchange("orders-api", apiSecret, delegated, "billing-api")
	for name, raw := range map[string]string{"delegated": delegated, "re-exchanged": again} {
		c := e.accessClaims(t, raw)
		if c["gid"] != subject["gid"] || c["exp"].(float64) > subject["exp"].(float64) {
			t.Errorf("%s token: gid %v exp %v, subject gid %v exp %v", name, c["gid"], c["exp"], subject["gid"], subject["exp"])
		}
	}
	active := func(token string) any {
		return postTokenAt(t, e, "/oauth/introspect", url.Values{"token": {token}}, "orders-api", apiSecret).body["active"]
	}
	if active(delegated) != true {
		t.Fatal("the delegated token is inactive before any revocation")
	}
	if res := postTokenAt(t, e, "/revoke", url.Values{"token": {tok.RefreshToken}, "token_type_hint": {"refresh_token"}}, "gateway", gwSecret); res.status != http.StatusOK {
		t.Fatalf("revoke: %d %v", res.status, res.body)
	}
	if active(tok.AccessToken) != false || active(delegated) != false || active(again) != false {
		t.Fatalf("after revoking the grant: subject %v, delegated %v, re-exchanged %v; want all inactive", active(tok.AccessToken), active(delegated), active(again))
	}
	if status, _ := e.userinfo(delegated); status == http.StatusOK {
		t.Fatal("userinfo accepts the delegated token of a revoked grant")
	}
}

package app_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

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
	gwSecret := add(app.ClientSpec{ID: "gateway", Name: "Gateway", RedirectURIs: []string{rpCallback}, FirstParty: true,
		Grants: []string{"authorization_code", admin.GrantTokenExchange}, Scopes: []string{"openid", "profile", "email"}})
	apiSecret := add(app.ClientSpec{ID: "orders-api", Name: "Orders API", Grants: []string{"client_credentials"}})
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

package app_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/op"
	"github.com/admit-idp/admit/storage"
)

// addSecretClient registers a confidential client_credentials client with
// the given token_endpoint_auth_method and secret.
func addSecretClient(t *testing.T, e *env, id, method, secret string) {
	t.Helper()
	c := storage.Client{ID: id, TenantID: storage.DefaultTenantID, Name: id, SecretHash: op.HashSecret(secret), AuthMethod: method,
		RedirectURIs: app.DemoRedirectURIs, GrantTypes: []string{"client_credentials"}, Scopes: []string{"tickets:read"}, CreatedAt: e.clock.Now()}
	if err := e.app.Stores.Durable.CreateClient(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}

// clientRequest posts form to path, authenticating the client with style.
func clientRequest(t *testing.T, e *env, path string, form url.Values, id, secret string, style oauth2.AuthStyle) *http.Response {
	t.Helper()
	form = cloneValues(form)
	if style == oauth2.AuthStyleInParams {
		form.Set("client_id", id)
		form.Set("client_secret", secret)
	}
	req, _ := http.NewRequest(http.MethodPost, e.issuer+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if style == oauth2.AuthStyleInHeader {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	return mustDo(t, req)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// clientAuthEndpoints are the endpoints where clients authenticate, with a
// request each that succeeds for a correctly authenticated client.
var clientAuthEndpoints = map[string]url.Values{
	"/oauth/token":      {"grant_type": {"client_credentials"}},
	"/revoke":           {"token": {"unknown-token"}},
	"/oauth/introspect": {"token": {"unknown-token"}},
}

// TestClientAuthFailureIsABasicChallenge: a failed client authentication at
// the token, revocation and introspection endpoints is 401 invalid_client
// with WWW-Authenticate: Basic (RFC 6749 §5.2), seen from x/oauth2 at the
// token endpoint and from raw HTTP at all three.
func TestClientAuthFailureIsABasicChallenge(t *testing.T) {
	e := newEnv(t, memoryBackend)
	cc := clientcredentials.Config{ClientID: app.DemoClientID, ClientSecret: "wrong", TokenURL: e.issuer + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
	_, err := cc.Token(context.Background())
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response.StatusCode != http.StatusUnauthorized || re.ErrorCode != "invalid_client" ||
		!strings.HasPrefix(re.Response.Header.Get("WWW-Authenticate"), `Basic realm="`) {
		t.Fatalf("x/oauth2 with a wrong secret: %v", err)
	}
	for path, form := range clientAuthEndpoints {
		for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
			resp := clientRequest(t, e, path, form, app.DemoClientID, "wrong", style)
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), `Basic realm="`) || oauthError(t, resp) != "invalid_client" {
				t.Errorf("%s (auth style %d): status %d, WWW-Authenticate %q", path, style, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
		}
	}
}

// TestRegisteredAuthMethodIsEnforced: a client is held to its registered
// token_endpoint_auth_method at the token, revocation and introspection
// endpoints: a client_secret_basic client cannot send its secret in the form,
// a client_secret_post client cannot use Basic, and a private_key_jwt client
// cannot use a secret at all (even one stored for it). Both at once is
// invalid_request (RFC 6749 §2.3).
func TestRegisteredAuthMethodIsEnforced(t *testing.T) {
	e := newEnv(t, memoryBackend)
	addSecretClient(t, e, "basic-client", storage.AuthMethodBasic, "basic-secret")
	addSecretClient(t, e, "post-client", storage.AuthMethodPost, "post-secret")
	addSecretClient(t, e, "jwt-client", storage.AuthMethodPrivateKeyJWT, "jwt-secret")
	cases := []struct {
		id, secret string
		style      oauth2.AuthStyle
		ok         bool
	}{
		{"basic-client", "basic-secret", oauth2.AuthStyleInHeader, true},
		{"basic-client", "basic-secret", oauth2.AuthStyleInParams, false},
		{"post-client", "post-secret", oauth2.AuthStyleInParams, true},
		{"post-client", "post-secret", oauth2.AuthStyleInHeader, false},
		{"jwt-client", "jwt-secret", oauth2.AuthStyleInHeader, false},
		{"jwt-client", "jwt-secret", oauth2.AuthStyleInParams, false},
	}
	for path, form := range clientAuthEndpoints {
		for _, c := range cases {
			resp := clientRequest(t, e, path, form, c.id, c.secret, c.style)
			if c.ok && resp.StatusCode != http.StatusOK {
				t.Errorf("%s: %s with auth style %d: status %d, want 200", path, c.id, c.style, resp.StatusCode)
			}
			if !c.ok && (resp.StatusCode != http.StatusUnauthorized || oauthError(t, resp) != "invalid_client") {
				t.Errorf("%s: %s with auth style %d: status %d, want 401 invalid_client", path, c.id, c.style, resp.StatusCode)
			}
		}
		// x/oauth2's real client, at the token endpoint.
		if path == "/oauth/token" {
			cc := clientcredentials.Config{ClientID: "basic-client", ClientSecret: "basic-secret", TokenURL: e.issuer + path, AuthStyle: oauth2.AuthStyleInParams}
			if _, err := cc.Token(context.Background()); !isOAuthError(err, "invalid_client") {
				t.Errorf("x/oauth2 client_secret_post for a Basic client: %v", err)
			}
			cc.AuthStyle = oauth2.AuthStyleInHeader
			if _, err := cc.Token(context.Background()); err != nil {
				t.Errorf("x/oauth2 client_secret_basic for a Basic client: %v", err)
			}
		}
		both := cloneValues(form)
		both.Set("client_secret", "basic-secret")
		if resp := clientRequest(t, e, path, both, "basic-client", "basic-secret", oauth2.AuthStyleInHeader); resp.StatusCode != http.StatusBadRequest || oauthError(t, resp) != "invalid_request" {
			t.Errorf("%s: Basic and client_secret together: status %d, want 400 invalid_request", path, resp.StatusCode)
		}
	}
}

// TestClientCredentialsUserScopeNeedsAUser: a client registered for openid
// (demo-app is) asking client_credentials for a user scope is told that
// the scope needs a user, not that the client may not have it.
func TestClientCredentialsUserScopeNeedsAUser(t *testing.T) {
	e := newEnv(t, memoryBackend)
	for _, scope := range []string{"openid", "profile", "email", "offline_access"} {
		cc := clientcredentials.Config{ClientID: app.DemoClientID, ClientSecret: app.DemoClientSecret, TokenURL: e.issuer + "/oauth/token",
			AuthStyle: oauth2.AuthStyleInHeader, Scopes: []string{scope}}
		_, err := cc.Token(context.Background())
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.ErrorCode != "invalid_scope" || !strings.Contains(re.ErrorDescription, "needs a user") {
			t.Errorf("scope %s: %v", scope, err)
		}
	}
}

package social

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// fakeIssuer is an OpenID provider whose token endpoint answers an id
// token built by the test: discovery, JWKS and token endpoint over HTTP.
type fakeIssuer struct {
	srv     *httptest.Server
	key     *ecdsa.PrivateKey
	idToken func(iss string) string
}

func newFakeIssuer(t *testing.T) *fakeIssuer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeIssuer{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": f.srv.URL, "authorization_endpoint": f.srv.URL + "/authorize", "token_endpoint": f.srv.URL + "/token",
			"jwks_uri": f.srv.URL + "/jwks", "id_token_signing_alg_values_supported": []string{"ES256"},
		})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "id_token": f.idToken(f.srv.URL)})
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// sign makes a compact JWS of claims with key (kid k1).
func sign(t *testing.T, key *ecdsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", "k1").WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestOIDCUpstreamRejectsBadIDTokens: the id token of a generic OIDC (or
// Google/Apple) provider is accepted only when signed by the provider's
// key, issued by it, for this client, unexpired, and carrying this login's
// nonce. Each other case is errRejected, and no profile comes back.
func TestOIDCUpstreamRejectsBadIDTokens(t *testing.T) {
	f := newFakeIssuer(t)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	const clientID, nonce = "admit-client", "the-nonce"
	good := func(iss string) map[string]any {
		now := time.Now()
		return map[string]any{"iss": iss, "sub": "u-1", "aud": clientID, "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
			"nonce": nonce, "email": "ada@example.com", "email_verified": true}
	}
	cases := []struct {
		name   string
		change func(c map[string]any)
		key    *ecdsa.PrivateKey
		ok     bool
	}{
		{name: "valid", ok: true},
		{name: "signed by another key", key: other},
		{name: "another audience", change: func(c map[string]any) { c["aud"] = "someone-else" }},
		{name: "another issuer", change: func(c map[string]any) { c["iss"] = "https://evil.example" }},
		{name: "expired", change: func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }},
		{name: "another login's nonce", change: func(c map[string]any) { c["nonce"] = "replayed-nonce" }},
		{name: "no nonce", change: func(c map[string]any) { delete(c, "nonce") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.idToken = func(iss string) string {
				c := good(iss)
				if tc.change != nil {
					tc.change(c)
				}
				key := f.key
				if tc.key != nil {
					key = tc.key
				}
				return sign(t, key, c)
			}
			u := newOIDC(ProviderConfig{ID: "fake", Issuer: f.srv.URL, ClientID: clientID, ClientSecret: "s"}, "https://admit.example/cb", http.DefaultClient)
			prof, err := u.exchange(context.Background(), callback{Code: "code"}, secrets{Verifier: "v", NonceHash: hashValue(nonce)})
			switch {
			case tc.ok && (err != nil || prof.Subject != "u-1" || !prof.EmailVerified):
				t.Fatalf("valid id token: %+v, %v", prof, err)
			case !tc.ok && !errors.Is(err, errRejected):
				t.Fatalf("want errRejected, got profile %+v, error %v", prof, err)
			}
		})
	}
}

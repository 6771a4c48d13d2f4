package app_test

import (
	"crypto"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/cmd/admit/browsertest"
)

// TestBrowserDPoPPAR runs oauth4webapi (a certified OAuth client library)
// as a public client against Admit: PAR with a DPoP proof, the hosted
// login in headless Chromium, the DPoP code exchange (with the server's
// nonce), DPoP userinfo and a DPoP refresh; then the same token as Bearer,
// which Admit refuses (RFC 9449 §7.2).
func TestBrowserDPoPPAR(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnv(t, b)
			shots := t.ArtifactDir()
			results := browsertest.Run(t, "scripts/dpoppar.mjs", map[string]string{
				"ISSUER": e.issuer, "CLIENT_ID": app.DemoSPAID, "REDIRECT_URI": rpCallback,
				"EMAIL": app.DemoUserEmail, "PASSWORD": app.DemoUserPassword, "SCREENSHOT_DIR": shots,
			})
			if len(results) != 1 {
				t.Fatalf("got %d results, want 1", len(results))
			}
			var res struct {
				RequestURI, TokenType, Cnf, Sub, UserinfoSub, RefreshTokenType, RefreshCnf, BearerChallenge string
				ExpiresIn, BearerStatus                                                                     int
				RefreshRotated                                                                              bool
				JWK                                                                                         json.RawMessage
			}
			if err := json.Unmarshal(results[0], &res); err != nil {
				t.Fatal(err)
			}
			var key jose.JSONWebKey
			if err := key.UnmarshalJSON(res.JWK); err != nil {
				t.Fatalf("jwk %s: %v", res.JWK, err)
			}
			tp, err := key.Thumbprint(crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			jkt := base64.RawURLEncoding.EncodeToString(tp)
			if !strings.HasPrefix(res.RequestURI, "urn:ietf:params:oauth:request_uri:") || res.ExpiresIn != 60 ||
				!strings.EqualFold(res.TokenType, "DPoP") || res.Cnf != jkt || res.Sub == "" || res.UserinfoSub != res.Sub ||
				!strings.EqualFold(res.RefreshTokenType, "DPoP") || res.RefreshCnf != jkt || !res.RefreshRotated ||
				res.BearerStatus != http.StatusUnauthorized || !strings.Contains(res.BearerChallenge, "invalid_token") {
				t.Fatalf("result = %+v (jkt %s)", res, jkt)
			}
			checkPNG(t, filepath.Join(shots, "par-login.png"))
		})
	}
}

package social

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"
)

// appleSecretLifetime: each token request gets a fresh client secret, so it
// only needs to outlive the request (Apple accepts up to six months).
const appleSecretLifetime = 5 * time.Minute

// newApple is the generic kind with Apple's quirks: the callback arrives as a
// form POST (response_mode=form_post, required when asking for name or
// e-mail), and the client secret is an ES256 JWT signed with the team's key.
func newApple(cfg ProviderConfig, redirectURL string, client *http.Client, now func() time.Time) (*oidcUpstream, error) {
	if cfg.Issuer == "" {
		cfg.Issuer = AppleIssuer
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{"openid", "name", "email"}
	}
	key, err := loadAppleKey(cfg.PrivateKeyFile)
	if err != nil {
		return nil, fmt.Errorf("social: provider %s: %w", cfg.ID, err)
	}
	u := newOIDC(cfg, redirectURL, client)
	u.authOptions = append(u.authOptions, oauth2.SetAuthURLParam("response_mode", "form_post"))
	u.postedUser = true
	u.clientSecret = func() (string, error) { return appleClientSecret(cfg, key, now()) }
	return u, nil
}

// loadAppleKey reads the .p8 file Apple issues (a PKCS#8 EC P-256 key).
func loadAppleKey(path string) (*ecdsa.PrivateKey, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("private_key_file: %w", err)
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, errors.New("private_key_file: no PEM block (want Apple's .p8 file)")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("private_key_file: %w", err)
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("private_key_file: not an EC key (Apple keys are ES256)")
	}
	return ec, nil
}

// appleClientSecret signs the client secret Apple expects: iss = team id,
// sub = client id (the Services ID), aud = Apple's issuer, kid = key id.
func appleClientSecret(cfg ProviderConfig, key *ecdsa.PrivateKey, now time.Time) (string, error) {
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", cfg.KeyID)
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, opts)
	if err != nil {
		return "", fmt.Errorf("social: apple client secret: %w", err)
	}
	claims := jwt.Claims{
		Issuer: cfg.TeamID, Subject: cfg.ClientID, Audience: jwt.Audience{cfg.Issuer},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(appleSecretLifetime)),
	}
	s, err := jwt.Signed(sig).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("social: apple client secret: %w", err)
	}
	return s, nil
}

// appleUser is the "user" field Apple posts on the first login only. Its
// e-mail is ignored: only the id token's (verified) e-mail counts.
type appleUser struct {
	Name struct {
		FirstName string `json:"firstName"`
		LastName  string `json:"lastName"`
	} `json:"name"`
}

// withAppleName fills the names Apple only sends once.
func withAppleName(p Profile, user string) Profile {
	var u appleUser
	if user == "" || json.Unmarshal([]byte(user), &u) != nil {
		return p
	}
	if p.GivenName == "" && p.FamilyName == "" {
		p.GivenName, p.FamilyName = u.Name.FirstName, u.Name.LastName
	}
	return p
}

package op

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/admit-idp/admit/storage"
)

// randomID returns 128 random bits, hex encoded: record IDs and grant IDs.
func randomID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("op: random: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// randomToken returns 256 random bits, base64url: codes and refresh tokens.
func randomToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("op: random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// hashToken is the stored form of codes and refresh tokens.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// clientKey finds a key of the client's registered JWKS (private_key_jwt).
func clientKey(c storage.Client, keyID string) (*jose.JSONWebKey, error) {
	if len(c.JWKS) == 0 {
		return nil, oidc.ErrInvalidClient().WithDescription("the client has no registered keys")
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(c.JWKS, &set); err != nil {
		return nil, oidc.ErrInvalidClient().WithParent(err).WithDescription("the client's registered keys are unreadable")
	}
	for _, k := range set.Keys {
		if keyID == "" || k.KeyID == keyID {
			return &k, nil
		}
	}
	return nil, oidc.ErrInvalidClient().WithDescription("no registered key with that kid")
}

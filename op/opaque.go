package op

import (
	"errors"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// Opaque access tokens, for APIs registered as opaque. The token is the
// RFC 9068 JWT Admit would otherwise issue, encrypted to Admit itself as a
// compact JWE (RFC 7516: "dir" key agreement with Storage.OpaqueKey,
// A256GCM): to its holder and to the API it is an opaque string, which the
// API introspects (RFC 7662); Admit opens it on any node, and revocation,
// expiry and introspection work on the claims inside exactly as for JWTs.
// Nothing needs storing per token.

// opaqueKeyLen is OpaqueKey's required length (A256GCM).
const opaqueKeyLen = 32

var errOpaqueKey = errors.New("op: OpaqueKey must be 32 bytes")

// opaqueContentEnc is the one content encryption accepted.
const opaqueContentEnc = jose.A256GCM

// sealOpaque wraps a signed access token into its opaque form.
func (s *Storage) sealOpaque(jwt string) (string, error) {
	if len(s.OpaqueKey) != opaqueKeyLen {
		return "", oidc.ErrServerError().WithParent(errOpaqueKey).WithDescription("opaque access tokens are not configured")
	}
	enc, err := jose.NewEncrypter(opaqueContentEnc, jose.Recipient{Algorithm: jose.DIRECT, Key: s.OpaqueKey}, nil)
	if err != nil {
		return "", oidc.ErrServerError().WithParent(err).WithDescription("cannot issue an opaque token")
	}
	obj, err := enc.Encrypt([]byte(jwt))
	if err != nil {
		return "", oidc.ErrServerError().WithParent(err).WithDescription("cannot issue an opaque token")
	}
	return obj.CompactSerialize()
}

// isOpaque tells an opaque token (a JWE: five segments) from a JWT (three).
func isOpaque(token string) bool { return strings.Count(token, ".") == 4 }

// openOpaque returns the signed access token inside an opaque one; the
// caller verifies it as any JWT. Only "dir" with A256GCM is accepted.
func (s *Storage) openOpaque(token string) (string, error) {
	if len(s.OpaqueKey) != opaqueKeyLen {
		return "", errInvalidAccessToken
	}
	obj, err := jose.ParseEncryptedCompact(token, []jose.KeyAlgorithm{jose.DIRECT}, []jose.ContentEncryption{opaqueContentEnc})
	if err != nil {
		return "", errInvalidAccessToken
	}
	jwt, err := obj.Decrypt(s.OpaqueKey)
	if err != nil {
		return "", errInvalidAccessToken
	}
	return string(jwt), nil
}

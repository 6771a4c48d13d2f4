package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/admit-idp/admit/storage"
)

// rsaBits is the RS256 modulus size: 2048 is what every relying-party library
// accepts and keeps signing fast; 3072+ buys little for keys rotated often.
const rsaBits = 2048

// kidBytes of randomness make the key ID: unguessable and collision-free
// without coordination between nodes.
const kidBytes = 16

// sealPurpose prefixes the additional data of a sealed signing key. The kid
// alone binds the blob to its row; the prefix also keeps it from being
// confused with another kind of secret sealed under the same master key
// (TOTP secrets bound to a user ID, say) whose identifier happens to match.
const sealPurpose = "admit/signing-key/"

// SigningKey is a decrypted private key. It satisfies zitadel's op.SigningKey
// and is immutable apart from its signer cache, so one value is shared by
// every goroutine and survives reloads.
type SigningKey struct {
	id      string
	alg     jose.SignatureAlgorithm
	private crypto.Signer
	public  *PublicKey
	// signers caches one jose.Signer per "typ" header value (string →
	// jose.Signer). Building a signer is cheap but not free, and the set of
	// typ values is tiny ("JWT", "at+jwt", "logout+jwt").
	signers sync.Map
}

// ID is the JWK "kid".
func (k *SigningKey) ID() string { return k.id }

// SignatureAlgorithm is RS256, ES256 or EdDSA.
func (k *SigningKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }

// Key returns the private key (a crypto.Signer: *rsa.PrivateKey,
// *ecdsa.PrivateKey or ed25519.PrivateKey), as zitadel's op.SignerFromKey
// expects.
func (k *SigningKey) Key() any { return k.private }

// Public returns the public half, as published in the JWKS.
func (k *SigningKey) Public() *PublicKey { return k.public }

// Sign signs payload (the JSON claims) as a compact JWS whose protected header
// carries alg, kid and, unless typ is empty, typ (e.g. "at+jwt" for RFC 9068
// access tokens, "JWT" for ID tokens).
func (k *SigningKey) Sign(payload []byte, typ string) (string, error) {
	signer, err := k.signer(typ)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("keys: sign with %s: %w", k.id, err)
	}
	return jws.CompactSerialize()
}

// signer returns the cached jose.Signer for typ, building it on first use.
// jose.Signer holds no per-call state, so one instance serves all goroutines.
func (k *SigningKey) signer(typ string) (jose.Signer, error) {
	if s, ok := k.signers.Load(typ); ok {
		return s.(jose.Signer), nil
	}
	opts := &jose.SignerOptions{}
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	s, err := jose.NewSigner(jose.SigningKey{
		Algorithm: k.alg,
		// A JSONWebKey with KeyID makes go-jose put "kid" in the header.
		Key: jose.JSONWebKey{Key: k.private, KeyID: k.id, Algorithm: string(k.alg)},
	}, opts)
	if err != nil {
		return nil, fmt.Errorf("keys: signer for %s: %w", k.id, err)
	}
	actual, _ := k.signers.LoadOrStore(typ, s)
	return actual.(jose.Signer), nil
}

// PublicKey is a published verification key. It satisfies zitadel's op.Key.
type PublicKey struct {
	id  string
	alg jose.SignatureAlgorithm
	key crypto.PublicKey
}

// ID is the JWK "kid".
func (k *PublicKey) ID() string { return k.id }

// Algorithm is RS256, ES256 or EdDSA.
func (k *PublicKey) Algorithm() jose.SignatureAlgorithm { return k.alg }

// Use is always "sig": these keys never encrypt.
func (k *PublicKey) Use() string { return "sig" }

// Key returns the public key (*rsa.PublicKey, *ecdsa.PublicKey or
// ed25519.PublicKey; EdDSA keys are published as OKP Ed25519 JWKs, RFC 8037
// section 2).
func (k *PublicKey) Key() any { return k.key }

// Algorithms are the signature algorithms the package can generate and
// use keys for: RS256 (RSA 2048), ES256 (ECDSA P-256) and EdDSA (Ed25519,
// RFC 8037).
var Algorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA}

// Supported reports whether the package can generate and use keys of alg.
func Supported(alg jose.SignatureAlgorithm) bool {
	return alg == jose.RS256 || alg == jose.ES256 || alg == jose.EdDSA
}

// generatePrivate creates a fresh private key for alg.
func generatePrivate(alg jose.SignatureAlgorithm) (crypto.Signer, error) {
	switch alg {
	case jose.RS256:
		return rsa.GenerateKey(rand.Reader, rsaBits)
	case jose.ES256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jose.EdDSA:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	}
	return nil, fmt.Errorf("keys: unsupported algorithm %q", alg)
}

// newKID returns a random URL-safe key ID.
func newKID() (string, error) {
	b := make([]byte, kidBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("keys: generate kid: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// generate creates a key pair for alg and its sealed storage record in the
// given state. The record's timestamps are left to the caller.
func generate(sealer *Sealer, alg jose.SignatureAlgorithm, state string, now time.Time) (storage.SigningKey, error) {
	kid, err := newKID()
	if err != nil {
		return storage.SigningKey{}, err
	}
	priv, err := generatePrivate(alg)
	if err != nil {
		return storage.SigningKey{}, fmt.Errorf("keys: generate %s key: %w", alg, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return storage.SigningKey{}, fmt.Errorf("keys: encode %s key: %w", alg, err)
	}
	sealed, err := sealer.Seal(der, sealAD(kid))
	if err != nil {
		return storage.SigningKey{}, err
	}
	rec := storage.SigningKey{ID: kid, Algorithm: string(alg), State: state, PrivateKey: sealed, CreatedAt: now}
	if state == storage.KeyActive {
		rec.ActivatedAt = now
	}
	return rec, nil
}

// sealAD is the additional data binding a sealed private key to its kid.
func sealAD(kid string) []byte { return []byte(sealPurpose + kid) }

// decode unseals and parses a stored key, checking that the key type matches
// the recorded algorithm (a mismatch would otherwise surface only when
// signing, or as tokens nobody can verify).
func decode(sealer *Sealer, rec storage.SigningKey) (*SigningKey, error) {
	alg := jose.SignatureAlgorithm(rec.Algorithm)
	der, err := sealer.Open(rec.PrivateKey, sealAD(rec.ID))
	if err != nil {
		return nil, fmt.Errorf("keys: key %s: %w", rec.ID, err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("keys: key %s: parse PKCS#8: %w", rec.ID, err)
	}
	priv, ok := parsed.(crypto.Signer)
	if !ok || !matches(alg, priv) {
		return nil, fmt.Errorf("keys: key %s: %T does not fit algorithm %s", rec.ID, parsed, alg)
	}
	pub := &PublicKey{id: rec.ID, alg: alg, key: priv.Public()}
	return &SigningKey{id: rec.ID, alg: alg, private: priv, public: pub}, nil
}

// matches reports whether priv is the key type alg requires.
func matches(alg jose.SignatureAlgorithm, priv crypto.Signer) bool {
	switch k := priv.(type) {
	case *rsa.PrivateKey:
		return alg == jose.RS256
	case *ecdsa.PrivateKey:
		return alg == jose.ES256 && k.Curve == elliptic.P256()
	case ed25519.PrivateKey:
		return alg == jose.EdDSA
	}
	return false
}

package keys_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/admit-idp/admit/keys"
)

// The keys plug straight into zitadel's OpenID provider.
var (
	_ op.SigningKey = (*keys.SigningKey)(nil)
	_ op.Key        = (*keys.PublicKey)(nil)
)

func TestSignHeader(t *testing.T) {
	tests := []struct {
		alg     jose.SignatureAlgorithm
		typ     string
		wantTyp any // nil: no typ header
	}{
		{jose.RS256, "at+jwt", "at+jwt"},
		{jose.RS256, "JWT", "JWT"},
		{jose.ES256, "at+jwt", "at+jwt"},
		{jose.ES256, "logout+jwt", "logout+jwt"},
		{jose.ES256, "", nil},
	}
	for _, tt := range tests {
		t.Run(string(tt.alg)+"/"+tt.typ, func(t *testing.T) {
			m, _, _ := initManager(t, tt.alg)
			k, _ := m.SigningKey(context.Background())
			for range 2 { // the second round uses the cached signer
				token, err := k.Sign([]byte(`{"iss":"x"}`), tt.typ)
				if err != nil {
					t.Fatal(err)
				}
				jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{tt.alg})
				if err != nil {
					t.Fatal(err)
				}
				h := jws.Signatures[0].Protected
				if h.KeyID != k.ID() || h.Algorithm != string(tt.alg) {
					t.Errorf("header kid=%q alg=%q, want %q %q", h.KeyID, h.Algorithm, k.ID(), tt.alg)
				}
				if got := h.ExtraHeaders[jose.HeaderType]; got != tt.wantTyp {
					t.Errorf("header typ = %v, want %v", got, tt.wantTyp)
				}
				if _, err := jws.Verify(k.Public().Key()); err != nil {
					t.Errorf("verify: %v", err)
				}
			}
		})
	}
}

func TestKeyAccessors(t *testing.T) {
	tests := []struct {
		alg  jose.SignatureAlgorithm
		priv func(any) bool
		pub  func(any) bool
	}{
		{jose.RS256,
			func(k any) bool { r, ok := k.(*rsa.PrivateKey); return ok && r.N.BitLen() == 2048 },
			func(k any) bool { _, ok := k.(*rsa.PublicKey); return ok }},
		{jose.ES256,
			func(k any) bool { e, ok := k.(*ecdsa.PrivateKey); return ok && e.Curve.Params().Name == "P-256" },
			func(k any) bool { _, ok := k.(*ecdsa.PublicKey); return ok }},
		{jose.EdDSA,
			func(k any) bool { _, ok := k.(ed25519.PrivateKey); return ok },
			func(k any) bool { _, ok := k.(ed25519.PublicKey); return ok }},
	}
	for _, tt := range tests {
		t.Run(string(tt.alg), func(t *testing.T) {
			m, _, _ := initManager(t, tt.alg)
			k, _ := m.SigningKey(context.Background())
			if !tt.priv(k.Key()) {
				t.Errorf("Key() = %T, want the %s private key", k.Key(), tt.alg)
			}
			if _, ok := k.Key().(crypto.Signer); !ok {
				t.Error("Key() is not a crypto.Signer")
			}
			pks, _ := m.PublicKeys(context.Background())
			for _, pk := range pks {
				if pk.Algorithm() != tt.alg {
					continue // RS256 is always kept beside the default
				}
				if !tt.pub(pk.Key()) || pk.Use() != "sig" || pk.Algorithm() != tt.alg || pk.ID() == "" {
					t.Errorf("public key %s: %T use=%q alg=%s", pk.ID(), pk.Key(), pk.Use(), pk.Algorithm())
				}
			}
			if len(k.ID()) != 22 { // 16 random bytes, unpadded base64url
				t.Errorf("kid %q has length %d, want 22", k.ID(), len(k.ID()))
			}
		})
	}
}

// zitadel signs with op.SignerFromKey(key); the result must carry our kid
// and verify against our public key.
func TestZitadelSignerFromKey(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(string(alg), func(t *testing.T) {
			m, _, _ := initManager(t, alg)
			k, _ := m.SigningKey(context.Background())
			signer, err := op.SignerFromKey(k)
			if err != nil {
				t.Fatal(err)
			}
			signed, err := signer.Sign([]byte(`{"sub":"u"}`))
			if err != nil {
				t.Fatal(err)
			}
			// Round-trip: the protected header exists only once serialised.
			token, err := signed.CompactSerialize()
			if err != nil {
				t.Fatal(err)
			}
			jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{alg})
			if err != nil {
				t.Fatal(err)
			}
			if kid := jws.Signatures[0].Protected.KeyID; kid != k.ID() {
				t.Errorf("kid = %q, want %q", kid, k.ID())
			}
			if _, err := jws.Verify(k.Public().Key()); err != nil {
				t.Errorf("verify: %v", err)
			}
		})
	}
}

func BenchmarkSigningKeySign(b *testing.B) {
	payload := []byte(`{"iss":"https://id.example.com","sub":"8b7c1f0e","aud":["client"],"exp":1893456000,"iat":1893452400,"jti":"a1b2c3","scope":"openid profile"}`)
	for _, alg := range algorithms {
		b.Run(string(alg), func(b *testing.B) {
			m, _, _ := initManager(b, alg)
			k, err := m.SigningKey(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := k.Sign(payload, "at+jwt"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkManagerSigningKey(b *testing.B) {
	m, _, _ := initManager(b, jose.ES256)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := m.SigningKey(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

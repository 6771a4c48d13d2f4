package op

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/admit-idp/admit/keys/signed"
	"github.com/admit-idp/admit/storage/memory"
)

const testHTU = "https://id.example.com/oauth/token"

type testKey struct {
	priv *ecdsa.PrivateKey
	jkt  string
}

func newProofKey(t testing.TB) testKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tp, _ := (&jose.JSONWebKey{Key: priv.Public()}).Thumbprint(crypto.SHA256)
	return testKey{priv, base64.RawURLEncoding.EncodeToString(tp)}
}

// signProof signs claims; headers add to or replace typ and the embedded
// public jwk (a nil value drops the header).
func signProof(t testing.TB, k testKey, claims map[string]any, headers map[jose.HeaderKey]any) string {
	t.Helper()
	hdr := map[jose.HeaderKey]any{jose.HeaderType: DPoPProofType, "jwk": jose.JSONWebKey{Key: k.priv.Public()}}
	maps.Copy(hdr, headers)
	for name, v := range hdr {
		if v == nil {
			delete(hdr, name)
		}
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k.priv}, &jose.SignerOptions{ExtraHeaders: hdr})
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// handMade builds a compact JWS whose signature go-jose would not make:
// alg none, or HMAC with a jwk header.
func handMade(header, claims map[string]any, sign func([]byte) []byte) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	return input + "." + base64.RawURLEncoding.EncodeToString(sign([]byte(input)))
}

func testVerifier(t testing.TB, now time.Time) *DPoPVerifier {
	t.Helper()
	clock := func() time.Time { return now }
	nonces, err := signed.New(make([]byte, 32), "dpop nonce", clock)
	if err != nil {
		t.Fatal(err)
	}
	return &DPoPVerifier{Proofs: memory.New(clock), Nonces: nonces, Now: clock}
}

// TestDPoPProofChecks makes each check of RFC 9449 §4.3 fail on its own:
// every case starts from a valid proof and changes one thing.
func TestDPoPProofChecks(t *testing.T) {
	now := time.Unix(1_800_000_000, 0).UTC()
	k := newProofKey(t)
	pub, _ := json.Marshal(jose.JSONWebKey{Key: k.priv.Public()})
	var pubJWK map[string]any
	_ = json.Unmarshal(pub, &pubJWK)
	const token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.sig"
	base := func() map[string]any {
		return map[string]any{"jti": randomHex(), "htm": "POST", "htu": testHTU, "iat": now.Unix()}
	}
	with := func(k string, v any) map[string]any {
		c := base()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	athOf := func(tok string) string {
		s := sha256.Sum256([]byte(tok))
		return base64.RawURLEncoding.EncodeToString(s[:])
	}
	cases := []struct {
		name  string
		proof func(v *DPoPVerifier) string
		req   DPoPRequest
		want  error // nil: accepted
	}{
		{"valid", func(*DPoPVerifier) string { return signProof(t, k, base(), nil) }, DPoPRequest{}, nil},
		{"htu with query, upper-case host, default port", func(*DPoPVerifier) string {
			return signProof(t, k, with("htu", "https://ID.example.com:443/oauth/token?x=1#f"), nil)
		}, DPoPRequest{}, nil},
		{"fractional iat", func(*DPoPVerifier) string { return signProof(t, k, with("iat", float64(now.Unix())+0.5), nil) }, DPoPRequest{}, nil},
		{"not a JWS", func(*DPoPVerifier) string { return "not-a-jwt" }, DPoPRequest{}, ErrInvalidDPoPProof},
		{"typ jwt", func(*DPoPVerifier) string {
			return signProof(t, k, base(), map[jose.HeaderKey]any{jose.HeaderType: "JWT"})
		}, DPoPRequest{}, ErrInvalidDPoPProof},
		{"no typ", func(*DPoPVerifier) string {
			return signProof(t, k, base(), map[jose.HeaderKey]any{jose.HeaderType: nil})
		}, DPoPRequest{}, ErrInvalidDPoPProof},
		{"alg none", func(*DPoPVerifier) string {
			return handMade(map[string]any{"typ": DPoPProofType, "alg": "none", "jwk": pubJWK}, base(), func([]byte) []byte { return nil })
		}, DPoPRequest{}, ErrInvalidDPoPProof},
		{"symmetric alg", func(*DPoPVerifier) string {
			return handMade(map[string]any{"typ": DPoPProofType, "alg": "HS256", "jwk": pubJWK}, base(), func(in []byte) []byte {
				m := hmac.New(sha256.New, pub)
				m.Write(in)
				return m.Sum(nil)
			})
		}, DPoPRequest{}, ErrInvalidDPoPProof},
		{"no jwk", func(*DPoPVerifier) string { return signProof(t, k, base(), map[jose.HeaderKey]any{"jwk": nil}) }, DPoPRequest{}, ErrInvalidDPoPProof},
		{"private jwk", func(*DPoPVerifier) string {
			return signProof(t, k, base(), map[jose.HeaderKey]any{"jwk": jose.JSONWebKey{Key: k.priv}})
		}, DPoPRequest{}, ErrInvalidDPoPProof},
		{"signed by another key", func(*DPoPVerifier) string {
			return signProof(t, k, base(), map[jose.HeaderKey]any{"jwk": jose.JSONWebKey{Key: newProofKey(t).priv.Public()}})
		}, DPoPRequest{}, ErrInvalidDPoPProof},
		{"no jti", func(*DPoPVerifier) string { return signProof(t, k, with("jti", nil), nil) }, DPoPRequest{}, ErrInvalidDPoPProof},
		{"no htm", func(*DPoPVerifier) string { return signProof(t, k, with("htm", nil), nil) }, DPoPRequest{}, ErrInvalidDPoPProof},
		{"no htu", func(*DPoPVerifier) string { return signProof(t, k, with("htu", nil), nil) }, DPoPRequest{}, ErrInvalidDPoPProof},
		{"no iat", func(*DPoPVerifier) string { return signProof(t, k, with("iat", nil), nil) }, DPoPRequest{}, ErrInvalidDPoPProof},
		{"iat a string", func(*DPoPVerifier) string { return signProof(t, k, with("iat", "now"), nil) }, DPoPRequest{}, ErrInvalidDPoPProof},
		{"htm GET", func(*DPoPVerifier) string { return signProof(t, k, with("htm", "GET"), nil) }, DPoPRequest{}, ErrInvalidDPoPProof},
		{"htm lower case", func(*DPoPVerifier) string { return signProof(t, k, with("htm", "post"), nil) }, DPoPRequest{}, ErrInvalidDPoPProof},
		{"htu other path", func(*DPoPVerifier) string {
			return signProof(t, k, with("htu", "https://id.example.com/userinfo"), nil)
		}, DPoPRequest{}, ErrInvalidDPoPProof},
		{"htu other host", func(*DPoPVerifier) string {
			return signProof(t, k, with("htu", "https://evil.example.com/oauth/token"), nil)
		}, DPoPRequest{}, ErrInvalidDPoPProof},
		{"htu http", func(*DPoPVerifier) string {
			return signProof(t, k, with("htu", "http://id.example.com/oauth/token"), nil)
		}, DPoPRequest{}, ErrInvalidDPoPProof},
		{"iat too old", func(*DPoPVerifier) string {
			return signProof(t, k, with("iat", now.Add(-DPoPProofMaxAge-time.Second).Unix()), nil)
		}, DPoPRequest{}, ErrInvalidDPoPProof},
		{"iat in the future", func(*DPoPVerifier) string {
			return signProof(t, k, with("iat", now.Add(DPoPClockSkew+time.Second).Unix()), nil)
		}, DPoPRequest{}, ErrInvalidDPoPProof},
		{"jti reused", func(v *DPoPVerifier) string {
			p := signProof(t, k, base(), nil)
			if _, err := v.Verify(t.Context(), p, DPoPRequest{Method: "POST", URL: testHTU}); err != nil {
				t.Fatalf("first use: %v", err)
			}
			return p
		}, DPoPRequest{}, ErrInvalidDPoPProof},
		{"ath right", func(*DPoPVerifier) string { return signProof(t, k, with("ath", athOf(token)), nil) }, DPoPRequest{AccessToken: token}, nil},
		{"ath missing", func(*DPoPVerifier) string { return signProof(t, k, base(), nil) }, DPoPRequest{AccessToken: token}, ErrInvalidDPoPProof},
		{"ath of another token", func(*DPoPVerifier) string { return signProof(t, k, with("ath", athOf(token+"x")), nil) }, DPoPRequest{AccessToken: token}, ErrInvalidDPoPProof},
		{"ath without a token", func(*DPoPVerifier) string { return signProof(t, k, with("ath", athOf(token)), nil) }, DPoPRequest{}, ErrInvalidDPoPProof},
		{"nonce required, none", func(*DPoPVerifier) string { return signProof(t, k, base(), nil) }, DPoPRequest{RequireNonce: true}, ErrUseDPoPNonce},
		{"nonce forged", func(*DPoPVerifier) string { return signProof(t, k, with("nonce", "v1.AAAA.AAAA"), nil) }, DPoPRequest{RequireNonce: true}, ErrUseDPoPNonce},
		{"nonce issued", func(v *DPoPVerifier) string { return signProof(t, k, with("nonce", v.Nonce()), nil) }, DPoPRequest{RequireNonce: true}, nil},
		{"too large", func(*DPoPVerifier) string {
			return signProof(t, k, with("pad", strings.Repeat("x", maxDPoPProofSize)), nil)
		}, DPoPRequest{}, ErrInvalidDPoPProof},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := testVerifier(t, now)
			req := tc.req
			req.Method, req.URL = "POST", testHTU
			p, err := v.Verify(t.Context(), tc.proof(v), req)
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want == nil && p.JKT != k.jkt:
				t.Fatalf("JKT = %q, want %q", p.JKT, k.jkt)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// TestDPoPRefusedProofIsNotSpent: the replay check runs last, so a proof
// refused for another reason (here, a method it was not made for) has not
// spent its jti.
func TestDPoPRefusedProofIsNotSpent(t *testing.T) {
	now := time.Unix(1_800_000_000, 0).UTC()
	v, k := testVerifier(t, now), newProofKey(t)
	p := signProof(t, k, map[string]any{"jti": "fixed", "htm": "POST", "htu": testHTU, "iat": now.Unix()}, nil)
	if _, err := v.Verify(t.Context(), p, DPoPRequest{Method: "GET", URL: testHTU}); !errors.Is(err, ErrInvalidDPoPProof) {
		t.Fatalf("wrong method: %v", err)
	}
	if _, err := v.Verify(t.Context(), p, DPoPRequest{Method: "POST", URL: testHTU}); err != nil {
		t.Fatalf("after a refusal for another reason: %v", err)
	}
}

func TestNormalizeHTU(t *testing.T) {
	for in, want := range map[string]string{
		"https://id.example.com/oauth/token":         "https://id.example.com/oauth/token",
		"HTTPS://ID.Example.COM:443/oauth/token?a#b": "https://id.example.com/oauth/token",
		"http://localhost:80":                        "http://localhost/",
		"http://127.0.0.1:8080/userinfo":             "http://127.0.0.1:8080/userinfo",
		"https://[::1]:8443/x":                       "https://[::1]:8443/x",
		"https://id.example.com/Oauth/Token":         "https://id.example.com/Oauth/Token",
		"/oauth/token":                               "",
		"mailto:a@example.com":                       "",
		"https://user:pw@id.example.com/oauth/token": "",
	} {
		got, ok := NormalizeHTU(in)
		if got != want || ok != (want != "") {
			t.Errorf("NormalizeHTU(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func randomHex() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

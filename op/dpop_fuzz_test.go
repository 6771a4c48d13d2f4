package op

import (
	"strings"
	"testing"
	"time"
)

// FuzzParseDPoPProof: the proof parser never panics, and whatever it
// accepts has the required claims and a thumbprint (RFC 9449 §4.3).
func FuzzParseDPoPProof(f *testing.F) {
	now := time.Unix(1_800_000_000, 0).UTC()
	k := newProofKey(f)
	f.Add(signProof(f, k, map[string]any{"jti": "a", "htm": "POST", "htu": testHTU, "iat": now.Unix()}, nil))
	f.Add(signProof(f, k, map[string]any{"jti": "a", "htm": "GET", "htu": testHTU, "iat": 1.5, "ath": "x", "nonce": "n"}, nil))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c")
	f.Add(strings.Repeat(".", 3))
	f.Fuzz(func(t *testing.T, proof string) {
		p, err := ParseDPoPProof(proof)
		if err != nil {
			return
		}
		if p.JTI == "" || p.HTM == "" || p.HTU == "" || len(p.JKT) != 43 {
			t.Fatalf("accepted an incomplete proof: %+v", p)
		}
		NormalizeHTU(p.HTU)
	})
}

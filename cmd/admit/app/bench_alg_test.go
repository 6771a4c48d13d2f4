//go:build unix

package app_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/admit-idp/admit/cmd/admit/app"
)

// The cost of the access-token signing algorithm (issue 20 item 5). RS256
// stays the default for ID tokens; an API or a client may choose ES256 or
// EdDSA for its access tokens.
//
//	go test ./cmd/admit/app -run '^$' -bench 'SignAccessToken|ClientCredentialsAlg' -benchtime 2s

var benchAlgs = []string{"RS256", "ES256", "EdDSA"}

// BenchmarkSignAccessToken is the signing alone: one RFC 9068 payload of
// typical size signed with the active key of each algorithm.
func BenchmarkSignAccessToken(b *testing.B) {
	e := newEnv(b, memoryBackend)
	payload, _ := json.Marshal(map[string]any{
		"iss": e.issuer, "sub": "4f1c2a9e-8a53-4c8e-9d0e-5d9c3f0f6a11", "aud": []string{"https://tickets.example/api"},
		"exp": time.Now().Add(15 * time.Minute).Unix(), "iat": time.Now().Unix(), "jti": "zxQ3gk2cW4bS1qv7Jr0mFw",
		"client_id": app.DemoClientID, "scope": "tickets:read tickets:write", "gid": "8c4f0d5e-4b5b-4f7a-9c43-2f6b3b8e9d10",
		"tenant_id": "00000000-0000-0000-0000-000000000001",
	})
	for _, alg := range benchAlgs {
		b.Run(alg, func(b *testing.B) {
			k, err := e.app.Keys.SigningKeyFor(b.Context(), jose.SignatureAlgorithm(alg))
			if err != nil {
				b.Fatal(err)
			}
			cpu := startCPU(nil) // signing cost only: the database is not metered
			for b.Loop() {
				if _, err := k.Sign(payload, "at+jwt"); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
			reportRate(b)
		})
	}
}

// BenchmarkClientCredentialsAlg is a whole client_credentials token request
// in process (memory backend), one at a time, with the client's access
// tokens signed with each algorithm (access_token_signed_response_alg).
func BenchmarkClientCredentialsAlg(b *testing.B) {
	for _, alg := range benchAlgs {
		b.Run(alg, func(b *testing.B) {
			e := withoutRateLimits(newEnv(b, memoryBackend))
			c, err := e.app.Stores.Durable.GetClient(b.Context(), app.DemoClientID)
			if err != nil {
				b.Fatal(err)
			}
			c.AccessTokenSignedResponseAlg = alg
			if err := e.app.Stores.Durable.UpdateClient(b.Context(), c); err != nil {
				b.Fatal(err)
			}
			h := e.app.Handler()
			rec := tokenRequest(h, "grant_type=client_credentials")
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if got := tokenAlg(b, jsonField(rec.Body.String(), "access_token")); got != alg {
				b.Fatalf("access token signed %s, want %s", got, alg)
			}
			cpu := startCPU(nil) // signing cost only: the database is not metered
			for b.Loop() {
				if rec := tokenRequest(h, "grant_type=client_credentials"); rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
			cpu.report(b)
			reportRate(b)
		})
	}
}

func tokenAlg(b *testing.B, token string) string {
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA})
	if err != nil {
		b.Fatal(err)
	}
	return jws.Signatures[0].Protected.Algorithm
}

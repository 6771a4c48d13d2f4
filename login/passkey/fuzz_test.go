package passkey

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/admit-idp/admit/login/passkey/passkeytest"
)

// FuzzPasskeyAssertion feeds arbitrary bytes as the browser's assertion
// response (WebAuthn §5.2.2 AuthenticatorAssertionResponse in JSON) to
// the parser and to the whole discoverable-login verification against a
// registered passkey and a pending challenge. It must never panic, and
// every refusal must be one of the package's sentinel errors, which the
// login page maps to a message (never a 500).
func FuzzPasskeyAssertion(f *testing.F) {
	fx := newFixture(f)
	cred := fx.register(f, passkeytest.FlagUV, 1)
	opts, sd, err := fx.core.WebAuthn.BeginDiscoverableLogin()
	if err != nil {
		f.Fatal(err)
	}
	challenge := opts.Response.Challenge.String()
	valid := cred.Assertion(challenge, origin)
	f.Add([]byte(valid))
	f.Add([]byte(cred.Assertion(challenge, "https://evil.example.com")))
	f.Add([]byte(strings.Replace(valid, `"type":"public-key"`, `"type":"other"`, 1)))
	f.Add([]byte(`{"id":"AA","rawId":"AA","type":"public-key","response":{}}`))
	f.Add([]byte("{}"))
	sentinels := []error{ErrMalformed, ErrUnknownCredential, ErrWrongUser, ErrWrongOrigin, ErrChallenge, ErrRejected, ErrCloned, ErrNotAttested}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if _, err := parseAssertion(raw); err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("parse refusal %v is not ErrMalformed", err)
		}
		_, err := fx.core.VerifyDiscoverable(context.Background(), *sd, raw)
		if err == nil {
			return
		}
		for _, s := range sentinels {
			if errors.Is(err, s) {
				return
			}
		}
		t.Fatalf("refusal %v is none of the package's errors", err)
	})
}

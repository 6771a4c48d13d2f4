package wallet

import (
	"context"
	"errors"
	"strings"

	"github.com/admit-idp/admit/storage"
)

// Checker verifies a posted proof end to end: parse, spend the nonce, check
// the message and the signature.
type Checker struct {
	Nonces   Nonces
	Verifier *Verifier
}

// Check returns the proven wallet (without UserID). Refusals wrap one of the
// package's sentinel errors (see Refused); anything else is a backend error.
func (c Checker) Check(ctx context.Context, binding, raw, signature string) (storage.Wallet, error) {
	// Form submission may turn the message's line feeds into CRLF; wallets
	// signed the LF text, which is also the only form ParseMessage accepts.
	raw = strings.ReplaceAll(raw, "\r\n", "\n")
	m, err := ParseMessage(raw)
	if err != nil {
		return storage.Wallet{}, err
	}
	// The nonce is spent before the signature is checked: a refused
	// signature cannot be retried against the same message.
	if _, err := c.Nonces.Consume(ctx, m.Nonce, binding); err != nil {
		return storage.Wallet{}, err
	}
	return c.Verifier.Verify(m, raw, signature)
}

// refusals are the verification outcomes that are the user's (or an
// attacker's) doing, with the reason recorded in metrics and the message
// shown.
var refusals = []struct {
	err         error
	reason, msg string
}{
	{ErrNonce, "bad_nonce", "wallet.err.expired"},
	{ErrExpired, "expired", "wallet.err.expired"},
	{ErrDomain, "wrong_domain", "wallet.err.domain"},
	{ErrChain, "wrong_chain", "wallet.err.chain"},
	{ErrBadSignature, "bad_signature", "wallet.err.signature"},
	{ErrMalformed, "malformed", "wallet.err.malformed"},
	{ErrVersion, "malformed", "wallet.err.malformed"},
}

// Refused reports whether err is a verification refusal and, if so, the
// metrics reason and the message for the user (a catalog message id).
func Refused(err error) (reason, msg string, ok bool) {
	for _, r := range refusals {
		if errors.Is(err, r.err) {
			return r.reason, r.msg, true
		}
	}
	return "", "", false
}

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
	{ErrNonce, "bad_nonce", "This wallet request has expired or was already used. Try again."},
	{ErrExpired, "expired", "This wallet request has expired or was already used. Try again."},
	{ErrDomain, "wrong_domain", "The wallet signed a message for another site, so it was not accepted."},
	{ErrChain, "wrong_chain", "Your wallet is on a network this site does not accept. Switch to Ethereum mainnet (or Solana mainnet) and try again."},
	{ErrBadSignature, "bad_signature", "The wallet signature could not be verified. Try again."},
	{ErrMalformed, "malformed", "The wallet sent a message this site cannot read. Try again."},
	{ErrVersion, "malformed", "The wallet sent a message this site cannot read. Try again."},
}

// Refused reports whether err is a verification refusal and, if so, the
// metrics reason and the message for the user.
func Refused(err error) (reason, msg string, ok bool) {
	for _, r := range refusals {
		if errors.Is(err, r.err) {
			return r.reason, r.msg, true
		}
	}
	return "", "", false
}

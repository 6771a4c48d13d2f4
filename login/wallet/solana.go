package wallet

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"

	"github.com/gagliardetto/solana-go"
)

// Solana cluster names as they appear in a SIWS message's Chain ID, and
// their CAIP-2 references (the first 32 characters of the genesis hash).
var solanaClusters = map[string]string{
	"mainnet": "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp",
	"devnet":  "EtWTRABZaYq6iMfeYKouRu166VU2xqa1",
	"testnet": "4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z",
}

// NormaliseSolanaAddress parses a base58 ed25519 public key and returns its
// canonical base58 form (leading-zero and alphabet quirks removed).
func NormaliseSolanaAddress(s string) (string, error) {
	pk, err := solana.PublicKeyFromBase58(s)
	if err != nil {
		return "", fmt.Errorf("wallet: %q is not a Solana address: %w", s, err)
	}
	if pk.String() != s {
		return "", fmt.Errorf("wallet: %q is not in canonical base58", s)
	}
	return pk.String(), nil
}

// decodeSolanaSignature accepts the 64-byte signature in base58 (wallet
// adapters, Phantom's legacy API after encoding) or base64 (browser btoa).
func decodeSolanaSignature(s string) ([]byte, error) {
	if sig, err := solana.SignatureFromBase58(s); err == nil {
		return sig[:], nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == ed25519.SignatureSize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%w: want a 64-byte signature in base58 or base64", ErrBadSignature)
}

func verifySolana(message []byte, signature, address string) error {
	sig, err := decodeSolanaSignature(signature)
	if err != nil {
		return err
	}
	pk, err := solana.PublicKeyFromBase58(address)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	if !ed25519.Verify(ed25519.PublicKey(pk[:]), message, sig) {
		return fmt.Errorf("%w: signed by another key or tampered", ErrBadSignature)
	}
	return nil
}

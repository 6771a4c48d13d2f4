package wallet

import (
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
)

// Seeds shared by the message fuzzers; testdata/fuzz holds more.
const (
	siweSeed = "id.example.com wants you to sign in with your Ethereum account:\n" +
		"0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2\n\nSign in with this wallet.\n\n" +
		"URI: https://id.example.com\nVersion: 1\nChain ID: 1\nNonce: abcdefgh12345678\n" +
		"Issued At: 2026-11-24T12:00:00.000Z\nExpiration Time: 2026-11-24T12:05:00.000Z\n" +
		"Not Before: 2026-11-24T12:00:00.000Z\nRequest ID: r1\nResources:\n- https://id.example.com/a\n- ipfs://b"
	siwsSeed = "id.example.com wants you to sign in with your Solana account:\n" +
		"GsbwXfJraMomNxBcjYLcG3mxkBUiyWXAB32fGbSMQRdW\n\n" +
		"URI: https://id.example.com\nVersion: 1\nChain ID: mainnet\nNonce: 0123456789abcdef\n" +
		"Issued At: 2026-11-24T12:00:00Z"
)

// FuzzSIWEMessage: ParseMessage never panics on Ethereum-style input, a
// refusal is ErrMalformed, and an accepted message survives a round trip
// through String (EIP-4361's ABNF) unchanged but for the timestamps'
// precision (String writes milliseconds, UTC).
func FuzzSIWEMessage(f *testing.F) {
	f.Add(siweSeed)
	f.Add(strings.Replace(siweSeed, "2026-11-24T12:00:00.000Z", "0000-01-01T0:00:00Z", 1))
	f.Fuzz(func(t *testing.T, text string) { checkMessage(t, text) })
}

// FuzzSIWSMessage is FuzzSIWEMessage for Sign-In with Solana, which shares
// the grammar; an accepted Solana message's address also goes through
// NormaliseSolanaAddress without panicking.
func FuzzSIWSMessage(f *testing.F) {
	f.Add(siwsSeed)
	f.Add(strings.Replace(siwsSeed, "\n\nURI", "\n\nHello\n\nURI", 1))
	f.Fuzz(func(t *testing.T, text string) { checkMessage(t, text) })
}

func checkMessage(t *testing.T, text string) {
	m, err := ParseMessage(text)
	if err != nil {
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("refusal %v is not ErrMalformed", err)
		}
		return
	}
	switch m.Chain {
	case Ethereum:
		_, _ = NormaliseEthereumAddress(m.Address)
	case Solana:
		_, _ = NormaliseSolanaAddress(m.Address)
	default:
		t.Fatalf("accepted chain %q", m.Chain)
	}
	again, err := ParseMessage(m.String())
	if err != nil {
		t.Fatalf("the rendering of an accepted message is refused: %v\n%q", err, m.String())
	}
	want := m
	for _, ts := range []*time.Time{&want.IssuedAt, &want.ExpirationTime, &want.NotBefore} {
		*ts = ts.Truncate(time.Millisecond)
	}
	if !reflect.DeepEqual(again, want) {
		t.Fatalf("round trip changed the message:\n got %#v\nwant %#v", again, want)
	}
}

// FuzzEthereumSignature: decodeEthSignature never panics; what it accepts
// is 65 bytes with v in {0,1} and a low s (EIP-2), and decoding its hex form
// again gives the same bytes.
func FuzzEthereumSignature(f *testing.F) {
	f.Add("0x" + strings.Repeat("11", 64) + "1b")
	f.Add("0x" + strings.Repeat("ff", 65))
	f.Add(strings.Repeat("00", 65))
	f.Fuzz(func(t *testing.T, s string) {
		sig, err := decodeEthSignature(s)
		if err != nil {
			if !errors.Is(err, ErrBadSignature) {
				t.Fatalf("refusal %v is not ErrBadSignature", err)
			}
			return
		}
		if len(sig) != 65 || sig[64] > 1 {
			t.Fatalf("accepted signature of %d bytes, v=%d", len(sig), sig[64])
		}
		again, err := decodeEthSignature("0x" + hex.EncodeToString(sig))
		if err != nil || string(again) != string(sig) {
			t.Fatalf("re-decoding an accepted signature: %x, %v; want %x", again, err, sig)
		}
		_ = verifyEthereum([]byte("message"), s, "0x0000000000000000000000000000000000000000")
	})
}

// FuzzSolanaSignature: decodeSolanaSignature never panics; what it accepts
// is 64 bytes, and its base58 form decodes to the same bytes.
func FuzzSolanaSignature(f *testing.F) {
	f.Add(solana.SignatureFromBytes(make([]byte, 64)).String())
	f.Add(strings.Repeat("A", 86) + "==")
	f.Add("not-a-signature")
	f.Fuzz(func(t *testing.T, s string) {
		sig, err := decodeSolanaSignature(s)
		if err != nil {
			if !errors.Is(err, ErrBadSignature) {
				t.Fatalf("refusal %v is not ErrBadSignature", err)
			}
			return
		}
		if len(sig) != 64 {
			t.Fatalf("accepted a signature of %d bytes", len(sig))
		}
		again, err := decodeSolanaSignature(solana.SignatureFromBytes(sig).String())
		if err != nil || string(again) != string(sig) {
			t.Fatalf("re-decoding an accepted signature: %x, %v; want %x", again, err, sig)
		}
		_ = verifySolana([]byte("message"), s, "GsbwXfJraMomNxBcjYLcG3mxkBUiyWXAB32fGbSMQRdW")
	})
}

package wallet

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/gagliardetto/solana-go"

	"github.com/admit-idp/admit/storage/memory"
)

const testIssuer = "https://id.example.com"

// Test keys: fixed, so every vector is reproducible.
const (
	ethKeyHex   = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
	ethOtherHex = "8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f"
)

var solSeed = []byte("admit-wallet-test-solana-seed-32")

type fixture struct {
	t       *testing.T
	now     time.Time
	checker Checker
	eth     *ecdsa.PrivateKey
	ethAddr string
	sol     ed25519.PrivateKey
	solAddr string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, now: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return f.now }
	f.checker = Checker{
		Nonces:   Nonces{Store: memory.New(clock), Now: clock},
		Verifier: &Verifier{Issuer: testIssuer, ChainIDs: []int64{1, 8453}, Lifetime: NonceLifetime, Now: clock},
	}
	var err error
	if f.eth, err = crypto.HexToECDSA(ethKeyHex); err != nil {
		t.Fatal(err)
	}
	f.ethAddr = crypto.PubkeyToAddress(f.eth.PublicKey).Hex()
	f.sol = ed25519.NewKeyFromSeed(solSeed)
	f.solAddr = solana.PublicKeyFromBytes(f.sol.Public().(ed25519.PublicKey)).String()
	return f
}

// message returns a fresh, valid message for chain with a nonce issued to
// binding.
func (f *fixture) message(chain, binding string) Message {
	f.t.Helper()
	nonce, rec, err := f.checker.Nonces.Issue(f.t.Context(), binding)
	if err != nil {
		f.t.Fatal(err)
	}
	m := Message{
		Chain: chain, Domain: "id.example.com", Statement: "Sign in with this wallet.", URI: testIssuer,
		Version: "1", ChainID: "1", Nonce: nonce, IssuedAt: rec.IssuedAt, ExpirationTime: rec.ExpiresAt,
	}
	if chain == Solana {
		m.Address, m.ChainID = f.solAddr, "mainnet"
	} else {
		m.Address = f.ethAddr
	}
	return m
}

func ethSign(t *testing.T, key *ecdsa.PrivateKey, text string) []byte {
	t.Helper()
	sig, err := crypto.Sign(eip191Hash([]byte(text)), key)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// highS turns a signature into its malleable twin: (r, n-s, v^1) recovers
// the same key but must be refused (EIP-2).
func highS(sig []byte) []byte {
	out := append([]byte(nil), sig...)
	s := new(big.Int).SetBytes(sig[32:64])
	s.Sub(crypto.S256().Params().N, s)
	s.FillBytes(out[32:64])
	out[64] ^= 1
	return out
}

func TestEthereumRules(t *testing.T) {
	other, _ := crypto.HexToECDSA(ethOtherHex)
	tests := []struct {
		name    string
		edit    func(f *fixture, m *Message) // change the message before signing
		sign    func(f *fixture, text string) string
		binding string // flow the proof is checked against; "" means the issuing flow
		wantErr error
	}{
		{name: "valid v=0/1"},
		{name: "valid v=27/28", sign: func(f *fixture, text string) string {
			sig := ethSign(f.t, f.eth, text)
			sig[64] += 27
			return hexutil.Encode(sig)
		}},
		{name: "allowed second chain", edit: func(_ *fixture, m *Message) { m.ChainID = "8453" }},
		{name: "no statement, no expiration", edit: func(_ *fixture, m *Message) { m.Statement, m.ExpirationTime = "", time.Time{} }},
		{name: "wrong domain", edit: func(_ *fixture, m *Message) { m.Domain = "evil.example.com" }, wantErr: ErrDomain},
		{name: "domain with other port", edit: func(_ *fixture, m *Message) { m.Domain = "id.example.com:8443" }, wantErr: ErrDomain},
		{name: "wrong uri", edit: func(_ *fixture, m *Message) { m.URI = "https://evil.example.com" }, wantErr: ErrDomain},
		{name: "wrong chain", edit: func(_ *fixture, m *Message) { m.ChainID = "137" }, wantErr: ErrChain},
		{name: "chain id with leading zero", edit: func(_ *fixture, m *Message) { m.ChainID = "01" }, wantErr: ErrChain},
		{name: "chain id with sign", edit: func(_ *fixture, m *Message) { m.ChainID = "+1" }, wantErr: ErrChain},
		{name: "bad version", edit: func(_ *fixture, m *Message) { m.Version = "2" }, wantErr: ErrVersion},
		{name: "expired", edit: func(f *fixture, m *Message) { m.ExpirationTime = f.now.Add(-time.Second) }, wantErr: ErrExpired},
		{name: "not yet valid", edit: func(f *fixture, m *Message) { m.NotBefore = f.now.Add(time.Hour) }, wantErr: ErrExpired},
		{name: "issued in the future", edit: func(f *fixture, m *Message) { m.IssuedAt = f.now.Add(time.Hour) }, wantErr: ErrExpired},
		{name: "issued too long ago", edit: func(f *fixture, m *Message) { m.IssuedAt = f.now.Add(-NonceLifetime) }, wantErr: ErrExpired},
		{name: "unknown nonce", edit: func(_ *fixture, m *Message) { m.Nonce = strings.Repeat("ab", 32) }, wantErr: ErrNonce},
		{name: "another flow's nonce", binding: "flow:other", wantErr: ErrNonce},
		{name: "lower-case address", edit: func(_ *fixture, m *Message) { m.Address = strings.ToLower(m.Address) }, wantErr: ErrMalformed},
		{name: "wrong signer", sign: func(f *fixture, text string) string { return hexutil.Encode(ethSign(f.t, other, text)) }, wantErr: ErrBadSignature},
		{name: "tampered message", sign: func(f *fixture, text string) string {
			return hexutil.Encode(ethSign(f.t, f.eth, strings.Replace(text, "Sign in", "Sign on", 1)))
		}, wantErr: ErrBadSignature},
		{name: "malformed signature: short", sign: func(*fixture, string) string { return "0x1234" }, wantErr: ErrBadSignature},
		{name: "malformed signature: not hex", sign: func(*fixture, string) string { return "0x" + strings.Repeat("zz", 65) }, wantErr: ErrBadSignature},
		{name: "malformed signature: bad v", sign: func(f *fixture, text string) string {
			sig := ethSign(f.t, f.eth, text)
			sig[64] = 5
			return hexutil.Encode(sig)
		}, wantErr: ErrBadSignature},
		{name: "high s", sign: func(f *fixture, text string) string { return hexutil.Encode(highS(ethSign(f.t, f.eth, text))) }, wantErr: ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			m := f.message(Ethereum, "flow:A")
			if tt.edit != nil {
				tt.edit(f, &m)
			}
			text := m.String()
			sig := hexutil.Encode(ethSign(t, f.eth, text))
			if tt.sign != nil {
				sig = tt.sign(f, text)
			}
			binding := "flow:A"
			if tt.binding != "" {
				binding = tt.binding
			}
			w, err := f.checker.Check(t.Context(), binding, text, sig)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Check = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if want := "eip155:" + m.ChainID + ":" + f.ethAddr; w.AccountID() != want {
				t.Errorf("account = %s, want %s", w.AccountID(), want)
			}
		})
	}
}

func TestNonceSingleUseAndExpiry(t *testing.T) {
	f := newFixture(t)
	m := f.message(Ethereum, "flow:A")
	text := m.String()
	sig := hexutil.Encode(ethSign(t, f.eth, text))
	if _, err := f.checker.Check(t.Context(), "flow:A", text, sig); err != nil {
		t.Fatalf("first use: %v", err)
	}
	if _, err := f.checker.Check(t.Context(), "flow:A", text, sig); !errors.Is(err, ErrNonce) {
		t.Fatalf("reuse = %v, want ErrNonce", err)
	}
	// A refused signature still burns the nonce.
	m = f.message(Ethereum, "flow:A")
	text = m.String()
	if _, err := f.checker.Check(t.Context(), "flow:A", text, "0x00"); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("bad signature = %v", err)
	}
	if _, err := f.checker.Check(t.Context(), "flow:A", text, hexutil.Encode(ethSign(t, f.eth, text))); !errors.Is(err, ErrNonce) {
		t.Fatalf("after refusal = %v, want ErrNonce", err)
	}
	// Past 15 minutes the nonce is gone.
	m = f.message(Ethereum, "flow:A")
	m.ExpirationTime = time.Time{}
	text = m.String()
	f.now = f.now.Add(NonceLifetime)
	if _, err := f.checker.Check(t.Context(), "flow:A", text, hexutil.Encode(ethSign(t, f.eth, text))); !errors.Is(err, ErrNonce) {
		t.Fatalf("expired nonce = %v, want ErrNonce", err)
	}
}

func TestSolanaRules(t *testing.T) {
	otherKey := ed25519.NewKeyFromSeed([]byte("another-solana-test-seed-32bytes"))
	b58 := func(sig []byte) string { return solana.SignatureFromBytes(sig).String() }
	tests := []struct {
		name    string
		edit    func(m *Message)
		sign    func(f *fixture, text string) string
		wantErr error
	}{
		{name: "valid base64"},
		{name: "valid base58", sign: func(f *fixture, text string) string { return b58(ed25519.Sign(f.sol, []byte(text))) }},
		{name: "valid base64url", sign: func(f *fixture, text string) string {
			return base64.RawURLEncoding.EncodeToString(ed25519.Sign(f.sol, []byte(text)))
		}},
		{name: "wrong cluster", edit: func(m *Message) { m.ChainID = "devnet" }, wantErr: ErrChain},
		{name: "unknown cluster", edit: func(m *Message) { m.ChainID = "1" }, wantErr: ErrChain},
		{name: "wrong domain", edit: func(m *Message) { m.Domain = "evil.example.com" }, wantErr: ErrDomain},
		{name: "bad address", edit: func(m *Message) { m.Address = "0OIl" }, wantErr: ErrMalformed},
		{name: "wrong signer", sign: func(_ *fixture, text string) string { return b58(ed25519.Sign(otherKey, []byte(text))) }, wantErr: ErrBadSignature},
		{name: "tampered message", sign: func(f *fixture, text string) string {
			return b58(ed25519.Sign(f.sol, []byte(text+" ")))
		}, wantErr: ErrBadSignature},
		{name: "malformed signature", sign: func(*fixture, string) string { return "not-a-signature" }, wantErr: ErrBadSignature},
		{name: "short signature", sign: func(*fixture, string) string { return base64.StdEncoding.EncodeToString(make([]byte, 32)) }, wantErr: ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			m := f.message(Solana, "session:S")
			if tt.edit != nil {
				tt.edit(&m)
			}
			text := m.String()
			sig := base64.StdEncoding.EncodeToString(ed25519.Sign(f.sol, []byte(text)))
			if tt.sign != nil {
				sig = tt.sign(f, text)
			}
			w, err := f.checker.Check(t.Context(), "session:S", text, sig)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Check = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if want := "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:" + f.solAddr; w.AccountID() != want {
				t.Errorf("account = %s, want %s", w.AccountID(), want)
			}
		})
	}
}

// TestHighSRefusedBeforeRecovery pins the reason: the malleable twin is
// refused by the s check itself, not by recovering some other address.
func TestHighSRefusedBeforeRecovery(t *testing.T) {
	f := newFixture(t)
	sig := ethSign(t, f.eth, "hello")
	if _, err := decodeEthSignature(hexutil.Encode(sig)); err != nil {
		t.Fatalf("low s: %v", err)
	}
	_, err := decodeEthSignature(hexutil.Encode(highS(sig)))
	if err == nil || !strings.Contains(err.Error(), "high s") {
		t.Fatalf("high s: err = %v, want the s check to refuse it", err)
	}
}

func TestNormaliseAddresses(t *testing.T) {
	const sum = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed" // EIP-55's own example
	for in, want := range map[string]string{sum: sum, strings.ToLower(sum): sum, "0x" + strings.ToUpper(sum[2:]): sum} {
		if got, err := NormaliseEthereumAddress(in); err != nil || got != want {
			t.Errorf("NormaliseEthereumAddress(%s) = %s, %v", in, got, err)
		}
	}
	for _, bad := range []string{"0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x5aAeb605", "0xZZ"} {
		if _, err := NormaliseEthereumAddress(bad); err == nil {
			t.Errorf("NormaliseEthereumAddress(%s) accepted", bad)
		}
	}
	f := newFixture(t)
	if got, err := NormaliseSolanaAddress(f.solAddr); err != nil || got != f.solAddr {
		t.Errorf("NormaliseSolanaAddress = %s, %v", got, err)
	}
	for _, bad := range []string{"", "0OIl", "abc", f.solAddr + "1"} {
		if _, err := NormaliseSolanaAddress(bad); err == nil {
			t.Errorf("NormaliseSolanaAddress(%q) accepted", bad)
		}
	}
}

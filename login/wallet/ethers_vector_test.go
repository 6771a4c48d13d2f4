package wallet

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// ethersVector was produced by a real wallet library, not by this package:
// ethers 6.17.0 (npm) in a one-off node script,
//
//	const w = Wallet.createRandom();
//	const sig = await w.signMessage(msg); // EIP-191 personal_sign
//
// with msg the lines below joined by "\n". The key was thrown away; only
// the address, the message and the signature are kept.
var ethersVector = struct{ address, message, signature string }{
	address: "0xe37011817a8f581760845eF9347AD2fAc7BDad00",
	message: strings.Join([]string{
		"id.example.com wants you to sign in with your Ethereum account:",
		"0xe37011817a8f581760845eF9347AD2fAc7BDad00",
		"",
		"Sign in with this wallet.",
		"",
		"URI: https://id.example.com",
		"Version: 1",
		"Chain ID: 1",
		"Nonce: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		"Issued At: 2026-11-24T12:00:00.000Z",
		"Expiration Time: 2026-11-24T12:15:00.000Z",
	}, "\n"),
	signature: "0x2838eba97834792df769f33a2da4289237008219e92cfa01e1c684f239b6de1a" +
		"0e9a9331af8a966979cea950f46157aca312f4a0d48c5977fc8699fdd1c11d8c1b",
}

func TestEthersVector(t *testing.T) {
	at := func(ts string) *Verifier {
		now, _ := time.Parse(time.RFC3339, ts)
		return &Verifier{Issuer: testIssuer, Lifetime: NonceLifetime, Now: func() time.Time { return now }}
	}
	m, err := ParseMessage(ethersVector.message)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	w, err := at("2026-11-24T12:05:00Z").Verify(m, ethersVector.message, ethersVector.signature)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if w.AccountID() != "eip155:1:"+ethersVector.address {
		t.Errorf("account = %s", w.AccountID())
	}
	if _, err := at("2026-11-24T12:15:00Z").Verify(m, ethersVector.message, ethersVector.signature); !errors.Is(err, ErrExpired) {
		t.Errorf("at expiration: %v, want ErrExpired", err)
	}
	tampered := strings.Replace(ethersVector.message, "Chain ID: 1", "Chain ID: 01", 1)
	if tm, err := ParseMessage(tampered); err == nil {
		if _, err := at("2026-11-24T12:05:00Z").Verify(tm, tampered, ethersVector.signature); err == nil {
			t.Error("tampered message accepted")
		}
	}
}

func TestParseMessage(t *testing.T) {
	full := Message{
		Chain: Ethereum, Domain: "id.example.com", Address: "0xe37011817a8f581760845eF9347AD2fAc7BDad00",
		Statement: "Hello.", URI: "https://id.example.com", Version: "1", ChainID: "1", Nonce: "abcdefgh12",
		IssuedAt:       time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC),
		ExpirationTime: time.Date(2026, 1, 2, 4, 4, 5, 0, time.UTC),
		NotBefore:      time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC),
		RequestID:      "req-1", Resources: []string{"https://a.example/1", "ipfs://b"},
	}
	for _, m := range []Message{full, {Chain: Solana, Domain: "localhost:8080", Address: "abc", URI: "http://localhost:8080",
		Version: "1", ChainID: "mainnet", Nonce: "12345678", IssuedAt: full.IssuedAt}} {
		got, err := ParseMessage(m.String())
		if err != nil {
			t.Fatalf("parse %q: %v", m.String(), err)
		}
		if got.String() != m.String() {
			t.Errorf("round trip:\n%s\n---\n%s", got.String(), m.String())
		}
	}
	bad := map[string]string{
		"empty":            "",
		"scheme in domain": strings.Replace(full.String(), "id.example.com wants", "https://id.example.com wants", 1),
		"other chain":      strings.Replace(full.String(), "Ethereum account", "Bitcoin account", 1),
		"missing nonce":    strings.Replace(full.String(), "Nonce: abcdefgh12\n", "", 1),
		"short nonce":      strings.Replace(full.String(), "abcdefgh12", "abc", 1),
		"symbol in nonce":  strings.Replace(full.String(), "abcdefgh12", "abcdefgh-12", 1),
		"bad time":         strings.Replace(full.String(), "Issued At: 2026-01-02T03:04:05.006Z", "Issued At: yesterday", 1),
		"trailing newline": full.String() + "\n",
		"extra line":       full.String() + "\nHello",
		"reordered":        strings.Replace(full.String(), "Version: 1\nChain ID: 1", "Chain ID: 1\nVersion: 1", 1),
		"two statements":   strings.Replace(full.String(), "Hello.\n", "Hello.\nAgain.\n", 1),
	}
	for name, text := range bad {
		if _, err := ParseMessage(text); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

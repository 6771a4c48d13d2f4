package wallet

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/admit-idp/admit/storage"
)

// Reasons a proof is refused. Each maps to one message on the page and one
// failure reason in metrics (see reason).
var (
	ErrDomain  = errors.New("wallet: message is for another site")
	ErrChain   = errors.New("wallet: chain not allowed")
	ErrExpired = errors.New("wallet: message expired or not yet valid")
	ErrNonce   = errors.New("wallet: nonce unknown, used, expired or issued to another sign-in")
	ErrVersion = errors.New("wallet: unsupported message version")
)

// CAIP-2 namespaces.
const (
	NamespaceEIP155 = "eip155"
	NamespaceSolana = "solana"
)

// Verifier checks sign-in messages against Admit's own identity and clock.
// It does not look at the nonce store: Method consumes the nonce and passes
// what it issued.
type Verifier struct {
	// Issuer is Admit's issuer URL: the message's URI must equal it and its
	// domain must equal the issuer's host (authority, with any port).
	Issuer string
	// ChainIDs are the EIP-155 chain ids accepted (default: 1, mainnet).
	ChainIDs []int64
	// SolanaClusters are the SIWS chain ids accepted (default: "mainnet").
	SolanaClusters []string
	// Lifetime bounds a message's age from its Issued At (the nonce lifetime).
	Lifetime time.Duration
	Now      func() time.Time
}

// chainIDRE is EIP-155's decimal chain id, without sign or leading zeros.
var chainIDRE = regexp.MustCompile(`^[1-9][0-9]*$`)

// clockSkew tolerates a browser clock slightly ahead of the server's.
const clockSkew = time.Minute

// Verify checks the message m parsed from raw, then the signature of raw
// itself: the fields checked are read from exactly the bytes signed (the
// parser is strict, so no other reading of raw exists). It returns the
// normalised wallet (without UserID). The nonce is the caller's to consume
// and check before (Checker.Check).
func (v *Verifier) Verify(m Message, raw, signature string) (storage.Wallet, error) {
	if err := v.checkFields(m); err != nil {
		return storage.Wallet{}, err
	}
	if err := v.checkTimes(m); err != nil {
		return storage.Wallet{}, err
	}
	w, err := v.wallet(m)
	if err != nil {
		return storage.Wallet{}, err
	}
	text := []byte(raw)
	if m.Chain == Ethereum {
		err = verifyEthereum(text, signature, w.Address)
	} else {
		err = verifySolana(text, signature, w.Address)
	}
	return w, err
}

// domain is the issuer's authority (host and any port), as EIP-4361's
// domain field and the browser's location.host.
func (v *Verifier) domain() string {
	u, err := url.Parse(v.Issuer)
	if err != nil {
		return ""
	}
	return u.Host
}

func (v *Verifier) checkFields(m Message) error {
	if d := v.domain(); d == "" || m.Domain != d || m.URI != v.Issuer {
		return fmt.Errorf("%w: domain %q, uri %q", ErrDomain, m.Domain, m.URI)
	}
	if m.Version != "1" {
		return fmt.Errorf("%w: %q", ErrVersion, m.Version)
	}
	return nil
}

func (v *Verifier) checkTimes(m Message) error {
	now := v.Now()
	switch {
	case m.IssuedAt.After(now.Add(clockSkew)):
		return fmt.Errorf("%w: issued in the future", ErrExpired)
	case now.Sub(m.IssuedAt) >= v.Lifetime:
		return fmt.Errorf("%w: issued too long ago", ErrExpired)
	case !m.ExpirationTime.IsZero() && !now.Before(m.ExpirationTime):
		return fmt.Errorf("%w: past its expiration time", ErrExpired)
	case !m.NotBefore.IsZero() && now.Add(clockSkew).Before(m.NotBefore):
		return fmt.Errorf("%w: before its not-before time", ErrExpired)
	}
	return nil
}

// wallet normalises the message's address and chain into a Wallet. The
// address must already be in normal form (EIP-4361 requires EIP-55), so the
// signed text and the stored address agree byte for byte.
func (v *Verifier) wallet(m Message) (storage.Wallet, error) {
	if m.Chain == Ethereum {
		return v.ethereumWallet(m)
	}
	addr, err := NormaliseSolanaAddress(m.Address)
	if err != nil {
		return storage.Wallet{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	ref, ok := solanaClusters[m.ChainID]
	if !ok || !slices.Contains(v.solanaClusters(), m.ChainID) {
		return storage.Wallet{}, fmt.Errorf("%w: solana %q", ErrChain, m.ChainID)
	}
	return storage.Wallet{Namespace: NamespaceSolana, Address: addr, ChainRef: ref}, nil
}

func (v *Verifier) ethereumWallet(m Message) (storage.Wallet, error) {
	addr, err := NormaliseEthereumAddress(m.Address)
	if err != nil || addr != m.Address {
		return storage.Wallet{}, fmt.Errorf("%w: address %q is not in EIP-55 checksum form", ErrMalformed, m.Address)
	}
	id, err := strconv.ParseInt(m.ChainID, 10, 64)
	if err != nil || !chainIDRE.MatchString(m.ChainID) || !slices.Contains(v.chainIDs(), id) {
		return storage.Wallet{}, fmt.Errorf("%w: eip155 %q", ErrChain, m.ChainID)
	}
	return storage.Wallet{Namespace: NamespaceEIP155, Address: addr, ChainRef: strconv.FormatInt(id, 10)}, nil
}

func (v *Verifier) chainIDs() []int64 {
	if len(v.ChainIDs) == 0 {
		return []int64{1}
	}
	return v.ChainIDs
}

func (v *Verifier) solanaClusters() []string {
	if len(v.SolanaClusters) == 0 {
		return []string{"mainnet"}
	}
	return v.SolanaClusters
}

package wallet

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/admit-idp/admit/storage"
)

// NonceLifetime is how long an issued nonce can be used: the old wallet
// service's 15 minutes.
const NonceLifetime = 15 * time.Minute

// Nonces issues and consumes sign-in nonces: 32 random bytes (hex, so the
// EIP-4361 "alphanumeric, at least 8" rule holds), stored by their SHA-256,
// single use and bound to one login flow or session.
type Nonces struct {
	Store storage.WalletNonces
	Now   func() time.Time
}

// Issue returns a fresh nonce bound to binding and its record.
func (n Nonces) Issue(ctx context.Context, binding string) (string, storage.WalletNonce, error) {
	var raw [32]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails (it crashes instead)
	nonce := hex.EncodeToString(raw[:])
	now := n.Now()
	rec := storage.WalletNonce{Hash: hashNonce(nonce), Binding: binding, IssuedAt: now, ExpiresAt: now.Add(NonceLifetime)}
	if err := n.Store.PutWalletNonce(ctx, rec); err != nil {
		return "", storage.WalletNonce{}, err
	}
	return nonce, rec, nil
}

// Consume spends the nonce (whatever happens next: a failed signature burns
// it too) and checks it was issued to binding. ErrNonce for unknown, used,
// expired or foreign nonces; other errors are backend failures.
func (n Nonces) Consume(ctx context.Context, nonce, binding string) (storage.WalletNonce, error) {
	rec, err := n.Store.ConsumeWalletNonce(ctx, hashNonce(nonce))
	if errors.Is(err, storage.ErrNotFound) {
		return rec, ErrNonce
	}
	if err != nil {
		return rec, err
	}
	if subtle.ConstantTimeCompare([]byte(rec.Binding), []byte(binding)) != 1 {
		return rec, fmt.Errorf("%w: issued to another sign-in", ErrNonce)
	}
	return rec, nil
}

func hashNonce(nonce string) string {
	sum := sha256.Sum256([]byte(nonce))
	return hex.EncodeToString(sum[:])
}

// Limiter decides whether a caller may go on. A shared limiter will replace
// FixedWindow; handlers only see this interface.
type Limiter interface {
	Allow(ctx context.Context, key string) (bool, error)
}

// FixedWindow allows Limit hits per Window and key, counted in the ephemeral
// store so every node shares the count.
type FixedWindow struct {
	Counter interface {
		HitCounter(ctx context.Context, key string, window time.Duration) (int64, error)
	}
	Limit  int64
	Window time.Duration
}

// Allow counts the hit and reports whether it is within the limit.
func (f FixedWindow) Allow(ctx context.Context, key string) (bool, error) {
	n, err := f.Counter.HitCounter(ctx, key, f.Window)
	if err != nil {
		return false, err
	}
	return n <= f.Limit, nil
}

package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/admit-idp/admit/storage"
)

// walletKey is a wallet's identity: unique across users.
type walletKey struct{ namespace, address string }

// keyOf folds the case of an Ethereum address: hex is case-insensitive and
// EIP-55 only adds a checksum in the case, so every spelling is one wallet.
// Solana's base58 is case-sensitive and kept exact.
func keyOf(namespace, address string) walletKey {
	if namespace == "eip155" {
		address = strings.ToLower(address)
	}
	return walletKey{namespace, address}
}

// walletMaps creates the wallet maps on first use, so that Store's
// constructor needs no knowledge of this aggregate. Callers hold s.mu.
func (s *Store) walletMapsLocked() {
	if s.wallets == nil {
		s.wallets = make(map[walletKey]storage.Wallet)
		s.walletNonces = make(map[string]storage.WalletNonce)
		s.counters = make(map[string]counter)
	}
}

// CreateUserWithWallet implements storage.Wallets: both records or neither.
func (s *Store) CreateUserWithWallet(ctx context.Context, u storage.User, w storage.Wallet) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.walletMapsLocked()
	if _, ok := s.wallets[keyOf(w.Namespace, w.Address)]; ok {
		return fmt.Errorf("memory: link wallet %s: %w", w.AccountID(), storage.ErrAlreadyExists)
	}
	if err := s.createUserLocked(u); err != nil {
		return err
	}
	w.UserID = u.ID
	s.wallets[keyOf(w.Namespace, w.Address)] = w
	s.announceLocked(ctx)
	return nil
}

// LinkWallet implements storage.Wallets.
func (s *Store) LinkWallet(_ context.Context, w storage.Wallet) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.walletMapsLocked()
	if _, ok := s.users[w.UserID]; !ok {
		return fmt.Errorf("memory: link wallet: user %s: %w", w.UserID, storage.ErrNotFound)
	}
	key := keyOf(w.Namespace, w.Address)
	if _, ok := s.wallets[key]; ok {
		return fmt.Errorf("memory: link wallet %s: %w", w.AccountID(), storage.ErrAlreadyExists)
	}
	s.wallets[key] = w
	return nil
}

// GetWallet implements storage.Wallets.
func (s *Store) GetWallet(_ context.Context, namespace, address string) (storage.Wallet, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.walletMapsLocked()
	w, ok := s.wallets[keyOf(namespace, address)]
	if !ok {
		return storage.Wallet{}, fmt.Errorf("memory: get wallet %s:%s: %w", namespace, address, storage.ErrNotFound)
	}
	return w, nil
}

// ListUserWallets implements storage.Wallets.
func (s *Store) ListUserWallets(_ context.Context, userID string) ([]storage.Wallet, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.walletMapsLocked()
	var out []storage.Wallet
	for _, w := range s.wallets {
		if w.UserID == userID {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b storage.Wallet) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.AccountID(), b.AccountID()))
	})
	return out, nil
}

// UnlinkWallet implements storage.Wallets.
func (s *Store) UnlinkWallet(_ context.Context, userID, namespace, address string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.walletMapsLocked()
	key := keyOf(namespace, address)
	if w, ok := s.wallets[key]; !ok || w.UserID != userID {
		return fmt.Errorf("memory: unlink wallet %s:%s: %w", namespace, address, storage.ErrNotFound)
	}
	delete(s.wallets, key)
	return nil
}

// counter is one fixed window of a rate-limit counter.
type counter struct {
	window time.Time
	count  int64
	end    time.Time
}

// PutWalletNonce implements storage.WalletNonces.
func (s *Store) PutWalletNonce(_ context.Context, n storage.WalletNonce) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.walletMapsLocked()
	now := s.now()
	deleteExpired(s.walletNonces, now, func(n storage.WalletNonce) time.Time { return n.ExpiresAt })
	deleteExpired(s.counters, now, func(c counter) time.Time { return c.end })
	if _, ok := s.walletNonces[n.Hash]; ok {
		return fmt.Errorf("memory: put wallet nonce: %w", storage.ErrAlreadyExists)
	}
	s.walletNonces[n.Hash] = n
	return nil
}

// ConsumeWalletNonce implements storage.WalletNonces.
func (s *Store) ConsumeWalletNonce(_ context.Context, hash string) (storage.WalletNonce, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.walletMapsLocked()
	n, ok := s.walletNonces[hash]
	delete(s.walletNonces, hash)
	if !ok || expired(s.now(), n.ExpiresAt) {
		return storage.WalletNonce{}, fmt.Errorf("memory: consume wallet nonce: %w", storage.ErrNotFound)
	}
	return n, nil
}

// HitCounter implements storage.WalletNonces with a fixed window aligned to
// multiples of window since the Unix epoch.
func (s *Store) HitCounter(_ context.Context, key string, window time.Duration) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.walletMapsLocked()
	start := s.now().Truncate(window)
	c := s.counters[key]
	if !c.window.Equal(start) {
		c = counter{window: start, end: start.Add(window)}
	}
	c.count++
	s.counters[key] = c
	return c.count, nil
}

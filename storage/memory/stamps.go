package memory

import (
	"context"
	"crypto/rand"
)

// Restamp implements storage.Stamps: each key gets a new random stamp.
func (s *Store) Restamp(_ context.Context, keys ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stamps == nil {
		s.stamps = map[string]string{}
	}
	for _, k := range keys {
		s.stamps[k] = rand.Text()
	}
	return nil
}

// CheckRevokedStamped implements storage.Stamps. A key never stamped has
// the empty stamp: a memory store never loses its stamps while it lives.
func (s *Store) CheckRevokedStamped(ctx context.Context, revocationKeys, stampKeys []string) (bool, []string, error) {
	revoked, err := s.IsRevoked(ctx, revocationKeys...)
	if err != nil {
		return false, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(stampKeys))
	for i, k := range stampKeys {
		out[i] = s.stamps[k]
	}
	return revoked, out, nil
}

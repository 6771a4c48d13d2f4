package memory

import (
	"context"
	"time"
)

// Revoke puts key on the deny-list until the given time. A second revocation
// of the same key can only extend the entry: shortening it would un-revoke
// tokens the first one covered.
func (s *Store) Revoke(_ context.Context, key string, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maybeSweepLocked(s.now())
	if until.After(s.revoked[key]) {
		s.revoked[key] = until
	}
	return nil
}

// IsRevoked reports whether any key is on the deny-list now.
func (s *Store) IsRevoked(_ context.Context, keys ...string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, key := range keys {
		if until, ok := s.revoked[key]; ok && !expired(now, until) {
			return true, nil
		}
	}
	return false, nil
}

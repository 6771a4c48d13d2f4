package memory

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/admit-idp/admit/storage"
)

// CreateRefreshToken stores t under its unique hash.
func (s *Store) CreateRefreshToken(_ context.Context, t storage.RefreshToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.refresh[t.Hash]; ok {
		return fmt.Errorf("memory: create refresh token: %w", storage.ErrAlreadyExists)
	}
	s.refresh[t.Hash] = cloneRefresh(t)
	return nil
}

// GetRefreshToken returns the token in whatever state it is. Tokens are never
// swept: an expired or rotated token must stay recognisable as replay.
func (s *Store) GetRefreshToken(_ context.Context, hash string) (storage.RefreshToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.refresh[hash]
	if !ok {
		return storage.RefreshToken{}, fmt.Errorf("memory: get refresh token: %w", storage.ErrNotFound)
	}
	return cloneRefresh(t), nil
}

// RotateRefreshToken marks the old token rotated and stores next. Holding the
// lock across check and write is what makes exactly one racer win.
func (s *Store) RotateRefreshToken(_ context.Context, oldHash string, next storage.RefreshToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.refresh[oldHash]
	switch {
	case !ok:
		return fmt.Errorf("memory: rotate refresh token: %w", storage.ErrNotFound)
	case !old.RotatedAt.IsZero() || !old.RevokedAt.IsZero():
		return fmt.Errorf("memory: rotate refresh token: %w", storage.ErrAlreadyUsed)
	}
	if _, taken := s.refresh[next.Hash]; taken {
		return fmt.Errorf("memory: rotate refresh token: successor: %w", storage.ErrAlreadyExists)
	}
	old.RotatedAt = next.CreatedAt
	s.refresh[oldHash] = old
	s.refresh[next.Hash] = cloneRefresh(next)
	s.replacedBy[oldHash] = next.Hash
	return nil
}

// ReuseRefreshToken implements storage.RefreshTokens under the same lock.
func (s *Store) ReuseRefreshToken(_ context.Context, oldHash string, rotatedSince time.Time, next storage.RefreshToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.refresh[oldHash]
	if !ok {
		return fmt.Errorf("memory: reuse refresh token: %w", storage.ErrNotFound)
	}
	succ, hasSucc := s.refresh[s.replacedBy[oldHash]]
	switch {
	case !old.RevokedAt.IsZero(), old.RotatedAt.IsZero(), old.RotatedAt.Before(rotatedSince),
		!hasSucc, !succ.RotatedAt.IsZero(), !succ.RevokedAt.IsZero():
		return fmt.Errorf("memory: reuse refresh token: %w", storage.ErrAlreadyUsed)
	}
	if _, taken := s.refresh[next.Hash]; taken {
		return fmt.Errorf("memory: reuse refresh token: successor: %w", storage.ErrAlreadyExists)
	}
	succ.RotatedAt = next.CreatedAt
	s.refresh[succ.Hash] = succ
	// succ was never delivered: it gets no successor of its own, so if it
	// is presented later, as a retry, it has nothing to supersede and is
	// replay (the caller revokes the family).
	delete(s.replacedBy, succ.Hash)
	s.replacedBy[oldHash] = next.Hash
	s.refresh[next.Hash] = cloneRefresh(next)
	return nil
}

// RevokeRefreshFamily revokes every link of the family.
func (s *Store) RevokeRefreshFamily(_ context.Context, familyID string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revokeWhereLocked(at, func(t storage.RefreshToken) bool { return t.FamilyID == familyID })
	return nil
}

// RevokeRefreshTokens revokes the user's tokens (at one client if clientID is
// set) and returns the families they belong to, sorted.
func (s *Store) RevokeRefreshTokens(_ context.Context, userID, clientID string, at time.Time) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	families := s.revokeWhereLocked(at, func(t storage.RefreshToken) bool {
		return t.UserID == userID && (clientID == "" || t.ClientID == clientID)
	})
	return families, nil
}

// RevokeSessionRefreshTokens implements storage.RefreshTokens.
func (s *Store) RevokeSessionRefreshTokens(_ context.Context, userID, sessionID string, at time.Time) ([]string, error) {
	if userID == "" || sessionID == "" {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.revokeWhereLocked(at, func(t storage.RefreshToken) bool {
		return t.UserID == userID && t.SessionID == sessionID
	}), nil
}

// revokeWhereLocked sets RevokedAt on every matching token not revoked yet
// (keeping the first revocation time makes repeated calls idempotent) and
// returns the distinct, sorted family IDs of all matches.
func (s *Store) revokeWhereLocked(at time.Time, match func(storage.RefreshToken) bool) []string {
	var families []string
	for hash, t := range s.refresh {
		if !match(t) {
			continue
		}
		families = append(families, t.FamilyID)
		if t.RevokedAt.IsZero() {
			t.RevokedAt = at
			s.refresh[hash] = t
		}
	}
	slices.Sort(families)
	return slices.Compact(families)
}

func cloneRefresh(t storage.RefreshToken) storage.RefreshToken {
	t.Scopes = slices.Clone(t.Scopes)
	t.Resources = slices.Clone(t.Resources)
	t.AMR = slices.Clone(t.AMR)
	return t
}

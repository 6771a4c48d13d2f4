package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/admit-idp/admit/storage"
)

// identityKey is the upstream account: unique across users.
type identityKey struct{ provider, subject string }

// CreateIdentity implements storage.Identities.
func (s *Store) CreateIdentity(_ context.Context, id storage.Identity) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := identityKey{id.ProviderID, id.Subject}
	if _, ok := s.identities[key]; ok {
		return fmt.Errorf("memory: create identity %s/%s: %w", id.ProviderID, id.Subject, storage.ErrAlreadyExists)
	}
	s.identities[key] = id
	return nil
}

// GetIdentity implements storage.Identities.
func (s *Store) GetIdentity(_ context.Context, providerID, subject string) (storage.Identity, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.identities[identityKey{providerID, subject}]
	if !ok {
		return storage.Identity{}, fmt.Errorf("memory: get identity %s/%s: %w", providerID, subject, storage.ErrNotFound)
	}
	return id, nil
}

// ListUserIdentities implements storage.Identities.
func (s *Store) ListUserIdentities(_ context.Context, userID string) ([]storage.Identity, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []storage.Identity
	for _, id := range s.identities {
		if id.UserID == userID {
			out = append(out, id)
		}
	}
	slices.SortFunc(out, func(a, b storage.Identity) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ProviderID, b.ProviderID), cmp.Compare(a.Subject, b.Subject))
	})
	return out, nil
}

// TouchIdentity implements storage.Identities.
func (s *Store) TouchIdentity(_ context.Context, providerID, subject, email string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := identityKey{providerID, subject}
	id, ok := s.identities[key]
	if !ok {
		return fmt.Errorf("memory: touch identity %s/%s: %w", providerID, subject, storage.ErrNotFound)
	}
	id.Email, id.LastUsedAt = email, at
	s.identities[key] = id
	return nil
}

// DeleteIdentity implements storage.Identities.
func (s *Store) DeleteIdentity(_ context.Context, userID, providerID, subject string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := identityKey{providerID, subject}
	if id, ok := s.identities[key]; !ok || id.UserID != userID {
		return fmt.Errorf("memory: delete identity %s/%s: %w", providerID, subject, storage.ErrNotFound)
	}
	delete(s.identities, key)
	return nil
}

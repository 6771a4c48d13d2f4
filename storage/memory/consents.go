package memory

import (
	"context"
	"fmt"
	"slices"

	"github.com/admit-idp/admit/storage"
)

// consentKey identifies a consent: one per user and client.
type consentKey struct{ userID, clientID string }

// GetConsent returns the user's consent to the client.
func (s *Store) GetConsent(_ context.Context, userID, clientID string) (storage.Consent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.consents[consentKey{userID, clientID}]
	if !ok {
		return storage.Consent{}, fmt.Errorf("memory: get consent of %s to %s: %w", userID, clientID, storage.ErrNotFound)
	}
	return cloneConsent(c), nil
}

// SaveConsent inserts or replaces the consent of (UserID, ClientID).
func (s *Store) SaveConsent(_ context.Context, c storage.Consent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.consents[consentKey{c.UserID, c.ClientID}] = cloneConsent(c)
	return nil
}

// DeleteConsent removes the consent; ErrNotFound if there is none.
func (s *Store) DeleteConsent(_ context.Context, userID, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := consentKey{userID, clientID}
	if _, ok := s.consents[key]; !ok {
		return fmt.Errorf("memory: delete consent of %s to %s: %w", userID, clientID, storage.ErrNotFound)
	}
	delete(s.consents, key)
	return nil
}

func cloneConsent(c storage.Consent) storage.Consent {
	c.Scopes = slices.Clone(c.Scopes)
	return c
}

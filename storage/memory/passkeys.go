package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/admit-idp/admit/storage"
)

// passkeyMapsLocked creates the passkey maps on first use, so that Store's
// constructor needs no knowledge of this aggregate. Callers hold s.mu.
func (s *Store) passkeyMapsLocked() {
	if s.passkeys == nil {
		s.passkeys = make(map[string]storage.Passkey)
		s.passkeyHandles = make(map[string][]byte)
		s.passkeyChallenges = make(map[string]storage.PasskeyChallenge)
	}
}

func clonePasskey(p storage.Passkey) storage.Passkey {
	p.ID, p.PublicKey, p.AAGUID = slices.Clone(p.ID), slices.Clone(p.PublicKey), slices.Clone(p.AAGUID)
	p.Transports = slices.Clone(p.Transports)
	return p
}

// CreatePasskey implements storage.Passkeys.
func (s *Store) CreatePasskey(ctx context.Context, p storage.Passkey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.passkeyMapsLocked()
	if _, ok := s.users[p.UserID]; !ok {
		return fmt.Errorf("memory: create passkey: user %s: %w", p.UserID, storage.ErrNotFound)
	}
	if _, ok := s.passkeys[string(p.ID)]; ok {
		return fmt.Errorf("memory: create passkey: %w", storage.ErrAlreadyExists)
	}
	s.passkeys[string(p.ID)] = clonePasskey(p)
	s.announceLocked(ctx)
	return nil
}

// GetPasskey implements storage.Passkeys.
func (s *Store) GetPasskey(_ context.Context, id []byte) (storage.Passkey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.passkeyMapsLocked()
	p, ok := s.passkeys[string(id)]
	if !ok {
		return storage.Passkey{}, fmt.Errorf("memory: get passkey: %w", storage.ErrNotFound)
	}
	return clonePasskey(p), nil
}

// ListUserPasskeys implements storage.Passkeys.
func (s *Store) ListUserPasskeys(_ context.Context, userID string) ([]storage.Passkey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.passkeyMapsLocked()
	var out []storage.Passkey
	for _, p := range s.passkeys {
		if p.UserID == userID {
			out = append(out, clonePasskey(p))
		}
	}
	slices.SortFunc(out, func(a, b storage.Passkey) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), slices.Compare(a.ID, b.ID))
	})
	return out, nil
}

// RecordPasskeyUse implements storage.Passkeys.
func (s *Store) RecordPasskeyUse(_ context.Context, id []byte, u storage.PasskeyUse) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.passkeyMapsLocked()
	p, ok := s.passkeys[string(id)]
	if !ok {
		return fmt.Errorf("memory: record passkey use: %w", storage.ErrNotFound)
	}
	p.SignCount, p.BackupState, p.CloneWarning, p.LastUsedAt = u.SignCount, u.BackupState, u.CloneWarning, u.At
	s.passkeys[string(id)] = p
	return nil
}

// ownedPasskeyLocked returns the user's credential or ErrNotFound.
func (s *Store) ownedPasskeyLocked(op, userID string, id []byte) (storage.Passkey, error) {
	s.passkeyMapsLocked()
	p, ok := s.passkeys[string(id)]
	if !ok || p.UserID != userID {
		return storage.Passkey{}, fmt.Errorf("memory: %s: %w", op, storage.ErrNotFound)
	}
	return p, nil
}

// RenamePasskey implements storage.Passkeys.
func (s *Store) RenamePasskey(_ context.Context, userID string, id []byte, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.ownedPasskeyLocked("rename passkey", userID, id)
	if err != nil {
		return err
	}
	p.Name = name
	s.passkeys[string(id)] = p
	return nil
}

// DeletePasskey implements storage.Passkeys.
func (s *Store) DeletePasskey(ctx context.Context, userID string, id []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.ownedPasskeyLocked("delete passkey", userID, id); err != nil {
		return err
	}
	delete(s.passkeys, string(id))
	s.announceLocked(ctx)
	return nil
}

// EnsurePasskeyUserHandle implements storage.Passkeys.
func (s *Store) EnsurePasskeyUserHandle(_ context.Context, userID string, candidate []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.passkeyMapsLocked()
	if _, ok := s.users[userID]; !ok {
		return nil, fmt.Errorf("memory: passkey user handle: user %s: %w", userID, storage.ErrNotFound)
	}
	if h, ok := s.passkeyHandles[userID]; ok {
		return slices.Clone(h), nil
	}
	for _, h := range s.passkeyHandles {
		if slices.Equal(h, candidate) {
			return nil, fmt.Errorf("memory: passkey user handle: %w", storage.ErrAlreadyExists)
		}
	}
	s.passkeyHandles[userID] = slices.Clone(candidate)
	return slices.Clone(candidate), nil
}

// PasskeyUserByHandle implements storage.Passkeys.
func (s *Store) PasskeyUserByHandle(_ context.Context, handle []byte) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.passkeyMapsLocked()
	for userID, h := range s.passkeyHandles {
		if slices.Equal(h, handle) {
			return userID, nil
		}
	}
	return "", fmt.Errorf("memory: passkey user by handle: %w", storage.ErrNotFound)
}

// PutPasskeyChallenge implements storage.PasskeyChallenges.
func (s *Store) PutPasskeyChallenge(_ context.Context, c storage.PasskeyChallenge) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.passkeyMapsLocked()
	deleteExpired(s.passkeyChallenges, s.now(), func(c storage.PasskeyChallenge) time.Time { return c.ExpiresAt })
	c.Data = slices.Clone(c.Data)
	s.passkeyChallenges[c.Key] = c
	return nil
}

// ConsumePasskeyChallenge implements storage.PasskeyChallenges.
func (s *Store) ConsumePasskeyChallenge(_ context.Context, key string) (storage.PasskeyChallenge, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.passkeyMapsLocked()
	c, ok := s.passkeyChallenges[key]
	delete(s.passkeyChallenges, key)
	if !ok || expired(s.now(), c.ExpiresAt) {
		return storage.PasskeyChallenge{}, fmt.Errorf("memory: consume passkey challenge: %w", storage.ErrNotFound)
	}
	return c, nil
}

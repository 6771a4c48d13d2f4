package memory

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/admit-idp/admit/storage"
)

var (
	_ storage.TOTPCredentials = (*Store)(nil)
	_ storage.TOTPEphemeral   = (*Store)(nil)
)

// SaveTOTPCredential inserts or replaces the user's credential.
func (s *Store) SaveTOTPCredential(ctx context.Context, c storage.TOTPCredential) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.totp[c.UserID] = cloneTOTP(c)
	s.announceLocked(ctx)
	return nil
}

// GetTOTPCredential returns the user's credential.
func (s *Store) GetTOTPCredential(_ context.Context, userID string) (storage.TOTPCredential, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.totp[userID]
	if !ok {
		return storage.TOTPCredential{}, fmt.Errorf("memory: get totp %s: %w", userID, storage.ErrNotFound)
	}
	return cloneTOTP(c), nil
}

// ConsumeBackupCode removes one unused backup code under the store's lock.
func (s *Store) ConsumeBackupCode(_ context.Context, userID, hash string, at time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.totp[userID]
	i := slices.Index(c.BackupCodes, hash)
	if !ok || i < 0 {
		return 0, fmt.Errorf("memory: consume backup code: %w", storage.ErrNotFound)
	}
	c.BackupCodes = slices.Delete(slices.Clone(c.BackupCodes), i, i+1)
	c.UpdatedAt = at
	s.totp[userID] = c
	return len(c.BackupCodes), nil
}

// ReplaceBackupCodes swaps the user's backup-code set.
func (s *Store) ReplaceBackupCodes(_ context.Context, userID string, hashes []string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.totp[userID]
	if !ok {
		return fmt.Errorf("memory: replace backup codes: %w", storage.ErrNotFound)
	}
	c.BackupCodes, c.UpdatedAt = slices.Clone(hashes), at
	s.totp[userID] = c
	return nil
}

// DeleteTOTPCredential is idempotent.
func (s *Store) DeleteTOTPCredential(ctx context.Context, userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.totp[userID]; ok {
		delete(s.totp, userID)
		s.announceLocked(ctx)
	}
	return nil
}

// PutPendingTOTP creates or replaces the pending enrolment.
func (s *Store) PutPendingTOTP(_ context.Context, p storage.PendingTOTP) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p.Secret = bytes.Clone(p.Secret)
	s.totpPending[p.UserID] = p
	return nil
}

// GetPendingTOTP returns a live pending enrolment.
func (s *Store) GetPendingTOTP(_ context.Context, userID string) (storage.PendingTOTP, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.totpPending[userID]
	if !ok || expired(s.now(), p.ExpiresAt) {
		delete(s.totpPending, userID)
		return storage.PendingTOTP{}, fmt.Errorf("memory: get pending totp: %w", storage.ErrNotFound)
	}
	p.Secret = bytes.Clone(p.Secret)
	return p, nil
}

// DeletePendingTOTP is idempotent.
func (s *Store) DeletePendingTOTP(_ context.Context, userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.totpPending, userID)
	return nil
}

// MarkTOTPStepUsed records an accepted time step; a live mark is replay.
func (s *Store) MarkTOTPStepUsed(_ context.Context, userID string, step int64, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	deleteExpired(s.totpUsed, now, func(t time.Time) time.Time { return t })
	k := userID + ":" + strconv.FormatInt(step, 10)
	if _, ok := s.totpUsed[k]; ok {
		return fmt.Errorf("memory: totp step: %w", storage.ErrAlreadyUsed)
	}
	s.totpUsed[k] = until
	return nil
}

func cloneTOTP(c storage.TOTPCredential) storage.TOTPCredential {
	c.Secret = bytes.Clone(c.Secret)
	c.BackupCodes = slices.Clone(c.BackupCodes)
	return c
}

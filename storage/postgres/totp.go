package postgres

import (
	"context"
	"time"

	"github.com/admit-idp/admit/storage"
)

var _ storage.TOTPCredentials = (*Store)(nil)

// SaveTOTPCredential implements storage.TOTPCredentials (upsert).
func (s *Store) SaveTOTPCredential(ctx context.Context, c storage.TOTPCredential) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO totp_credentials (user_id, secret, backup_codes, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret,
			backup_codes = EXCLUDED.backup_codes, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at`,
		c.UserID, c.Secret, list(c.BackupCodes), c.CreatedAt, c.UpdatedAt)
	return wrap("save totp credential", err)
}

// GetTOTPCredential implements storage.TOTPCredentials.
func (s *Store) GetTOTPCredential(ctx context.Context, userID string) (storage.TOTPCredential, error) {
	var c storage.TOTPCredential
	err := s.pool.QueryRow(ctx, `SELECT user_id, secret, backup_codes, created_at, updated_at
		FROM totp_credentials WHERE user_id = $1`, userID).
		Scan(&c.UserID, &c.Secret, &c.BackupCodes, utc(&c.CreatedAt), utc(&c.UpdatedAt))
	return c, wrap("get totp credential", err)
}

// ConsumeBackupCode implements storage.TOTPCredentials: one UPDATE whose
// WHERE clause requires the hash to be present, so of two concurrent
// consumers the second sees no row (ErrNotFound).
func (s *Store) ConsumeBackupCode(ctx context.Context, userID, hash string, at time.Time) (int, error) {
	var remaining int
	err := s.pool.QueryRow(ctx, `UPDATE totp_credentials
		SET backup_codes = array_remove(backup_codes, $2), updated_at = $3
		WHERE user_id = $1 AND $2 = ANY(backup_codes)
		RETURNING cardinality(backup_codes)`, userID, hash, at).Scan(&remaining)
	return remaining, wrap("consume backup code", err)
}

// ReplaceBackupCodes implements storage.TOTPCredentials.
func (s *Store) ReplaceBackupCodes(ctx context.Context, userID string, hashes []string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE totp_credentials SET backup_codes = $2, updated_at = $3
		WHERE user_id = $1`, userID, list(hashes), at)
	if err == nil && tag.RowsAffected() == 0 {
		err = errNoSuch("totp credential")
	}
	return wrap("replace backup codes", err)
}

// DeleteTOTPCredential implements storage.TOTPCredentials (idempotent).
func (s *Store) DeleteTOTPCredential(ctx context.Context, userID string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM totp_credentials WHERE user_id = $1`, userID)
	return wrap("delete totp credential", err)
}

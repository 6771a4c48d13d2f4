package storage

import (
	"context"
	"time"
)

// TOTPCredential is a user's confirmed TOTP authenticator and its unused
// backup codes. A user has at most one.
type TOTPCredential struct {
	UserID string
	// Secret is the TOTP secret sealed with the master key (keys.Sealer,
	// additional data = the user ID); the store never sees the plaintext.
	Secret []byte
	// BackupCodes are the hex SHA-256 hashes of the unused backup codes:
	// bare hex for Admit's own (of the normalised code), prefixed with
	// LegacyBackupCodePrefix for codes imported from the old auth-service.
	BackupCodes []string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// LegacyBackupCodePrefix marks a backup-code hash imported from the old
// auth-service: the hex SHA-256 of the code exactly as it showed it,
// "XXXX-XXXX" in upper-case hex (mfa.service.ts). The scheme travels with
// the hash so both kinds can sit in one credential.
const LegacyBackupCodePrefix = "legacy-sha256:"

// TOTPSecretAD is the additional data a TOTP secret is sealed with: it
// binds the sealed secret to its user, so a sealed value copied to another
// user's row does not open.
func TOTPSecretAD(userID string) []byte { return []byte("totp:" + userID) }

// TOTPCredentials is the durable TOTP aggregate.
type TOTPCredentials interface {
	// SaveTOTPCredential inserts or replaces the user's credential.
	SaveTOTPCredential(ctx context.Context, c TOTPCredential) error
	// GetTOTPCredential: ErrNotFound if the user has none.
	GetTOTPCredential(ctx context.Context, userID string) (TOTPCredential, error)
	// ConsumeBackupCode atomically removes one unused backup-code hash and
	// returns how many remain. Of concurrent consumers of the same code
	// exactly one succeeds. ErrNotFound if the hash is not an unused code of
	// the user (or the user has no credential).
	ConsumeBackupCode(ctx context.Context, userID, hash string, at time.Time) (remaining int, err error)
	// ReplaceBackupCodes swaps the whole set (regeneration invalidates the
	// old one). ErrNotFound if the user has no credential.
	ReplaceBackupCodes(ctx context.Context, userID string, hashes []string, at time.Time) error
	// DeleteTOTPCredential is idempotent.
	DeleteTOTPCredential(ctx context.Context, userID string) error
}

// PendingTOTP is an enrolment that has shown a secret but not yet been
// confirmed with a code.
type PendingTOTP struct {
	UserID    string
	Secret    []byte // sealed, like TOTPCredential.Secret
	CreatedAt time.Time
	ExpiresAt time.Time
}

// TOTPEphemeral holds short-lived TOTP state (ephemeral: Redis in
// production).
type TOTPEphemeral interface {
	// PutPendingTOTP creates or replaces the user's pending enrolment.
	PutPendingTOTP(ctx context.Context, p PendingTOTP) error
	// GetPendingTOTP: ErrNotFound if missing or expired.
	GetPendingTOTP(ctx context.Context, userID string) (PendingTOTP, error)
	// DeletePendingTOTP is idempotent.
	DeletePendingTOTP(ctx context.Context, userID string) error
	// MarkTOTPStepUsed records that the user's code for time step step was
	// accepted, until the given time. It is atomic: the first call wins,
	// later calls before until get ErrAlreadyUsed (replay).
	MarkTOTPStepUsed(ctx context.Context, userID string, step int64, until time.Time) error
}

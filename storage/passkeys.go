package storage

import (
	"context"
	"time"
)

// Passkey is a WebAuthn credential (a passkey or security key) registered by
// a user. Its ID, the authenticator's credential id, is unique across all
// users: an authenticator never hands the same id to two accounts, and a
// duplicate is refused rather than silently re-owned.
type Passkey struct {
	ID     []byte
	UserID string
	// PublicKey is the COSE-encoded credential public key.
	PublicKey []byte
	// SignCount is the highest signature counter seen; authenticators that
	// do not count (synced passkeys) always report 0.
	SignCount uint32
	AAGUID    []byte
	// Transports are the hints the browser reported ("internal", "usb",
	// "hybrid", ...), passed back in allowCredentials.
	Transports []string
	// BackupEligible may not change over a credential's life; BackupState
	// (synced right now) may.
	BackupEligible bool
	BackupState    bool
	// UserVerified: the registration ceremony performed user verification.
	UserVerified bool
	// AttestationType is go-webauthn's type ("none", "self", "basic_full",
	// ...) of the attestation at registration.
	AttestationType string
	Name            string
	// CloneWarning is set when a sign-counter regression suggested a cloned
	// authenticator; such a credential is refused until re-registered.
	CloneWarning bool
	CreatedAt    time.Time
	LastUsedAt   time.Time // zero: never used to sign in
}

// PasskeyUse is what a successful assertion updates on a credential.
type PasskeyUse struct {
	SignCount    uint32
	BackupState  bool
	CloneWarning bool
	At           time.Time
}

// Passkeys is the WebAuthn credential aggregate (durable).
type Passkeys interface {
	// CreatePasskey: ErrAlreadyExists if the credential id is registered
	// (to any user), ErrNotFound if the user does not exist.
	CreatePasskey(ctx context.Context, p Passkey) error
	// GetPasskey: ErrNotFound if the credential id is unknown.
	GetPasskey(ctx context.Context, id []byte) (Passkey, error)
	// ListUserPasskeys lists the user's credentials, oldest first.
	ListUserPasskeys(ctx context.Context, userID string) ([]Passkey, error)
	// RecordPasskeyUse stores the outcome of an assertion (counter, backup
	// state, clone flag, LastUsedAt). ErrNotFound if the id is unknown.
	RecordPasskeyUse(ctx context.Context, id []byte, u PasskeyUse) error
	// RenamePasskey: ErrNotFound if the user has no such credential.
	RenamePasskey(ctx context.Context, userID string, id []byte, name string) error
	// DeletePasskey: ErrNotFound if the user has no such credential.
	DeletePasskey(ctx context.Context, userID string, id []byte) error

	// EnsurePasskeyUserHandle returns the user's WebAuthn user handle,
	// storing candidate first if the user has none. The handle is random
	// (never the e-mail or the user id) and stable for the user's life.
	// ErrNotFound if the user does not exist.
	EnsurePasskeyUserHandle(ctx context.Context, userID string, candidate []byte) ([]byte, error)
	// PasskeyUserByHandle returns the user id of a user handle; ErrNotFound
	// if unknown.
	PasskeyUserByHandle(ctx context.Context, handle []byte) (string, error)
}

// PasskeyChallenge is a WebAuthn ceremony in progress (go-webauthn's
// SessionData, JSON-encoded), keyed by what it is bound to ("flow:<id>" for
// a login, "session:<id>" for a registration in the account area).
type PasskeyChallenge struct {
	Key       string
	Data      []byte
	ExpiresAt time.Time
}

// PasskeyChallenges holds ceremonies in progress (ephemeral).
type PasskeyChallenges interface {
	// PutPasskeyChallenge creates or replaces the challenge under its key:
	// starting a ceremony again abandons the previous one.
	PutPasskeyChallenge(ctx context.Context, c PasskeyChallenge) error
	// ConsumePasskeyChallenge atomically removes and returns the challenge:
	// it is single use. ErrNotFound if unknown, used or expired.
	ConsumePasskeyChallenge(ctx context.Context, key string) (PasskeyChallenge, error)
}

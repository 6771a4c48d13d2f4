package storage

import (
	"context"
	"time"
)

// Purposes of one-time account tokens.
const (
	PurposeVerifyEmail   = "verify_email"
	PurposeResetPassword = "reset_password"
	PurposeChangeEmail   = "change_email"
)

// AccountToken is a one-time link token (e-mail verification, password
// reset, e-mail change). Only the SHA-256 of the value mailed to the user is
// stored, so a database reader cannot use pending links.
type AccountToken struct {
	Hash    string // hex SHA-256 of the token value
	Purpose string // Purpose* constant
	UserID  string
	// Email is the address the link was sent to: the address it verifies
	// (verification, e-mail change) or the account's address (reset).
	Email string
	// FlowID is the login flow in progress when the token was issued, so
	// a verification can lead back to it; empty for none.
	FlowID    string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until consumed
}

// AccountTokens is the one-time token aggregate (durable: a link must keep
// working across restarts for its whole lifetime).
type AccountTokens interface {
	// CreateAccountToken: ErrAlreadyExists if the hash is taken.
	CreateAccountToken(ctx context.Context, t AccountToken) error
	// ConsumeAccountToken atomically marks the token of that purpose used at
	// `at` and returns it. ErrNotFound if unknown, of another purpose or
	// expired at `at`; ErrAlreadyUsed if it was consumed before.
	ConsumeAccountToken(ctx context.Context, hash, purpose string, at time.Time) (AccountToken, error)
	// CountAccountTokens counts the user's tokens of the purpose created at
	// or after since (resend limits).
	CountAccountTokens(ctx context.Context, userID, purpose string, since time.Time) (int, error)
	// InvalidateAccountTokens marks every unused token of the user and
	// purpose used at `at` (older links die when a newer action succeeds).
	InvalidateAccountTokens(ctx context.Context, userID, purpose string, at time.Time) error
}

// Profile is the self-service part of a user that storage.User does not
// carry (the phone number) together with the editable names.
type Profile struct {
	GivenName  string
	FamilyName string
	Phone      string // E.164 ("+441234567890") or empty
	Locale     string // BCP 47 tag or empty
}

// UserAdmin holds the user operations of the self-service account area.
type UserAdmin interface {
	// GetProfile returns the user's editable fields. ErrNotFound if no user.
	GetProfile(ctx context.Context, userID string) (Profile, error)
	// UpdateProfile replaces the editable fields. ErrNotFound if no user.
	UpdateProfile(ctx context.Context, userID string, p Profile, at time.Time) error
	// SetUserLocale sets only the user's saved language (a BCP 47 tag the
	// caller has checked, or "" for none), so that it cannot overwrite a
	// concurrent profile edit. ErrNotFound if no user.
	SetUserLocale(ctx context.Context, userID, locale string, at time.Time) error
	// SetEmail sets the user's (normalised) e-mail and its verified flag.
	// ErrAlreadyExists if another live user of the tenant has the address, ErrNotFound
	// if no user.
	SetEmail(ctx context.Context, userID, email string, verified bool, at time.Time) error
	// SoftDeleteUser disables the user, records when, and frees the e-mail
	// for the uniqueness index (it is kept in a separate column, see
	// EmailHeld). The row stays for audit. ErrNotFound if no live user.
	SoftDeleteUser(ctx context.Context, userID string, at time.Time) error
	// EmailHeld reports whether a user with that e-mail was soft-deleted at
	// or after since: such an address may not be reused yet.
	EmailHeld(ctx context.Context, tenantID, email string, since time.Time) (bool, error)
	// ListUserConsents lists the user's consents ordered by client ID.
	ListUserConsents(ctx context.Context, userID string) ([]Consent, error)
}

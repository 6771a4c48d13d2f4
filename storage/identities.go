package storage

import (
	"context"
	"time"
)

// Identity links an account at an upstream identity provider (social login:
// Google, Apple, GitHub, any OpenID provider) to an Admit user. The upstream
// (ProviderID, Subject) pair is unique: one upstream account signs in to at
// most one Admit user. Only the upstream's stable subject identifies it —
// never its e-mail, which is kept for display only.
type Identity struct {
	// ProviderID is the configured provider's id ("google", "github", ...).
	ProviderID string
	// Subject is the upstream's stable user identifier (OIDC "sub", GitHub's
	// numeric user id).
	Subject string
	UserID  string
	// Email is the address the provider reported at the last login (for the
	// account page); it is not used to find the identity.
	Email      string
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// Identities is the linked-upstream-identity aggregate (durable).
type Identities interface {
	// CreateIdentity links the identity. ErrAlreadyExists if (ProviderID,
	// Subject) is linked already (to any user).
	CreateIdentity(ctx context.Context, id Identity) error
	// GetIdentity: ErrNotFound if the upstream account is not linked.
	GetIdentity(ctx context.Context, providerID, subject string) (Identity, error)
	// ListUserIdentities returns the user's identities, oldest first.
	ListUserIdentities(ctx context.Context, userID string) ([]Identity, error)
	// TouchIdentity records a login: LastUsedAt and the e-mail seen.
	// ErrNotFound if the identity is not linked.
	TouchIdentity(ctx context.Context, providerID, subject, email string, at time.Time) error
	// DeleteIdentity unlinks the identity from the user. ErrNotFound if the
	// user has no such identity.
	DeleteIdentity(ctx context.Context, userID, providerID, subject string) error
}

package events

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/admit-idp/admit/storage"
)

// Announcing is the durable store with events: each change below attaches
// its event to the context it passes on (storage.WithEvents), so the
// backend writes the event in the change's own transaction. It is the one
// place events are emitted for changes made through the store, whoever
// makes them (admin API, CLI, account area, login); each method is the
// change plus one line. Changes that carry a meaning the store cannot see
// (a password reset, not a re-hash at sign-in) attach their event at the
// call site with storage.WithEvents(ctx, storage.NewEvent(...)).
type Announcing struct {
	storage.Durable
	Now func() time.Time
}

func (d Announcing) ev(typ, tenantID, userID string, data any) storage.Event {
	return storage.NewEvent(typ, tenantID, userID, data, d.Now())
}

// with attaches an event of the user. It names no tenant: the backend
// writes the user's tenant with the event, in the same statement
// (storage.Outbox), so no change pays a read for it (a sign-in's
// CreateSession among them).
func (d Announcing) with(ctx context.Context, typ, userID string, data any) context.Context {
	return storage.WithEvents(ctx, d.ev(typ, "", userID, data))
}

type user struct {
	UserID string `json:"user_id"`
}

type userChange struct {
	UserID  string   `json:"user_id"`
	Changed []string `json:"changed"`
}

type mfa struct {
	UserID string `json:"user_id"`
	Method string `json:"method"`
}

type client = storage.ClientChangedData

func (d Announcing) CreateUser(ctx context.Context, u storage.User) error {
	tenant := cmp.Or(u.TenantID, storage.DefaultTenantID)
	return d.Durable.CreateUser(storage.WithEvents(ctx, d.ev(storage.EventUserCreated, tenant, u.ID, user{u.ID})), u)
}

func (d Announcing) CreateUserWithWallet(ctx context.Context, u storage.User, w storage.Wallet) error {
	tenant := cmp.Or(u.TenantID, storage.DefaultTenantID)
	return d.Durable.CreateUserWithWallet(storage.WithEvents(ctx, d.ev(storage.EventUserCreated, tenant, u.ID, user{u.ID})), u, w)
}

func (d Announcing) UpdateProfile(ctx context.Context, userID string, p storage.Profile, at time.Time) error {
	old, _ := d.Durable.GetProfile(ctx, userID)
	var changed []string
	for _, f := range []struct {
		name     string
		was, now string
	}{{"given_name", old.GivenName, p.GivenName}, {"family_name", old.FamilyName, p.FamilyName},
		{"phone", old.Phone, p.Phone}, {"locale", old.Locale, p.Locale}} {
		if f.was != f.now {
			changed = append(changed, f.name)
		}
	}
	if len(changed) == 0 {
		return d.Durable.UpdateProfile(ctx, userID, p, at)
	}
	return d.Durable.UpdateProfile(d.with(ctx, storage.EventUserUpdated, userID, userChange{userID, changed}), userID, p, at)
}

func (d Announcing) SetEmail(ctx context.Context, userID, email string, verified bool, at time.Time) error {
	old, err := d.Durable.GetUser(ctx, userID)
	if err != nil {
		return d.Durable.SetEmail(ctx, userID, email, verified, at)
	}
	var evs []storage.Event
	if old.Email != email {
		evs = append(evs, d.ev(storage.EventUserUpdated, old.TenantID, userID, userChange{userID, []string{"email"}}))
	}
	if verified && (!old.EmailVerified || old.Email != email) {
		evs = append(evs, d.ev(storage.EventUserEmailVerified, old.TenantID, userID, user{userID}))
	}
	return d.Durable.SetEmail(storage.WithEvents(ctx, evs...), userID, email, verified, at)
}

func (d Announcing) SaveTOTPCredential(ctx context.Context, c storage.TOTPCredential) error {
	return d.Durable.SaveTOTPCredential(d.with(ctx, storage.EventUserMFAEnrolled, c.UserID, mfa{c.UserID, "totp"}), c)
}

func (d Announcing) DeleteTOTPCredential(ctx context.Context, userID string) error {
	return d.Durable.DeleteTOTPCredential(d.with(ctx, storage.EventUserMFARemoved, userID, mfa{userID, "totp"}), userID)
}

func (d Announcing) CreatePasskey(ctx context.Context, p storage.Passkey) error {
	return d.Durable.CreatePasskey(d.with(ctx, storage.EventUserMFAEnrolled, p.UserID, mfa{p.UserID, "passkey"}), p)
}

func (d Announcing) DeletePasskey(ctx context.Context, userID string, id []byte) error {
	return d.Durable.DeletePasskey(d.with(ctx, storage.EventUserMFARemoved, userID, mfa{userID, "passkey"}), userID, id)
}

func (d Announcing) SetUserDisabled(ctx context.Context, tenantID, userID string, disabled bool, at time.Time) error {
	typ := storage.EventUserEnabled
	if disabled {
		typ = storage.EventUserDisabled
	}
	return d.Durable.SetUserDisabled(storage.WithEvents(ctx, d.ev(typ, tenantID, userID, user{userID})), tenantID, userID, disabled, at)
}

func (d Announcing) SoftDeleteUser(ctx context.Context, userID string, at time.Time) error {
	return d.Durable.SoftDeleteUser(d.with(ctx, storage.EventUserDeleted, userID, user{userID}), userID, at)
}

type sessionStarted struct {
	SessionID string   `json:"session_id"`
	UserID    string   `json:"user_id"`
	AMR       []string `json:"amr"`
}

// SessionEnded is the payload of session.ended (storage.SessionEndedData).
type SessionEnded = storage.SessionEndedData

func (d Announcing) CreateSession(ctx context.Context, s storage.Session) error {
	return d.Durable.CreateSession(d.with(ctx, storage.EventSessionStarted, s.UserID, sessionStarted{s.ID, s.UserID, s.AMR}), s)
}

// ended attaches one session.ended per session about to be deleted.
// A failed read of the links fails the deletion (the caller's outage
// answer, retryable) rather than ending the sessions unannounced: their
// clients would never get their logout tokens.
func (d Announcing) ended(ctx context.Context, userID, sessionID string) (context.Context, error) {
	links, err := d.Durable.SessionLinks(ctx, userID, sessionID)
	if err != nil {
		return ctx, fmt.Errorf("events: sessions to announce: %w", err)
	}
	if len(links) == 0 {
		return ctx, nil
	}
	evs := make([]storage.Event, 0, len(links))
	for _, l := range links {
		evs = append(evs, storage.SessionEndedEvent(l, "", d.Now()))
	}
	return storage.WithEvents(ctx, evs...), nil
}

func (d Announcing) DeleteSession(ctx context.Context, id string) error {
	ctx, err := d.ended(ctx, "", id)
	if err != nil {
		return err
	}
	return d.Durable.DeleteSession(ctx, id)
}

func (d Announcing) DeleteUserSession(ctx context.Context, userID, id string) error {
	ctx, err := d.ended(ctx, userID, id)
	if err != nil {
		return err
	}
	return d.Durable.DeleteUserSession(ctx, userID, id)
}

func (d Announcing) DeleteUserSessions(ctx context.Context, userID string) error {
	ctx, err := d.ended(ctx, userID, "")
	if err != nil {
		return err
	}
	return d.Durable.DeleteUserSessions(ctx, userID)
}

type grant struct {
	GrantID      string     `json:"grant_id,omitempty"`
	UserID       string     `json:"user_id"`
	Role         string     `json:"role,omitempty"`
	ResourceType string     `json:"resource_type,omitempty"`
	ResourceID   string     `json:"resource_id,omitempty"`
	ExpiresAt    *time.Time `json:"expires_at,omitempty"`
}

func (d Announcing) PutRoleGrant(ctx context.Context, g storage.RoleGrant) (storage.RoleGrant, error) {
	data := grant{GrantID: g.ID, UserID: g.UserID, Role: g.Role, ResourceType: g.ResourceType, ResourceID: g.ResourceID}
	if !g.ExpiresAt.IsZero() {
		data.ExpiresAt = &g.ExpiresAt
	}
	return d.Durable.PutRoleGrant(storage.WithEvents(ctx, d.ev(storage.EventRoleGranted, g.TenantID, g.UserID, data)), g)
}

// RevokeRoleGrants announces what was asked (the user, and the role and
// resource if the filter names them): the backend writes it only if a
// grant was revoked.
func (d Announcing) RevokeRoleGrants(ctx context.Context, f storage.GrantFilter, by string, at time.Time) ([]storage.RoleGrant, error) {
	data := grant{UserID: f.UserID, Role: f.Role, ResourceType: f.ResourceType, ResourceID: f.ResourceID}
	return d.Durable.RevokeRoleGrants(storage.WithEvents(ctx, d.ev(storage.EventRoleRevoked, f.TenantID, f.UserID, data)), f, by, at)
}

func (d Announcing) clientEvent(tenantID, clientID, change string) storage.Event {
	return d.ev(storage.EventClientChanged, cmp.Or(tenantID, storage.DefaultTenantID), "", client{ClientID: clientID, Change: change})
}

func (d Announcing) CreateClient(ctx context.Context, c storage.Client) error {
	return d.Durable.CreateClient(storage.WithEvents(ctx, d.clientEvent(c.TenantID, c.ID, "created")), c)
}

func (d Announcing) UpdateClient(ctx context.Context, c storage.Client) error {
	return d.Durable.UpdateClient(storage.WithEvents(ctx, d.clientEvent(c.TenantID, c.ID, "updated")), c)
}

func (d Announcing) SetClientSecretHash(ctx context.Context, tenantID, clientID, hash string) error {
	return d.Durable.SetClientSecretHash(storage.WithEvents(ctx, d.clientEvent(tenantID, clientID, "secret_rotated")), tenantID, clientID, hash)
}

func (d Announcing) DeleteClient(ctx context.Context, id string) error {
	c, err := d.Durable.GetClient(ctx, id)
	if err != nil {
		return d.Durable.DeleteClient(ctx, id)
	}
	return d.Durable.DeleteClient(storage.WithEvents(ctx, d.clientEvent(c.TenantID, id, "deleted")), id)
}

func (d Announcing) DeleteTenantClient(ctx context.Context, tenantID, clientID string) error {
	return d.Durable.DeleteTenantClient(storage.WithEvents(ctx, d.clientEvent(tenantID, clientID, "deleted")), tenantID, clientID)
}

type keyRotated struct {
	Algorithm string `json:"algorithm"`
	NextKID   string `json:"next_kid"`
}

// RotateSigningKeys announces a platform event (no tenant): every tenant's
// webhooks that want key.rotated get it.
func (d Announcing) RotateSigningKeys(ctx context.Context, newNext storage.SigningKey, at time.Time) error {
	ev := d.ev(storage.EventKeyRotated, "", "", keyRotated{newNext.Algorithm, newNext.ID})
	return d.Durable.RotateSigningKeys(storage.WithEvents(ctx, ev), newNext, at)
}

package admin

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/roles"
)

// Store is what the service reads and writes: the tenant-scoped Directory
// and grants, plus the few account operations admin actions need.
type Store interface {
	storage.Tenants
	storage.RoleGrants
	storage.Directory
	storage.APIs
	storage.Brands
	CreateUser(ctx context.Context, u storage.User) error
	GetUser(ctx context.Context, id string) (storage.User, error)
	GetUserByEmail(ctx context.Context, tenantID, email string) (storage.User, error)
	CreateClient(ctx context.Context, c storage.Client) error
	GetClient(ctx context.Context, id string) (storage.Client, error)
	DeleteUserSessions(ctx context.Context, userID string) error
	RevokeRefreshTokens(ctx context.Context, userID, clientID string, at time.Time) ([]string, error)
	DeleteTOTPCredential(ctx context.Context, userID string) error
	GetTOTPCredential(ctx context.Context, userID string) (storage.TOTPCredential, error)
	ListUserPasskeys(ctx context.Context, userID string) ([]storage.Passkey, error)
	DeletePasskey(ctx context.Context, userID string, id []byte) error
	SoftDeleteUser(ctx context.Context, userID string, at time.Time) error
	ListSigningKeys(ctx context.Context) ([]storage.SigningKey, error)
	ListAudit(ctx context.Context, f storage.AuditFilter) ([]storage.AuditEvent, error)
}

// Recorder records audit events (storage/audit.Writer).
type Recorder interface {
	Record(ctx context.Context, e storage.AuditEvent)
}

// Hasher hashes passwords (login/password.Hasher).
type Hasher interface {
	Hash(password string) (string, error)
}

// KeyRotator rotates the signing keys (keys.Manager).
type KeyRotator interface {
	Rotate(ctx context.Context) error
}

// Service is the administration service. Build it with a struct literal;
// Store, Catalogue, Audit and Now are required.
type Service struct {
	Store Store
	// Revocations deny-lists the grants of revoked refresh tokens, so that
	// access tokens already issued stop working too.
	Revocations storage.Revocations
	Catalogue   *roles.Catalogue
	Keys        KeyRotator
	Audit       Recorder
	Hasher      Hasher
	// PasswordPolicy, when set, returns what is wrong with a new user's
	// password ("" if acceptable).
	PasswordPolicy func(password, email string) string
	// Unlock lifts a sign-in lockout of the user (the defences' unlock
	// link does the same); nil: unlocking is not supported.
	Unlock func(ctx context.Context, u storage.User) error
	Now    func() time.Time
	// NewID makes record IDs (default: random UUIDs).
	NewID func() string
	// Importer imports users (nil: not supported, e.g. in development).
	Importer UserImporter
	// SigningAlgs are the algorithms this instance keeps a signing key of
	// (keys.Manager.SigningAlgorithms): the only ones an API or a client
	// may ask for. Empty: SupportedSigningAlgs.
	SigningAlgs []string
	// Events holds the webhooks and the delivery log (webhooks.go; nil:
	// not supported).
	Events *Events
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

func (s *Service) newID() string {
	if s.NewID != nil {
		return s.NewID()
	}
	return uuid.NewString()
}

// Outcome of admin events.
const outcomeSuccess = "success"

// record audits an admin action.
func (s *Service) record(ctx context.Context, p Principal, tenantID, event string, e storage.AuditEvent) {
	if s.Audit == nil {
		return
	}
	e.Event, e.TenantID, e.ActorID, e.Outcome = event, tenantID, p.Actor(), outcomeSuccess
	s.Audit.Record(ctx, e)
}

// Refused records an operation refused for lack of rights
// ("admin.refused", outcome failure) in the principal's own tenant, so
// its administrators see a client or user probing beyond its rights.
func (s *Service) Refused(ctx context.Context, p Principal, operation, reason string) {
	if s.Audit == nil {
		return
	}
	s.Audit.Record(ctx, storage.AuditEvent{Event: "admin.refused", Outcome: "failure", Reason: reason,
		TenantID: p.TenantID, ActorID: p.Actor(), UserID: p.UserID, ClientID: p.ClientID,
		Details: map[string]string{"operation": operation}})
}

// maxAccessTokenLifetime bounds every access token (op's bound): a
// deny-list entry must outlive the tokens it covers.
const maxAccessTokenLifetime = 24 * time.Hour

// signOutEverywhere ends every session of the user, revokes every refresh
// token and deny-lists their grants (as the account area's "sign out
// everywhere" does). It returns how many token families were revoked.
func (s *Service) signOutEverywhere(ctx context.Context, m member) (int, error) {
	if err := s.Store.DeleteUserSessions(ctx, m.ID); err != nil {
		return 0, err
	}
	now := s.now()
	families, err := s.Store.RevokeRefreshTokens(ctx, m.ID, "", now)
	if err != nil {
		return 0, err
	}
	if s.Revocations != nil {
		for _, f := range families {
			if err := s.Revocations.Revoke(ctx, "grant:"+f, now.Add(maxAccessTokenLifetime)); err != nil {
				return 0, err
			}
		}
	}
	return len(families), nil
}

package layered

import (
	"context"
	"log/slog"
	"time"

	"github.com/admit-idp/admit/storage"
)

// Stamp keys of the rows nodes cache (storage.Stamps).
func UserStamp(id string) string   { return "user:" + id }
func TenantStamp(id string) string { return "tenant:" + id }
func ClientStamp(id string) string { return "client:" + id }

// Stamped is a storage.Durable that restamps (storage.Stamps) every row a
// node may cache after writing it: a user (profile, e-mail, disabled,
// deletion, role grants), a tenant (suspension) and a client. Install it
// once, below every writer (admin service, account pages, CLI), so that no
// write escapes it.
//
// The stamp is written after the record: a node that reads the row between
// the write and the restamp caches the new row under the old stamp, and
// reads it again after the restamp; a node that read the old row before the
// write sees the new stamp on its next check. A restamp that fails (Redis
// unreachable right after the durable write) is logged and not an error to
// the caller, whose change holds: nodes holding the row then serve it until
// their cache entry ages out (op: one minute), the same bound as a
// revocation that could not be cached (see package doc).
type Stamped struct {
	storage.Durable
	stamps storage.Stamps
	log    *slog.Logger
}

// NewStamped wraps d; log (nil: discarded) receives failed restamps.
func NewStamped(d storage.Durable, stamps storage.Stamps, log *slog.Logger) *Stamped {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Stamped{Durable: d, stamps: stamps, log: log}
}

// restamp runs after a write: err is the write's result, returned as is.
func (s *Stamped) restamp(ctx context.Context, err error, keys ...string) error {
	if err != nil || len(keys) == 0 {
		return err
	}
	if serr := s.stamps.Restamp(ctx, keys...); serr != nil {
		s.log.ErrorContext(ctx, "row changed but not restamped; other nodes may serve it from their cache for up to a minute", "keys", keys, "error", serr)
	}
	return nil
}

func (s *Stamped) UpdateProfile(ctx context.Context, userID string, p storage.Profile, at time.Time) error {
	return s.restamp(ctx, s.Durable.UpdateProfile(ctx, userID, p, at), UserStamp(userID))
}

func (s *Stamped) SetEmail(ctx context.Context, userID, email string, verified bool, at time.Time) error {
	return s.restamp(ctx, s.Durable.SetEmail(ctx, userID, email, verified, at), UserStamp(userID))
}

func (s *Stamped) SoftDeleteUser(ctx context.Context, userID string, at time.Time) error {
	return s.restamp(ctx, s.Durable.SoftDeleteUser(ctx, userID, at), UserStamp(userID))
}

func (s *Stamped) SetUserDisabled(ctx context.Context, tenantID, userID string, disabled bool, at time.Time) error {
	return s.restamp(ctx, s.Durable.SetUserDisabled(ctx, tenantID, userID, disabled, at), UserStamp(userID))
}

func (s *Stamped) UpdateTenant(ctx context.Context, t storage.Tenant) error {
	return s.restamp(ctx, s.Durable.UpdateTenant(ctx, t), TenantStamp(t.ID))
}

func (s *Stamped) PutRoleGrant(ctx context.Context, g storage.RoleGrant) (storage.RoleGrant, error) {
	got, err := s.Durable.PutRoleGrant(ctx, g)
	return got, s.restamp(ctx, err, UserStamp(g.UserID))
}

func (s *Stamped) RevokeRoleGrants(ctx context.Context, f storage.GrantFilter, by string, at time.Time) ([]storage.RoleGrant, error) {
	revoked, err := s.Durable.RevokeRoleGrants(ctx, f, by, at)
	keys := make([]string, 0, len(revoked))
	for _, g := range revoked {
		keys = append(keys, UserStamp(g.UserID))
	}
	return revoked, s.restamp(ctx, err, keys...)
}

func (s *Stamped) CreateClient(ctx context.Context, c storage.Client) error {
	return s.restamp(ctx, s.Durable.CreateClient(ctx, c), ClientStamp(c.ID))
}

func (s *Stamped) DeleteClient(ctx context.Context, id string) error {
	return s.restamp(ctx, s.Durable.DeleteClient(ctx, id), ClientStamp(id))
}

func (s *Stamped) UpdateClient(ctx context.Context, c storage.Client) error {
	return s.restamp(ctx, s.Durable.UpdateClient(ctx, c), ClientStamp(c.ID))
}

// DeleteAPI restamps the clients whose allowlist lost the API.
func (s *Stamped) DeleteAPI(ctx context.Context, id string) ([]string, error) {
	clients, err := s.Durable.DeleteAPI(ctx, id)
	return clients, s.restamp(ctx, err, clientStamps(clients)...)
}

// UpdateAPI restamps the clients whose allowlist took the API's new
// identifier.
func (s *Stamped) UpdateAPI(ctx context.Context, a storage.API) ([]string, error) {
	clients, err := s.Durable.UpdateAPI(ctx, a)
	return clients, s.restamp(ctx, err, clientStamps(clients)...)
}

func clientStamps(clientIDs []string) []string {
	keys := make([]string, 0, len(clientIDs))
	for _, c := range clientIDs {
		keys = append(keys, ClientStamp(c))
	}
	return keys
}

func (s *Stamped) SetClientSecretHash(ctx context.Context, tenantID, clientID, hash string) error {
	return s.restamp(ctx, s.Durable.SetClientSecretHash(ctx, tenantID, clientID, hash), ClientStamp(clientID))
}

func (s *Stamped) DeleteTenantClient(ctx context.Context, tenantID, clientID string) error {
	return s.restamp(ctx, s.Durable.DeleteTenantClient(ctx, tenantID, clientID), ClientStamp(clientID))
}

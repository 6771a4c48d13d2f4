package postgres

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/admit-idp/admit/storage"
)

const tenantColumns = `id, slug, name, status, created_at, updated_at`

// CreateTenant implements storage.Tenants. The primary key and the unique
// slug make a taken ID or slug ErrAlreadyExists. An empty Status is stored
// as storage.TenantActive (the column's default); other values than active
// and suspended are refused by a CHECK constraint.
func (s *Store) CreateTenant(ctx context.Context, t storage.Tenant) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO tenants (`+tenantColumns+`)
		VALUES ($1, $2, $3, COALESCE(NULLIF($4, ''), 'active'), $5, $6)`,
		t.ID, t.Slug, t.Name, t.Status, t.CreatedAt, t.UpdatedAt)
	return wrap("create tenant", err)
}

// GetTenant implements storage.Tenants.
func (s *Store) GetTenant(ctx context.Context, id string) (storage.Tenant, error) {
	t, err := scanTenant(s.pool.QueryRow(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE id = $1`, id))
	return t, wrap("get tenant", err)
}

// GetTenantBySlug implements storage.Tenants.
func (s *Store) GetTenantBySlug(ctx context.Context, slug string) (storage.Tenant, error) {
	t, err := scanTenant(s.pool.QueryRow(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE slug = $1`, slug))
	return t, wrap("get tenant by slug", err)
}

// UpdateTenant implements storage.Tenants.
func (s *Store) UpdateTenant(ctx context.Context, t storage.Tenant) error {
	tag, err := s.pool.Exec(ctx, `UPDATE tenants SET slug = $2, name = $3,
		status = COALESCE(NULLIF($4, ''), 'active'), updated_at = $5 WHERE id = $1`,
		t.ID, t.Slug, t.Name, t.Status, t.UpdatedAt)
	if err == nil && tag.RowsAffected() == 0 {
		err = errNoSuch("tenant")
	}
	return wrap("update tenant", err)
}

// ListTenants implements storage.Tenants.
func (s *Store) ListTenants(ctx context.Context, f storage.TenantFilter, p storage.PageRequest) (storage.Page[storage.Tenant], error) {
	var w where
	w.addIf(f.Status != "", `status = ?`, f.Status)
	w.addIf(f.Query != "", `(strpos(lower(slug), lower(?)) > 0 OR strpos(lower(name), lower(?)) > 0)`, f.Query, f.Query)
	tail := w.keyset("id", p)
	rows, err := s.pool.Query(ctx, `SELECT `+tenantColumns+` FROM tenants`+w.clause()+tail, w.args...)
	if err != nil {
		return storage.Page[storage.Tenant]{}, wrap("list tenants", err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (storage.Tenant, error) { return scanTenant(r) })
	if err != nil {
		return storage.Page[storage.Tenant]{}, wrap("list tenants", err)
	}
	return page(items, p, func(t storage.Tenant) string { return t.ID }), nil
}

func scanTenant(r row) (storage.Tenant, error) {
	var t storage.Tenant
	err := r.Scan(&t.ID, &t.Slug, &t.Name, &t.Status, utc(&t.CreatedAt), utc(&t.UpdatedAt))
	return t, err
}

const grantColumns = `id, tenant_id, user_id, role, resource_type, resource_id, granted_by,
	granted_at, expires_at, active, revoked_by, revoked_at`

// PutRoleGrant implements storage.RoleGrants in one statement: the partial
// unique index role_grants_active_key (one active grant per tenant, user,
// role and resource) is the ON CONFLICT arbiter, so of two concurrent puts
// one inserts and the other extends the same grant. The stored grant is
// active whatever g.Active says: putting a grant grants it. An unknown
// tenant is ErrNotFound.
func (s *Store) PutRoleGrant(ctx context.Context, g storage.RoleGrant) (storage.RoleGrant, error) {
	var got storage.RoleGrant
	err := s.changeTx(ctx, func(tx pgx.Tx) (bool, error) { // with its events (storage.WithEvents)
		var err error
		got, err = scanGrant(tx.QueryRow(ctx, `INSERT INTO role_grants (`+grantColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, true, '', NULL)
		ON CONFLICT (tenant_id, user_id, role, resource_type, resource_id) WHERE active
		DO UPDATE SET expires_at = EXCLUDED.expires_at
		RETURNING `+grantColumns,
			g.ID, g.TenantID, g.UserID, g.Role, g.ResourceType, g.ResourceID, g.GrantedBy,
			g.GrantedAt, optional(g.ExpiresAt)))
		return err == nil, err
	})
	switch {
	case foreignKeyViolation(err, "tenant_id"):
		err = errNoSuch("tenant")
	case foreignKeyViolation(err, "user_id"): // (tenant_id, user_id): no such user in the tenant
		err = errNoSuch("user of the tenant")
	}
	return got, wrap("put role grant", err)
}

// RevokeRoleGrants implements storage.RoleGrants with one UPDATE ...
// RETURNING. Without a tenant or user it revokes nothing.
func (s *Store) RevokeRoleGrants(ctx context.Context, f storage.GrantFilter, by string, at time.Time) ([]storage.RoleGrant, error) {
	if f.TenantID == "" || f.UserID == "" {
		return nil, nil
	}
	var w where
	revokedBy, revokedAt := w.param(by), w.param(at)
	grantFilter(&w, f)
	w.add(`active`)
	var out []storage.RoleGrant
	err := s.changeTx(ctx, func(tx pgx.Tx) (bool, error) { // with its events (storage.WithEvents)
		rows, err := tx.Query(ctx, `UPDATE role_grants SET active = false, revoked_by = `+revokedBy+
			`, revoked_at = `+revokedAt+w.clause()+` RETURNING `+grantColumns, w.args...)
		if err != nil {
			return false, err
		}
		out, err = pgx.CollectRows(rows, collectGrant)
		return len(out) > 0, err
	})
	if err != nil {
		return nil, wrap("revoke role grants", err)
	}
	slices.SortFunc(out, func(a, b storage.RoleGrant) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// ListRoleGrants implements storage.RoleGrants. An empty TenantID lists
// nothing.
func (s *Store) ListRoleGrants(ctx context.Context, f storage.GrantFilter, p storage.PageRequest) (storage.Page[storage.RoleGrant], error) {
	if f.TenantID == "" {
		return storage.Page[storage.RoleGrant]{}, nil
	}
	var w where
	grantFilter(&w, f)
	if !f.InForceAt.IsZero() {
		w.add(`active AND (expires_at IS NULL OR expires_at > ?)`, f.InForceAt)
	}
	tail := w.keyset("id", p)
	rows, err := s.pool.Query(ctx, `SELECT `+grantColumns+` FROM role_grants`+w.clause()+tail, w.args...)
	if err != nil {
		return storage.Page[storage.RoleGrant]{}, wrap("list role grants", err)
	}
	items, err := pgx.CollectRows(rows, collectGrant)
	if err != nil {
		return storage.Page[storage.RoleGrant]{}, wrap("list role grants", err)
	}
	return page(items, p, func(g storage.RoleGrant) string { return g.ID }), nil
}

// UserRoleGrants implements storage.RoleGrants: one query on the
// role_grants_active_key index.
func (s *Store) UserRoleGrants(ctx context.Context, tenantID, userID string, at time.Time) ([]storage.RoleGrant, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+grantColumns+` FROM role_grants
		WHERE tenant_id = $1 AND user_id = $2 AND active AND (expires_at IS NULL OR expires_at > $3)
		ORDER BY id`, tenantID, userID, at)
	if err != nil {
		return nil, wrap("user role grants", err)
	}
	out, err := pgx.CollectRows(rows, collectGrant)
	return out, wrap("user role grants", err)
}

// selectUserWithGrants is selectUser with the user's grants in force at $2
// joined in: one row per grant, or one row with NULL grant columns.
const selectUserWithGrants = `SELECT u.id, u.tenant_id, t.status, u.email, u.email_verified,
	u.password_hash, u.given_name, u.family_name, u.locale, u.disabled, u.created_at, u.updated_at,
	g.id, g.role, g.resource_type, g.resource_id, g.granted_by, g.granted_at, g.expires_at
	FROM users u JOIN tenants t ON t.id = u.tenant_id
	LEFT JOIN role_grants g ON g.tenant_id = u.tenant_id AND g.user_id = u.id
		AND g.active AND (g.expires_at IS NULL OR g.expires_at > $2)
	WHERE u.id = $1 ORDER BY g.id`

// GetUserWithGrants implements storage.RoleGrants in one query.
func (s *Store) GetUserWithGrants(ctx context.Context, userID string, at time.Time) (storage.User, []storage.RoleGrant, error) {
	rows, err := s.pool.Query(ctx, selectUserWithGrants, userID, at)
	if err != nil {
		return storage.User{}, nil, wrap("get user with grants", err)
	}
	defer rows.Close()
	var u storage.User
	var grants []storage.RoleGrant
	for rows.Next() {
		var g storage.RoleGrant
		var id, role, typ, res, by *string
		err := rows.Scan(&u.ID, &u.TenantID, &u.TenantStatus, &u.Email, &u.EmailVerified, &u.PasswordHash,
			&u.GivenName, &u.FamilyName, &u.Locale, &u.Disabled, utc(&u.CreatedAt), utc(&u.UpdatedAt),
			&id, &role, &typ, &res, &by, utc(&g.GrantedAt), utc(&g.ExpiresAt))
		if err != nil {
			return storage.User{}, nil, wrap("get user with grants", err)
		}
		if id != nil {
			g.ID, g.TenantID, g.UserID, g.Role, g.ResourceType, g.ResourceID, g.GrantedBy, g.Active =
				*id, u.TenantID, u.ID, *role, *typ, *res, *by, true
			grants = append(grants, g)
		}
	}
	if err := rows.Err(); err != nil {
		return storage.User{}, nil, wrap("get user with grants", err)
	}
	if u.ID == "" {
		return storage.User{}, nil, wrap("get user with grants", errNoSuch("user"))
	}
	return u, grants, nil
}

// grantFilter adds the conditions of f other than InForceAt. TenantID is
// always a condition, even when empty (then nothing matches).
func grantFilter(w *where, f storage.GrantFilter) {
	w.add(`tenant_id = ?`, f.TenantID)
	w.addIf(f.UserID != "", `user_id = ?`, f.UserID)
	w.addIf(f.Role != "", `role = ?`, f.Role)
	w.addIf(f.ResourceType != "", `resource_type = ?`, f.ResourceType)
	w.addIf(f.ResourceID != "", `resource_id = ?`, f.ResourceID)
	w.addIf(f.Global, `resource_type = ''`)
}

func scanGrant(r row) (storage.RoleGrant, error) {
	var g storage.RoleGrant
	err := r.Scan(&g.ID, &g.TenantID, &g.UserID, &g.Role, &g.ResourceType, &g.ResourceID, &g.GrantedBy,
		utc(&g.GrantedAt), utc(&g.ExpiresAt), &g.Active, &g.RevokedBy, utc(&g.RevokedAt))
	return g, err
}

func collectGrant(r pgx.CollectableRow) (storage.RoleGrant, error) { return scanGrant(r) }

package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/admit-idp/admit/storage"
)

// The Directory methods match the tenant in the same statement as the ID,
// so a record of another tenant is ErrNotFound and is never read or
// changed. An empty tenant ID matches nothing (no record has one).

// GetTenantUser implements storage.Directory.
func (s *Store) GetTenantUser(ctx context.Context, tenantID, userID string) (storage.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, selectUser+`WHERE u.tenant_id = $1 AND u.id = $2`, tenantID, userID))
	return u, wrap("get tenant user", err)
}

// ListUsers implements storage.Directory, paging on the users_tenant_id
// index (tenant_id, id).
func (s *Store) ListUsers(ctx context.Context, f storage.UserFilter, p storage.PageRequest) (storage.Page[storage.User], error) {
	if f.TenantID == "" {
		return storage.Page[storage.User]{}, nil
	}
	var w where
	w.add(`u.tenant_id = ?`, f.TenantID)
	// LIKE (not strpos) so the trigram indexes of migration 0022 serve
	// substring searches.
	w.addIf(f.Email != "", `lower(u.email) LIKE ? ESCAPE '\'`, likeSubstring(f.Email))
	w.addIf(f.Name != "", `lower(u.given_name || ' ' || u.family_name) LIKE ? ESCAPE '\'`, likeSubstring(f.Name))
	if f.Disabled != nil {
		w.add(`u.disabled = ?`, *f.Disabled)
	}
	w.addIf(!f.IncludeDeleted, `u.deleted_at IS NULL`)
	tail := w.keyset("u.id", p)
	rows, err := s.pool.Query(ctx, selectUser+w.clause()+tail, w.args...)
	if err != nil {
		return storage.Page[storage.User]{}, wrap("list users", err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (storage.User, error) { return scanUser(r) })
	if err != nil {
		return storage.Page[storage.User]{}, wrap("list users", err)
	}
	return page(items, p, func(u storage.User) string { return u.ID }), nil
}

// SetUserDisabled implements storage.Directory; soft-deleted users are not
// live, so they are ErrNotFound.
func (s *Store) SetUserDisabled(ctx context.Context, tenantID, userID string, disabled bool, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE users SET disabled = $3, updated_at = $4
		WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`, tenantID, userID, disabled, at)
	if err == nil && tag.RowsAffected() == 0 {
		err = errNoSuch("user")
	}
	return wrap("set user disabled", err)
}

// GetTenantClient implements storage.Directory.
func (s *Store) GetTenantClient(ctx context.Context, tenantID, clientID string) (storage.Client, error) {
	c, err := scanClient(s.pool.QueryRow(ctx, selectClient+`WHERE c.tenant_id = $1 AND c.id = $2`, tenantID, clientID))
	return c, wrap("get tenant client", err)
}

// ListTenantClients implements storage.Directory, paging on the
// clients_tenant_id index (tenant_id, id).
func (s *Store) ListTenantClients(ctx context.Context, f storage.ClientFilter, p storage.PageRequest) (storage.Page[storage.Client], error) {
	if f.TenantID == "" {
		return storage.Page[storage.Client]{}, nil
	}
	var w where
	w.add(`c.tenant_id = ?`, f.TenantID)
	w.addIf(f.Query != "", `(strpos(lower(c.id), lower(?)) > 0 OR strpos(lower(c.name), lower(?)) > 0)`, f.Query, f.Query)
	tail := w.keyset("c.id", p)
	rows, err := s.pool.Query(ctx, selectClient+w.clause()+tail, w.args...)
	if err != nil {
		return storage.Page[storage.Client]{}, wrap("list tenant clients", err)
	}
	items, err := pgx.CollectRows(rows, collectClient)
	if err != nil {
		return storage.Page[storage.Client]{}, wrap("list tenant clients", err)
	}
	return page(items, p, func(c storage.Client) string { return c.ID }), nil
}

// UpdateClient implements storage.Directory: every field but ID, TenantID,
// SecretHash and CreatedAt.
func (s *Store) UpdateClient(ctx context.Context, c storage.Client) error {
	tag, err := s.pool.Exec(ctx, `UPDATE clients SET name = $3, public = $4, auth_method = $5,
		redirect_uris = $6, post_logout_redirect_uris = $7, grant_types = $8, scopes = $9,
		first_party = $10, require_mfa = $11, jwks = $12, access_token_lifetime = $13,
		id_token_lifetime = $14, refresh_token_lifetime = $15, allowed_resources = $16,
		id_token_signed_response_alg = $17, access_token_signed_response_alg = $18,
		dpop_bound_access_tokens = $19, require_pushed_authorization_requests = $20,
		backchannel_logout_uri = $21, backchannel_logout_session_required = $22,
		frontchannel_logout_uri = $23, frontchannel_logout_session_required = $24,
		logo_uri = $25, policy_uri = $26, tos_uri = $27
		WHERE tenant_id = $1 AND id = $2`,
		c.TenantID, c.ID, c.Name, c.Public, c.AuthMethod, list(c.RedirectURIs),
		list(c.PostLogoutRedirectURIs), list(c.GrantTypes), list(c.Scopes), c.FirstParty, c.RequireMFA,
		c.JWKS, c.AccessTokenLifetime, c.IDTokenLifetime, c.RefreshTokenLifetime, list(c.AllowedResources),
		c.IDTokenSignedResponseAlg, c.AccessTokenSignedResponseAlg,
		c.DPoPBoundAccessTokens, c.RequirePushedAuthorizationRequests,
		c.BackchannelLogoutURI, c.BackchannelLogoutSessionRequired, c.FrontchannelLogoutURI, c.FrontchannelLogoutSessionRequired,
		c.LogoURI, c.PolicyURI, c.TOSURI)
	if err == nil && tag.RowsAffected() == 0 {
		err = errNoSuch("client")
	}
	return wrap("update client", err)
}

// SetClientSecretHash implements storage.Directory.
func (s *Store) SetClientSecretHash(ctx context.Context, tenantID, clientID, hash string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE clients SET secret_hash = $3 WHERE tenant_id = $1 AND id = $2`,
		tenantID, clientID, hash)
	if err == nil && tag.RowsAffected() == 0 {
		err = errNoSuch("client")
	}
	return wrap("set client secret hash", err)
}

// DeleteTenantClient implements storage.Directory.
func (s *Store) DeleteTenantClient(ctx context.Context, tenantID, clientID string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM clients WHERE tenant_id = $1 AND id = $2`, tenantID, clientID)
	if err == nil && tag.RowsAffected() == 0 {
		err = errNoSuch("client")
	}
	return wrap("delete tenant client", err)
}

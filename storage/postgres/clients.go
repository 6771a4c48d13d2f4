package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/admit-idp/admit/storage"
)

// clientColumns are the stored columns of a client, in the order of
// CreateClient's parameters.
const clientColumns = `id, tenant_id, name, secret_hash, public, auth_method, redirect_uris,
	post_logout_redirect_uris, grant_types, scopes, first_party, jwks,
	access_token_lifetime, id_token_lifetime, refresh_token_lifetime, created_at, require_mfa,
	allowed_resources, id_token_signed_response_alg, access_token_signed_response_alg,
	dpop_bound_access_tokens, require_pushed_authorization_requests,
	backchannel_logout_uri, backchannel_logout_session_required,
	frontchannel_logout_uri, frontchannel_logout_session_required,
	logo_uri, policy_uri, tos_uri`

// selectClient reads a client together with its tenant's status in one
// query (the token endpoint reads clients). Callers append the WHERE clause
// on c.* columns.
const selectClient = `SELECT c.id, c.tenant_id, t.status, c.name, c.secret_hash, c.public,
	c.auth_method, c.redirect_uris, c.post_logout_redirect_uris, c.grant_types, c.scopes,
	c.first_party, c.jwks, c.access_token_lifetime, c.id_token_lifetime,
	c.refresh_token_lifetime, c.created_at, c.require_mfa,
	c.allowed_resources, c.id_token_signed_response_alg, c.access_token_signed_response_alg,
	c.dpop_bound_access_tokens, c.require_pushed_authorization_requests,
	c.backchannel_logout_uri, c.backchannel_logout_session_required,
	c.frontchannel_logout_uri, c.frontchannel_logout_session_required,
	c.logo_uri, c.policy_uri, c.tos_uri
	FROM clients c JOIN tenants t ON t.id = c.tenant_id `

// CreateClient implements storage.Clients. An empty TenantID stores the
// client in the default tenant; an unknown tenant is ErrNotFound.
func (s *Store) CreateClient(ctx context.Context, c storage.Client) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO clients (`+clientColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
		$23, $24, $25, $26, $27, $28, $29)`,
		c.ID, tenantOrDefault(c.TenantID), c.Name, c.SecretHash, c.Public, c.AuthMethod, list(c.RedirectURIs),
		list(c.PostLogoutRedirectURIs), list(c.GrantTypes), list(c.Scopes), c.FirstParty, c.JWKS,
		c.AccessTokenLifetime, c.IDTokenLifetime, c.RefreshTokenLifetime, c.CreatedAt, c.RequireMFA,
		list(c.AllowedResources), c.IDTokenSignedResponseAlg, c.AccessTokenSignedResponseAlg,
		c.DPoPBoundAccessTokens, c.RequirePushedAuthorizationRequests,
		c.BackchannelLogoutURI, c.BackchannelLogoutSessionRequired, c.FrontchannelLogoutURI, c.FrontchannelLogoutSessionRequired,
		c.LogoURI, c.PolicyURI, c.TOSURI)
	if foreignKeyViolation(err, "tenant_id") {
		err = errNoSuch("tenant")
	}
	return wrap("create client", err)
}

// GetClient implements storage.Clients.
func (s *Store) GetClient(ctx context.Context, id string) (storage.Client, error) {
	c, err := scanClient(s.pool.QueryRow(ctx, selectClient+`WHERE c.id = $1`, id))
	return c, wrap("get client", err)
}

// ListClients implements storage.Clients: the clients of every tenant.
func (s *Store) ListClients(ctx context.Context) ([]storage.Client, error) {
	rows, err := s.pool.Query(ctx, selectClient+`ORDER BY c.id`)
	if err != nil {
		return nil, wrap("list clients", err)
	}
	clients, err := pgx.CollectRows(rows, collectClient)
	return clients, wrap("list clients", err)
}

// DeleteClient implements storage.Clients. Like the memory backend it
// deletes only the client: consents and refresh tokens are other aggregates.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM clients WHERE id = $1`, id)
	if err == nil && tag.RowsAffected() == 0 {
		err = errNoSuch("client")
	}
	return wrap("delete client", err)
}

// scanClient reads the columns of selectClient.
func scanClient(r row) (storage.Client, error) {
	var c storage.Client
	err := r.Scan(&c.ID, &c.TenantID, &c.TenantStatus, &c.Name, &c.SecretHash, &c.Public, &c.AuthMethod,
		&c.RedirectURIs, &c.PostLogoutRedirectURIs, &c.GrantTypes, &c.Scopes, &c.FirstParty, &c.JWKS,
		&c.AccessTokenLifetime, &c.IDTokenLifetime, &c.RefreshTokenLifetime, utc(&c.CreatedAt), &c.RequireMFA,
		&c.AllowedResources, &c.IDTokenSignedResponseAlg, &c.AccessTokenSignedResponseAlg,
		&c.DPoPBoundAccessTokens, &c.RequirePushedAuthorizationRequests,
		&c.BackchannelLogoutURI, &c.BackchannelLogoutSessionRequired, &c.FrontchannelLogoutURI, &c.FrontchannelLogoutSessionRequired,
		&c.LogoURI, &c.PolicyURI, &c.TOSURI)
	return c, err
}

func collectClient(r pgx.CollectableRow) (storage.Client, error) { return scanClient(r) }

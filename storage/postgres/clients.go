package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/admit-idp/admit/storage"
)

const clientColumns = `id, name, secret_hash, public, auth_method, redirect_uris,
	post_logout_redirect_uris, grant_types, scopes, first_party, jwks,
	access_token_lifetime, id_token_lifetime, refresh_token_lifetime, created_at, require_mfa`

// CreateClient implements storage.Clients.
func (s *Store) CreateClient(ctx context.Context, c storage.Client) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO clients (`+clientColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		c.ID, c.Name, c.SecretHash, c.Public, c.AuthMethod, list(c.RedirectURIs),
		list(c.PostLogoutRedirectURIs), list(c.GrantTypes), list(c.Scopes), c.FirstParty, c.JWKS,
		c.AccessTokenLifetime, c.IDTokenLifetime, c.RefreshTokenLifetime, c.CreatedAt, c.RequireMFA)
	return wrap("create client", err)
}

// GetClient implements storage.Clients.
func (s *Store) GetClient(ctx context.Context, id string) (storage.Client, error) {
	c, err := scanClient(s.pool.QueryRow(ctx,
		`SELECT `+clientColumns+` FROM clients WHERE id = $1`, id))
	return c, wrap("get client", err)
}

// ListClients implements storage.Clients.
func (s *Store) ListClients(ctx context.Context) ([]storage.Client, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+clientColumns+` FROM clients ORDER BY id`)
	if err != nil {
		return nil, wrap("list clients", err)
	}
	clients, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (storage.Client, error) {
		return scanClient(r)
	})
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

func scanClient(r row) (storage.Client, error) {
	var c storage.Client
	err := r.Scan(&c.ID, &c.Name, &c.SecretHash, &c.Public, &c.AuthMethod, &c.RedirectURIs,
		&c.PostLogoutRedirectURIs, &c.GrantTypes, &c.Scopes, &c.FirstParty, &c.JWKS,
		&c.AccessTokenLifetime, &c.IDTokenLifetime, &c.RefreshTokenLifetime, utc(&c.CreatedAt), &c.RequireMFA)
	return c, err
}

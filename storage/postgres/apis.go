package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/admit-idp/admit/storage"
)

const apiColumns = `id, tenant_id, identifier, name, scopes, access_token_lifetime, signing_alg,
	opaque, introspection_client_id, created_at`

// CreateAPI implements storage.APIs: a taken ID or identifier (apis_pkey,
// apis_identifier_key) is ErrAlreadyExists, an unknown tenant ErrNotFound.
func (s *Store) CreateAPI(ctx context.Context, a storage.API) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO apis (`+apiColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		a.ID, tenantOrDefault(a.TenantID), a.Identifier, a.Name, list(a.Scopes), a.AccessTokenLifetime,
		a.SigningAlg, a.Opaque, a.IntrospectionClientID, a.CreatedAt)
	if foreignKeyViolation(err, "tenant_id") {
		err = errNoSuch("tenant")
	}
	return wrap("create api", err)
}

// GetAPI implements storage.APIs.
func (s *Store) GetAPI(ctx context.Context, id string) (storage.API, error) {
	a, err := scanAPI(s.pool.QueryRow(ctx, `SELECT `+apiColumns+` FROM apis WHERE id = $1`, id))
	return a, wrap("get api", err)
}

// GetAPIByIdentifier implements storage.APIs (the apis_identifier_key index).
func (s *Store) GetAPIByIdentifier(ctx context.Context, identifier string) (storage.API, error) {
	a, err := scanAPI(s.pool.QueryRow(ctx, `SELECT `+apiColumns+` FROM apis WHERE identifier = $1`, identifier))
	return a, wrap("get api by identifier", err)
}

// ListAPIs implements storage.APIs.
func (s *Store) ListAPIs(ctx context.Context, tenantID string) ([]storage.API, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+apiColumns+` FROM apis
		WHERE $1 = '' OR tenant_id = $1 ORDER BY id`, tenantID)
	if err != nil {
		return nil, wrap("list apis", err)
	}
	apis, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (storage.API, error) { return scanAPI(r) })
	return apis, wrap("list apis", err)
}

// UpdateAPI implements storage.APIs. A new identifier replaces the old one
// in the clients' allowlists in the same transaction, with their
// client.changed events; the row lock taken first makes a concurrent
// rename wait rather than read an identifier about to change.
func (s *Store) UpdateAPI(ctx context.Context, a storage.API) ([]string, error) {
	var clients []string
	err := s.changeTx(ctx, func(tx pgx.Tx) (bool, error) {
		var old, tenant string
		if err := tx.QueryRow(ctx, `SELECT identifier, tenant_id FROM apis WHERE id = $1 FOR UPDATE`, a.ID).Scan(&old, &tenant); err != nil {
			return false, err
		}
		if _, err := tx.Exec(ctx, `UPDATE apis SET identifier = $2, name = $3, scopes = $4,
			access_token_lifetime = $5, signing_alg = $6, opaque = $7, introspection_client_id = $8
			WHERE id = $1`,
			a.ID, a.Identifier, a.Name, list(a.Scopes), a.AccessTokenLifetime, a.SigningAlg, a.Opaque,
			a.IntrospectionClientID); err != nil {
			return false, err
		}
		if old == a.Identifier {
			return true, nil
		}
		err := tx.QueryRow(ctx, `WITH changed AS (
				UPDATE clients SET allowed_resources = array_replace(allowed_resources, $1, $2)
				WHERE $1 = ANY (allowed_resources) RETURNING id
			) SELECT COALESCE(array_agg(id ORDER BY id), '{}') FROM changed`, old, a.Identifier).Scan(&clients)
		if err != nil {
			return false, err
		}
		return true, insertEvents(ctx, tx, storage.ClientsUpdatedEvents(tenant, clients, s.now()))
	})
	if errors.Is(err, pgx.ErrNoRows) {
		err = errNoSuch("api")
	}
	if err != nil {
		return nil, wrap("update api", err)
	}
	return clients, nil
}

// DeleteAPI implements storage.APIs: one statement deletes the API and
// takes its identifier out of the clients' allowlists; their
// client.changed events go in the same transaction.
func (s *Store) DeleteAPI(ctx context.Context, id string) ([]string, error) {
	var clients []string
	err := s.changeTx(ctx, func(tx pgx.Tx) (bool, error) {
		var found bool
		var tenant string
		err := tx.QueryRow(ctx, `WITH gone AS (
				DELETE FROM apis WHERE id = $1 RETURNING identifier, tenant_id
			), changed AS (
				UPDATE clients c SET allowed_resources = array_remove(c.allowed_resources, gone.identifier)
				FROM gone WHERE gone.identifier = ANY (c.allowed_resources)
				RETURNING c.id
			)
			SELECT EXISTS (SELECT 1 FROM gone), COALESCE((SELECT tenant_id FROM gone), ''),
				COALESCE((SELECT array_agg(id ORDER BY id) FROM changed), '{}')`,
			id).Scan(&found, &tenant, &clients)
		if err == nil && !found {
			err = errNoSuch("api")
		}
		if err != nil {
			return false, err
		}
		return true, insertEvents(ctx, tx, storage.ClientsUpdatedEvents(tenant, clients, s.now()))
	})
	if err != nil {
		return nil, wrap("delete api", err)
	}
	return clients, nil
}

func scanAPI(r row) (storage.API, error) {
	var a storage.API
	err := r.Scan(&a.ID, &a.TenantID, &a.Identifier, &a.Name, &a.Scopes, &a.AccessTokenLifetime,
		&a.SigningAlg, &a.Opaque, &a.IntrospectionClientID, utc(&a.CreatedAt))
	return a, err
}

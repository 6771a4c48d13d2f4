package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/admit-idp/admit/storage"
)

const identityColumns = `provider_id, subject, user_id, email, created_at, last_used_at`

// CreateIdentity implements storage.Identities; the primary key makes a
// second link of the same upstream account ErrAlreadyExists.
func (s *Store) CreateIdentity(ctx context.Context, id storage.Identity) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO identities (`+identityColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		id.ProviderID, id.Subject, id.UserID, id.Email, id.CreatedAt, id.LastUsedAt)
	return wrap("create identity", err)
}

// GetIdentity implements storage.Identities.
func (s *Store) GetIdentity(ctx context.Context, providerID, subject string) (storage.Identity, error) {
	id, err := scanIdentity(s.pool.QueryRow(ctx, `SELECT `+identityColumns+`
		FROM identities WHERE provider_id = $1 AND subject = $2`, providerID, subject))
	return id, wrap("get identity", err)
}

// ListUserIdentities implements storage.Identities.
func (s *Store) ListUserIdentities(ctx context.Context, userID string) ([]storage.Identity, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+identityColumns+` FROM identities
		WHERE user_id = $1 ORDER BY created_at, provider_id, subject`, userID)
	if err != nil {
		return nil, wrap("list identities", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (storage.Identity, error) { return scanIdentity(r) })
	return out, wrap("list identities", err)
}

// TouchIdentity implements storage.Identities.
func (s *Store) TouchIdentity(ctx context.Context, providerID, subject, email string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE identities SET email = $3, last_used_at = $4
		WHERE provider_id = $1 AND subject = $2`, providerID, subject, email, at)
	if err == nil && tag.RowsAffected() == 0 {
		err = errNoSuch("identity")
	}
	return wrap("touch identity", err)
}

// DeleteIdentity implements storage.Identities.
func (s *Store) DeleteIdentity(ctx context.Context, userID, providerID, subject string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM identities
		WHERE user_id = $1 AND provider_id = $2 AND subject = $3`, userID, providerID, subject)
	if err == nil && tag.RowsAffected() == 0 {
		err = errNoSuch("identity")
	}
	return wrap("delete identity", err)
}

func scanIdentity(row pgx.Row) (storage.Identity, error) {
	var id storage.Identity
	err := row.Scan(&id.ProviderID, &id.Subject, &id.UserID, &id.Email, utc(&id.CreatedAt), utc(&id.LastUsedAt))
	return id, err
}

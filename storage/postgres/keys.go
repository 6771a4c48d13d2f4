package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/admit-idp/admit/storage"
)

const keyColumns = `id, algorithm, state, private_key, created_at, activated_at, retired_at`

// ListSigningKeys implements storage.SigningKeys: oldest first, ties broken
// by ID so the order is stable.
func (s *Store) ListSigningKeys(ctx context.Context) ([]storage.SigningKey, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+keyColumns+` FROM signing_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, wrap("list signing keys", err)
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (storage.SigningKey, error) {
		var k storage.SigningKey
		err := r.Scan(&k.ID, &k.Algorithm, &k.State, &k.PrivateKey,
			utc(&k.CreatedAt), utc(&k.ActivatedAt), utc(&k.RetiredAt))
		return k, err
	})
	return keys, wrap("list signing keys", err)
}

// CreateSigningKey implements storage.SigningKeys. A second active or next
// key of an algorithm violates the partial unique index
// signing_keys_algorithm_state_key and so is ErrAlreadyExists, even when two
// nodes bootstrap at the same moment.
func (s *Store) CreateSigningKey(ctx context.Context, k storage.SigningKey) error {
	return wrap("create signing key", insertKey(ctx, s.pool, k))
}

// RotateSigningKeys implements storage.SigningKeys in one transaction. The
// statements run in this order so that the partial unique index (one active,
// one next key per algorithm) holds after each of them. A concurrent rotation
// of the same algorithm blocks on the row locks and then fails with
// ErrAlreadyExists or ErrNotFound rather than rotating twice unseen.
func (s *Store) RotateSigningKeys(ctx context.Context, newNext storage.SigningKey, at time.Time) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE signing_keys SET state = 'retired', retired_at = $2
			WHERE algorithm = $1 AND state = 'active'`, newNext.Algorithm, at); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE signing_keys SET state = 'active', activated_at = $2
			WHERE algorithm = $1 AND state = 'next'`, newNext.Algorithm, at)
		if err == nil && tag.RowsAffected() == 0 {
			return errNoSuch("next signing key")
		}
		if err != nil {
			return err
		}
		newNext.State = storage.KeyNext
		return insertKey(ctx, tx, newNext)
	})
	return wrap("rotate signing keys", err)
}

// DeleteRetiredSigningKeys implements storage.SigningKeys.
func (s *Store) DeleteRetiredSigningKeys(ctx context.Context, retiredBefore time.Time) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM signing_keys
		WHERE state = 'retired' AND retired_at < $1`, retiredBefore)
	return wrap("delete retired signing keys", err)
}

// execer is what the pool and a transaction have in common.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func insertKey(ctx context.Context, db execer, k storage.SigningKey) error {
	_, err := db.Exec(ctx, `INSERT INTO signing_keys (`+keyColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		k.ID, k.Algorithm, k.State, k.PrivateKey, k.CreatedAt,
		optional(k.ActivatedAt), optional(k.RetiredAt))
	return err
}

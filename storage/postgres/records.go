package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/admit-idp/admit/storage"
)

// RecordRevocation implements storage.RevocationRecords as one upsert that
// keeps the later end (GREATEST), so concurrent revocations of one key
// never shorten it.
func (s *Store) RecordRevocation(ctx context.Context, key string, until time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO revocations (key, until) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET until = GREATEST(revocations.until, EXCLUDED.until)`,
		key, until)
	return wrap("record revocation", err)
}

// ListRevocations implements storage.RevocationRecords (an index range scan
// on until).
func (s *Store) ListRevocations(ctx context.Context, now time.Time) ([]storage.Revocation, error) {
	rows, err := s.pool.Query(ctx, `SELECT key, until FROM revocations WHERE until > $1`, now)
	if err != nil {
		return nil, wrap("list revocations", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (storage.Revocation, error) {
		var r storage.Revocation
		err := row.Scan(&r.Key, utc(&r.Until))
		return r, err
	})
	return out, wrap("list revocations", err)
}

// RecordLock implements storage.LockRecords: an upsert that only ever
// extends, so a call that would not extend the lock changes no row and
// writes none of the events attached to ctx (storage.WithLockedEvent).
func (s *Store) RecordLock(ctx context.Context, key string, until time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO signin_locks (key, until) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET until = EXCLUDED.until WHERE signin_locks.until < EXCLUDED.until`,
		key, until)
	return wrap("record lock", err)
}

// ListLocks implements storage.LockRecords.
func (s *Store) ListLocks(ctx context.Context, now time.Time) ([]storage.Lock, error) {
	rows, err := s.pool.Query(ctx, `SELECT key, until FROM signin_locks WHERE until > $1`, now)
	if err != nil {
		return nil, wrap("list locks", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (storage.Lock, error) {
		var l storage.Lock
		err := row.Scan(&l.Key, utc(&l.Until))
		return l, err
	})
	return out, wrap("list locks", err)
}

// DeleteLock implements storage.LockRecords. Only a lock in force is
// deleted (an ended one lifts nothing and is left to SweepExpired), so the
// events attached to ctx (user.unlocked) are written only for a real
// unlock.
func (s *Store) DeleteLock(ctx context.Context, key string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM signin_locks WHERE key = $1 AND until > $2`, key, s.now())
	return wrap("delete lock", err)
}

package postgres

import (
	"context"
	"time"
)

// SweepExpired deletes sessions, refresh tokens, deny-list entries and
// sign-in locks that expired before `before`. They can never be used again
// (every link of a refresh family shares the family's expiry; a revocation
// or lock past its end covers nothing), and Postgres, unlike Redis, does not
// expire rows by itself. It returns how many rows were deleted.
func (s *Store) SweepExpired(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for _, q := range []string{
		`DELETE FROM sessions WHERE expires_at < $1`,
		`DELETE FROM refresh_tokens WHERE expires_at < $1`,
		`DELETE FROM revocations WHERE until < $1`,
		`DELETE FROM signin_locks WHERE until < $1`,
	} {
		tag, err := s.pool.Exec(ctx, q, before)
		if err != nil {
			return total, wrap("sweep expired", err)
		}
		total += tag.RowsAffected()
	}
	return total, nil
}

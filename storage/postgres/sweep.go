package postgres

import (
	"context"
	"time"
)

// SweepExpired deletes sessions and refresh tokens that expired before
// `before`. They can never be used again (every link of a refresh family
// shares the family's expiry), and Postgres, unlike Redis, does not expire
// rows by itself. It returns how many rows were deleted.
func (s *Store) SweepExpired(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for _, q := range []string{
		`DELETE FROM sessions WHERE expires_at < $1`,
		`DELETE FROM refresh_tokens WHERE expires_at < $1`,
	} {
		tag, err := s.pool.Exec(ctx, q, before)
		if err != nil {
			return total, wrap("sweep expired", err)
		}
		total += tag.RowsAffected()
	}
	return total, nil
}

// DeleteStaleDevices implements storage.Devices: devices not seen since
// notSeenSince (the device retention) are forgotten, on the index
// devices_last_seen_idx. A device forgotten this way is a new device at its
// next sign-in, as after the user forgot it.
func (s *Store) DeleteStaleDevices(ctx context.Context, notSeenSince time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM devices WHERE last_seen < $1`, notSeenSince)
	return tag.RowsAffected(), wrap("delete stale devices", err)
}

package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/admit-idp/admit/storage"
)

const deviceColumns = `id, user_id, token_hash, user_agent, language, ip_prefix, first_seen, last_seen, successes, failures, trust_score`

func scanDevice(r pgx.Row) (storage.Device, error) {
	var d storage.Device
	err := r.Scan(&d.ID, &d.UserID, &d.TokenHash, &d.UserAgent, &d.Language, &d.IPPrefix, &d.FirstSeen, &d.LastSeen,
		&d.Successes, &d.Failures, &d.TrustScore)
	d.FirstSeen, d.LastSeen = d.FirstSeen.UTC(), d.LastSeen.UTC()
	return d, err
}

// GetDevice implements storage.Devices.
func (s *Store) GetDevice(ctx context.Context, userID, tokenHash string) (storage.Device, error) {
	d, err := scanDevice(s.pool.QueryRow(ctx, `SELECT `+deviceColumns+` FROM devices WHERE user_id = $1 AND token_hash = $2`, userID, tokenHash))
	return d, wrap("get device", err)
}

// SaveDevice implements storage.Devices (upsert by ID).
func (s *Store) SaveDevice(ctx context.Context, d storage.Device) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO devices (`+deviceColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)
		ON CONFLICT (id) DO UPDATE SET user_agent = $4, language = $5, ip_prefix = $6, last_seen = $8,
		successes = $9, failures = $10, trust_score = $11`,
		d.ID, d.UserID, d.TokenHash, d.UserAgent, d.Language, d.IPPrefix, d.FirstSeen, d.LastSeen, d.Successes, d.Failures, d.TrustScore)
	return wrap("save device", err)
}

// ListDevices implements storage.Devices: a keyset page on the index
// (user_id, last_seen, id), read backwards.
func (s *Store) ListDevices(ctx context.Context, userID string, p storage.PageRequest) (storage.Page[storage.Device], error) {
	q := `SELECT ` + deviceColumns + ` FROM devices WHERE user_id = $1`
	args := []any{userID}
	if p.After != "" {
		at, id, err := storage.ParseTimeCursor(p.After)
		if err != nil {
			return storage.Page[storage.Device]{}, fmt.Errorf("postgres: list devices: %w", err)
		}
		q += ` AND (last_seen, id) < ($2, $3)`
		args = append(args, at, id)
	}
	q += fmt.Sprintf(` ORDER BY last_seen DESC, id DESC LIMIT %d`, p.Size()+1)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return storage.Page[storage.Device]{}, wrap("list devices", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (storage.Device, error) { return scanDevice(r) })
	if err != nil {
		return storage.Page[storage.Device]{}, wrap("list devices", err)
	}
	return timePage(out, p.Size(), func(d storage.Device) string { return storage.TimeCursor(d.LastSeen, d.ID) }), nil
}

// timePage cuts the size+1 rows a page query read to size and sets Next
// when there was more.
func timePage[T any](rows []T, size int, cursor func(T) string) storage.Page[T] {
	if len(rows) <= size {
		return storage.Page[T]{Items: rows}
	}
	return storage.Page[T]{Items: rows[:size], Next: cursor(rows[size-1])}
}

// DeleteDevice implements storage.Devices.
func (s *Store) DeleteDevice(ctx context.Context, userID, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM devices WHERE user_id = $1 AND id = $2`, userID, id)
	if err == nil && tag.RowsAffected() == 0 {
		err = errNoSuch("device")
	}
	return wrap("delete device", err)
}

// DeleteStaleDevices implements storage.Devices: devices not seen since
// notSeenSince (the device retention) are forgotten, on the index
// devices_last_seen_idx. A device forgotten this way is a new device at its
// next sign-in, as after the user forgot it.
func (s *Store) DeleteStaleDevices(ctx context.Context, notSeenSince time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM devices WHERE last_seen < $1`, notSeenSince)
	return tag.RowsAffected(), wrap("delete stale devices", err)
}

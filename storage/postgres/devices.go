package postgres

import (
	"context"

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

// ListDevices implements storage.Devices.
func (s *Store) ListDevices(ctx context.Context, userID string) ([]storage.Device, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+deviceColumns+` FROM devices WHERE user_id = $1 ORDER BY last_seen DESC, id`, userID)
	if err != nil {
		return nil, wrap("list devices", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (storage.Device, error) { return scanDevice(r) })
	return out, wrap("list devices", err)
}

// DeleteDevice implements storage.Devices.
func (s *Store) DeleteDevice(ctx context.Context, userID, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM devices WHERE user_id = $1 AND id = $2`, userID, id)
	if err == nil && tag.RowsAffected() == 0 {
		err = errNoSuch("device")
	}
	return wrap("delete device", err)
}

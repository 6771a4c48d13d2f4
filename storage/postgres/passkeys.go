package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/admit-idp/admit/storage"
)

const passkeyColumns = `id, user_id, public_key, sign_count, aaguid, transports, backup_eligible,
	backup_state, user_verified, attestation_type, name, clone_warning, created_at, last_used_at`

// CreatePasskey implements storage.Passkeys.
func (s *Store) CreatePasskey(ctx context.Context, p storage.Passkey) error {
	transports := p.Transports
	if transports == nil {
		transports = []string{}
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO passkeys (`+passkeyColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		p.ID, p.UserID, p.PublicKey, int64(p.SignCount), nonNil(p.AAGUID), transports, p.BackupEligible,
		p.BackupState, p.UserVerified, p.AttestationType, p.Name, p.CloneWarning, p.CreatedAt, optional(p.LastUsedAt))
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == codeForeignKeyViolation {
		err = errNoSuch("user")
	}
	return wrap("create passkey", err)
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// GetPasskey implements storage.Passkeys.
func (s *Store) GetPasskey(ctx context.Context, id []byte) (storage.Passkey, error) {
	p, err := scanPasskey(s.pool.QueryRow(ctx, `SELECT `+passkeyColumns+` FROM passkeys WHERE id = $1`, id))
	return p, wrap("get passkey", err)
}

// ListUserPasskeys implements storage.Passkeys.
func (s *Store) ListUserPasskeys(ctx context.Context, userID string) ([]storage.Passkey, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+passkeyColumns+` FROM passkeys
		WHERE user_id = $1 ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, wrap("list passkeys", err)
	}
	defer rows.Close()
	var out []storage.Passkey
	for rows.Next() {
		p, err := scanPasskey(rows)
		if err != nil {
			return nil, wrap("list passkeys", err)
		}
		out = append(out, p)
	}
	return out, wrap("list passkeys", rows.Err())
}

// RecordPasskeyUse implements storage.Passkeys.
func (s *Store) RecordPasskeyUse(ctx context.Context, id []byte, u storage.PasskeyUse) error {
	tag, err := s.pool.Exec(ctx, `UPDATE passkeys SET sign_count = $2, backup_state = $3,
		clone_warning = $4, last_used_at = $5 WHERE id = $1`,
		id, int64(u.SignCount), u.BackupState, u.CloneWarning, u.At)
	return wrap("record passkey use", affected(tag, err, "passkey"))
}

// RenamePasskey implements storage.Passkeys.
func (s *Store) RenamePasskey(ctx context.Context, userID string, id []byte, name string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE passkeys SET name = $3 WHERE user_id = $1 AND id = $2`, userID, id, name)
	return wrap("rename passkey", affected(tag, err, "passkey"))
}

// DeletePasskey implements storage.Passkeys.
func (s *Store) DeletePasskey(ctx context.Context, userID string, id []byte) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM passkeys WHERE user_id = $1 AND id = $2`, userID, id)
	return wrap("delete passkey", affected(tag, err, "passkey"))
}

func affected(tag pgconn.CommandTag, err error, kind string) error {
	if err == nil && tag.RowsAffected() == 0 {
		return errNoSuch(kind)
	}
	return err
}

// EnsurePasskeyUserHandle implements storage.Passkeys: insert if absent,
// then read what is stored (a concurrent first registration may have won).
func (s *Store) EnsurePasskeyUserHandle(ctx context.Context, userID string, candidate []byte) ([]byte, error) {
	_, err := s.pool.Exec(ctx, `INSERT INTO passkey_user_handles (user_id, handle) VALUES ($1, $2)
		ON CONFLICT (user_id) DO NOTHING`, userID, candidate)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == codeForeignKeyViolation {
		return nil, wrap("passkey user handle", errNoSuch("user"))
	}
	if err != nil {
		return nil, wrap("passkey user handle", err)
	}
	var h []byte
	err = s.pool.QueryRow(ctx, `SELECT handle FROM passkey_user_handles WHERE user_id = $1`, userID).Scan(&h)
	return h, wrap("passkey user handle", err)
}

// PasskeyUserByHandle implements storage.Passkeys.
func (s *Store) PasskeyUserByHandle(ctx context.Context, handle []byte) (string, error) {
	var id string
	err := s.pool.QueryRow(ctx, `SELECT user_id FROM passkey_user_handles WHERE handle = $1`, handle).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		err = errNoSuch("user handle")
	}
	return id, wrap("passkey user by handle", err)
}

func scanPasskey(r row) (storage.Passkey, error) {
	var p storage.Passkey
	var count int64
	err := r.Scan(&p.ID, &p.UserID, &p.PublicKey, &count, &p.AAGUID, &p.Transports, &p.BackupEligible,
		&p.BackupState, &p.UserVerified, &p.AttestationType, &p.Name, &p.CloneWarning, utc(&p.CreatedAt), utc(&p.LastUsedAt))
	p.SignCount = uint32(count)
	if len(p.Transports) == 0 {
		p.Transports = nil
	}
	return p, err
}

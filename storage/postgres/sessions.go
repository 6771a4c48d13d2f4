package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/admit-idp/admit/storage"
)

const sessionColumns = `id, token_hash, user_id, auth_time, amr, acr, ip, user_agent,
	created_at, last_seen_at, expires_at, mfa_at`

// CreateSession implements storage.Sessions.
func (s *Store) CreateSession(ctx context.Context, ss storage.Session) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO sessions (`+sessionColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		ss.ID, ss.TokenHash, ss.UserID, ss.AuthTime, list(ss.AMR), ss.ACR, ss.IP, ss.UserAgent,
		ss.CreatedAt, ss.LastSeenAt, ss.ExpiresAt, optional(ss.MFAAt))
	return wrap("create session", err)
}

// GetSessionByTokenHash implements storage.Sessions. A session is alive
// while now < ExpiresAt, as judged by the store's clock.
func (s *Store) GetSessionByTokenHash(ctx context.Context, tokenHash string) (storage.Session, error) {
	ss, err := scanSession(s.pool.QueryRow(ctx, `SELECT `+sessionColumns+` FROM sessions
		WHERE token_hash = $1 AND expires_at > $2`, tokenHash, s.now()))
	return ss, wrap("get session", err)
}

// TouchSession implements storage.Sessions. An expired session counts as
// missing, like everywhere else in the contract.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time, ip, userAgent string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE sessions SET last_seen_at = $2, ip = $3, user_agent = $4
		WHERE id = $1 AND expires_at > $5`, id, at, ip, userAgent, s.now())
	if err == nil && tag.RowsAffected() == 0 {
		err = errNoSuch("session")
	}
	return wrap("touch session", err)
}

// DeleteSession implements storage.Sessions (idempotent).
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, id)
	return wrap("delete session", err)
}

// DeleteUserSessions implements storage.Sessions (idempotent).
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	return wrap("delete user sessions", err)
}

// DeleteUserSession implements storage.Sessions.
func (s *Store) DeleteUserSession(ctx context.Context, userID, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id = $2 AND expires_at > $3`, userID, id, s.now())
	if err == nil && tag.RowsAffected() == 0 {
		err = errNoSuch("session")
	}
	return wrap("delete user session", err)
}

// ListUserSessions implements storage.Sessions: a keyset page of unexpired
// sessions on the index (user_id, created_at, id), read backwards.
func (s *Store) ListUserSessions(ctx context.Context, userID string, p storage.PageRequest) (storage.Page[storage.Session], error) {
	q := `SELECT ` + sessionColumns + ` FROM sessions WHERE user_id = $1 AND expires_at > $2`
	args := []any{userID, s.now()}
	if p.After != "" {
		at, id, err := storage.ParseTimeCursor(p.After)
		if err != nil {
			return storage.Page[storage.Session]{}, fmt.Errorf("postgres: list user sessions: %w", err)
		}
		q += ` AND (created_at, id) < ($3, $4)`
		args = append(args, at, id)
	}
	q += fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT %d`, p.Size()+1)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return storage.Page[storage.Session]{}, wrap("list user sessions", err)
	}
	sessions, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (storage.Session, error) {
		return scanSession(r)
	})
	if err != nil {
		return storage.Page[storage.Session]{}, wrap("list user sessions", err)
	}
	return timePage(sessions, p.Size(), func(ss storage.Session) string { return storage.TimeCursor(ss.CreatedAt, ss.ID) }), nil
}

func scanSession(r row) (storage.Session, error) {
	var ss storage.Session
	err := r.Scan(&ss.ID, &ss.TokenHash, &ss.UserID, utc(&ss.AuthTime), &ss.AMR, &ss.ACR,
		&ss.IP, &ss.UserAgent, utc(&ss.CreatedAt), utc(&ss.LastSeenAt), utc(&ss.ExpiresAt), utc(&ss.MFAAt))
	return ss, err
}

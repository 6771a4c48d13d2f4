package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/admit-idp/admit/storage"
)

const refreshColumns = `id, hash, family_id, client_id, user_id, scopes, amr, acr,
	auth_time, session_id, created_at, expires_at, rotated_at, revoked_at, resources, dpop_jkt`

// CreateRefreshToken implements storage.RefreshTokens.
func (s *Store) CreateRefreshToken(ctx context.Context, t storage.RefreshToken) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO refresh_tokens (`+refreshColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, NULLIF($16, ''))`,
		refreshArgs(t)...)
	return wrap("create refresh token", err)
}

// GetRefreshToken implements storage.RefreshTokens. It returns rotated,
// revoked and expired tokens too: the caller needs them to detect replay.
func (s *Store) GetRefreshToken(ctx context.Context, hash string) (storage.RefreshToken, error) {
	var t storage.RefreshToken
	err := s.pool.QueryRow(ctx,
		`SELECT `+refreshColumns+` FROM refresh_tokens WHERE hash = $1`, hash).Scan(
		&t.ID, &t.Hash, &t.FamilyID, &t.ClientID, &t.UserID, &t.Scopes, &t.AMR, &t.ACR,
		utc(&t.AuthTime), &t.SessionID, utc(&t.CreatedAt), utc(&t.ExpiresAt),
		utc(&t.RotatedAt), utc(&t.RevokedAt), &t.Resources, (*nullText)(&t.DPoPJKT))
	if err != nil {
		return storage.RefreshToken{}, wrap("get refresh token", err)
	}
	return t, nil
}

// rotateRefresh marks the old token rotated and inserts its successor in one
// statement, hence one implicit transaction and one round trip. Data-modifying
// CTEs always run to completion, and the successor is inserted only if the
// UPDATE claimed the old token. Concurrent rotations serialise on the old
// row's lock; the losers re-check "rotated_at IS NULL" after the winner
// commits, match nothing and insert nothing.
const rotateRefresh = `WITH claimed AS (
		UPDATE refresh_tokens SET rotated_at = $11, replaced_by = $2
		WHERE hash = $17 AND family_id = $3 AND rotated_at IS NULL AND revoked_at IS NULL
			AND ` + familyShared + `
		RETURNING 1
	)
	INSERT INTO refresh_tokens (` + refreshColumns + `)
	SELECT $1, $2, $3, $4, $5, $6::text[], $7::text[], $8, $9::timestamptz, $10,
		$11::timestamptz, $12::timestamptz, $13::timestamptz, $14::timestamptz, $15::text[], NULLIF($16::text, '')
	WHERE EXISTS (SELECT FROM claimed)`

// Refresh token families have advisory locks keyed (0x52465246 "RFRF",
// hashtext(family_id)); the two-key form keeps them apart from
// single-bigint advisory locks such as golang-migrate's. Rotations and
// reuses hold a family's lock shared (familyShared, $3 being the
// successor's family, checked to be the old token's), revocations hold it
// exclusive. Without it, under READ COMMITTED a revoking UPDATE that waits
// for the row lock of a token being rotated revokes that token after the
// rotation commits but cannot see the successor the rotation inserted: it
// is not in the UPDATE's snapshot (PostgreSQL manual 13.2.1, "Read
// Committed Isolation Level"), so one live token would survive in a
// revoked family. With the lock, a revocation's UPDATE starts only when no
// rotation of the family is in flight, and a rotation that waited for a
// revocation re-checks the row it claims after the wait (READ COMMITTED
// re-evaluates the WHERE on the updated row) and finds it revoked.
//
// familyShared is a condition on no row: an uncorrelated sub-select, so
// Postgres evaluates it once, as a one-time filter before the scan, and
// the rotation takes the family lock before any row lock (the reverse
// order could deadlock with a revocation). Rotations stay one statement,
// committed as soon as it ends.
const (
	familyShared = `(SELECT true FROM pg_advisory_xact_lock_shared(x'52465246'::int, hashtext($3)))`
	lockFamilies = `SELECT count(pg_advisory_xact_lock(x'52465246'::int, hashtext(f)))
		FROM (SELECT DISTINCT f FROM unnest($1::text[]) f ORDER BY f) fs`
)

// RotateRefreshToken implements storage.RefreshTokens.
func (s *Store) RotateRefreshToken(ctx context.Context, oldHash string, next storage.RefreshToken) error {
	tag, err := s.pool.Exec(ctx, rotateRefresh, append(refreshArgs(next), oldHash)...)
	if err != nil {
		return wrap("rotate refresh token", err)
	}
	if tag.RowsAffected() == 0 {
		return wrap("rotate refresh token", s.whyNotRotated(ctx, oldHash))
	}
	return nil
}

// reuseRefresh supersedes the unused successor of a recently rotated token
// and inserts a new one, in one statement like rotateRefresh. The successor
// is claimed by an UPDATE guarded by "rotated_at IS NULL AND revoked_at IS
// NULL": concurrent reuses (and the successor's own rotation) serialise on
// its row lock, and the losers re-check the guard after the winner commits,
// match nothing and insert nothing. A successor inserted by a concurrent
// winner is not in this statement's snapshot, so it cannot be claimed twice.
// The superseded successor was never delivered and gets no replaced_by: if
// it is presented later as a retry it has nothing to supersede and is
// replay, so two rotated tokens cannot supersede each other's successors
// forever.
const reuseRefresh = `WITH superseded AS (
		UPDATE refresh_tokens succ SET rotated_at = $11, replaced_by = NULL
		FROM refresh_tokens old
		WHERE old.hash = $17 AND old.family_id = $3 AND old.revoked_at IS NULL AND old.rotated_at >= $18
			AND succ.hash = old.replaced_by AND succ.rotated_at IS NULL AND succ.revoked_at IS NULL
			AND ` + familyShared + `
		RETURNING 1
	), repointed AS (
		UPDATE refresh_tokens SET replaced_by = $2
		WHERE hash = $17 AND EXISTS (SELECT FROM superseded)
		RETURNING 1
	)
	INSERT INTO refresh_tokens (` + refreshColumns + `)
	SELECT $1, $2, $3, $4, $5, $6::text[], $7::text[], $8, $9::timestamptz, $10,
		$11::timestamptz, $12::timestamptz, $13::timestamptz, $14::timestamptz, $15::text[], NULLIF($16::text, '')
	WHERE EXISTS (SELECT FROM repointed)`

// ReuseRefreshToken implements storage.RefreshTokens.
func (s *Store) ReuseRefreshToken(ctx context.Context, oldHash string, rotatedSince time.Time, next storage.RefreshToken) error {
	tag, err := s.pool.Exec(ctx, reuseRefresh, append(refreshArgs(next), oldHash, rotatedSince)...)
	if err != nil {
		return wrap("reuse refresh token", err)
	}
	if tag.RowsAffected() == 0 {
		return wrap("reuse refresh token", s.whyNotRotated(ctx, oldHash))
	}
	return nil
}

// whyNotRotated tells an unknown token from a spent one after a rotation
// claimed nothing. It runs only on that failure path.
func (s *Store) whyNotRotated(ctx context.Context, hash string) error {
	var exists bool
	err := s.pool.QueryRow(ctx,
		`SELECT EXISTS (SELECT FROM refresh_tokens WHERE hash = $1)`, hash).Scan(&exists)
	switch {
	case err != nil:
		return err
	case !exists:
		return errNoSuch("refresh token")
	}
	return fmt.Errorf("refresh token rotated or revoked already: %w", storage.ErrAlreadyUsed)
}

// RevokeRefreshFamily implements storage.RefreshTokens. Tokens revoked
// already keep their first revocation time.
func (s *Store) RevokeRefreshFamily(ctx context.Context, familyID string, at time.Time) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockFamilies, []string{familyID}); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = $2
			WHERE family_id = $1 AND revoked_at IS NULL`, familyID, at)
		return err
	})
	return wrap("revoke refresh family", err)
}

// revokeLocked runs the revoking query (a CTE that revokes and lists the
// families) in a transaction that first takes the exclusive lock of every
// family it matches (listed by the query familiesOf), so no rotation in
// them is in flight.
func (s *Store) revokeLocked(ctx context.Context, familiesOf string, familyArgs []any, revoke string, args ...any) ([]string, error) {
	var families []string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, familiesOf, familyArgs...)
		if err != nil {
			return err
		}
		locked, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, lockFamilies, locked); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, revoke, args...)
		if err != nil {
			return err
		}
		families, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	return families, err
}

// RevokeRefreshTokens implements storage.RefreshTokens. Tokens revoked
// already keep their first revocation time, but their families are reported
// too (in ID order), like the memory backend does, so a retry after a failure
// downstream still learns every grant to cut off. The SELECT reads the
// snapshot from before the UPDATE, which holds every matching token.
func (s *Store) RevokeRefreshTokens(ctx context.Context, userID, clientID string, at time.Time) ([]string, error) {
	families, err := s.revokeLocked(ctx, `SELECT DISTINCT family_id FROM refresh_tokens
		WHERE user_id = $1 AND ($2 = '' OR client_id = $2) AND revoked_at IS NULL`, []any{userID, clientID},
		`WITH revoke AS (
			UPDATE refresh_tokens SET revoked_at = $3
			WHERE user_id = $1 AND ($2 = '' OR client_id = $2) AND revoked_at IS NULL
		)
		SELECT DISTINCT family_id FROM refresh_tokens
		WHERE user_id = $1 AND ($2 = '' OR client_id = $2)
		ORDER BY family_id`, userID, clientID, at)
	return families, wrap("revoke refresh tokens", err)
}

// RevokeSessionRefreshTokens implements storage.RefreshTokens, like
// RevokeRefreshTokens for the tokens of one browser session.
func (s *Store) RevokeSessionRefreshTokens(ctx context.Context, userID, sessionID string, at time.Time) ([]string, error) {
	if userID == "" || sessionID == "" {
		return nil, nil
	}
	families, err := s.revokeLocked(ctx, `SELECT DISTINCT family_id FROM refresh_tokens
		WHERE user_id = $1 AND session_id = $2 AND revoked_at IS NULL`, []any{userID, sessionID},
		`WITH revoke AS (
			UPDATE refresh_tokens SET revoked_at = $3
			WHERE user_id = $1 AND session_id = $2 AND revoked_at IS NULL
		)
		SELECT DISTINCT family_id FROM refresh_tokens
		WHERE user_id = $1 AND session_id = $2
		ORDER BY family_id`, userID, sessionID, at)
	return families, wrap("revoke session refresh tokens", err)
}

// refreshArgs lists t's fields in refreshColumns order.
func refreshArgs(t storage.RefreshToken) []any {
	return []any{t.ID, t.Hash, t.FamilyID, t.ClientID, t.UserID, list(t.Scopes), list(t.AMR),
		t.ACR, t.AuthTime, t.SessionID, t.CreatedAt, t.ExpiresAt,
		optional(t.RotatedAt), optional(t.RevokedAt), list(t.Resources), t.DPoPJKT}
}

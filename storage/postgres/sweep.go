package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/admit-idp/admit/storage"
)

// sweepBatch bounds one transaction of the session sweep: a backlog of
// expired sessions is deleted (and announced) a batch at a time, so no
// transaction holds many locks or a long-lived snapshot.
const sweepBatch = 500

// SweepExpired deletes sessions, refresh tokens, deny-list entries and
// sign-in locks that expired before `before`. They can never be used again
// (every link of a refresh family shares the family's expiry; a revocation
// or lock past its end covers nothing), and Postgres, unlike Redis, does not
// expire rows by itself. Each expired session is announced (session.ended
// with "reason": "expired" and its clients, so back-channel logout reaches
// them) in the transaction that deletes it. It returns how many rows were
// deleted.
func (s *Store) SweepExpired(ctx context.Context, before time.Time) (int64, error) {
	total, err := s.sweepSessions(ctx, before)
	if err != nil {
		return total, wrap("sweep expired sessions", err)
	}
	for _, q := range []string{
		`DELETE FROM refresh_tokens WHERE expires_at < $1`,
		`DELETE FROM revocations WHERE until < $1`,
		`DELETE FROM signin_locks WHERE until < $1`,
	} {
		// Housekeeping, not a request: the caller's context bounds it, as a
		// large sweep may rightly take longer than a request's deadline.
		tag, err := s.pool.housekeeping().Exec(ctx, q, before)
		if err != nil {
			return total, wrap("sweep expired", err)
		}
		total += tag.RowsAffected()
	}
	return total, nil
}

// sweepSessions deletes expired sessions a batch at a time until none is
// left (or ctx ends).
func (s *Store) sweepSessions(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		n, err := s.sweepSessionBatch(ctx, before)
		total += n
		if err != nil || n < sweepBatch {
			return total, err
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

// sweepSessionBatch deletes up to sweepBatch expired sessions and writes
// their session.ended events in the same transaction. The statement reads
// each session's clients from the snapshot it deletes in (session_clients
// rows go with their session by ON DELETE CASCADE). SKIP LOCKED lets two
// nodes sweeping at once take disjoint batches.
func (s *Store) sweepSessionBatch(ctx context.Context, before time.Time) (int64, error) {
	tx, err := s.pool.housekeeping().Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }() // a no-op after Commit
	rows, err := tx.Query(ctx, `WITH gone AS (
			DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at < $1
				ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
			RETURNING id, user_id)
		SELECT g.id, g.user_id,
			coalesce(array_agg(c.client_id ORDER BY c.client_id) FILTER (WHERE c.client_id IS NOT NULL), '{}')
		FROM gone g LEFT JOIN session_clients c ON c.session_id = g.id
		GROUP BY g.id, g.user_id ORDER BY g.id`, before, sweepBatch)
	if err != nil {
		return 0, err
	}
	links, err := pgx.CollectRows(rows, scanSessionLink)
	if err != nil || len(links) == 0 {
		return 0, err
	}
	events := make([]storage.Event, len(links))
	for i, l := range links {
		events[i] = storage.SessionEndedEvent(l, storage.SessionExpired, s.now())
	}
	if err := insertEvents(ctx, tx, events); err != nil {
		return 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, err
	}
	return int64(len(links)), nil
}

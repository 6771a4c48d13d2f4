package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/admit-idp/admit/storage"
)

const auditColumns = `id, at, event, outcome, reason, actor_id, user_id, client_id, ip, user_agent, request_id, details`

// AppendAudit implements storage.AuditLog: one COPY for the batch.
func (s *Store) AppendAudit(ctx context.Context, events []storage.AuditEvent) error {
	rows := make([][]any, 0, len(events))
	for _, e := range events {
		details, err := json.Marshal(e.Details)
		if err != nil {
			return fmt.Errorf("postgres: append audit: %w", err)
		}
		if e.Details == nil {
			details = []byte("{}")
		}
		rows = append(rows, []any{e.ID, e.Time, e.Event, e.Outcome, e.Reason, e.ActorID, e.UserID,
			e.ClientID, e.IP, e.UserAgent, e.RequestID, string(details)})
	}
	_, err := s.pool.CopyFrom(ctx, pgx.Identifier{"audit_log"}, strings.Split(auditColumns, ", "), pgx.CopyFromRows(rows))
	return wrap("append audit", err)
}

// ListAudit implements storage.AuditLog.
func (s *Store) ListAudit(ctx context.Context, f storage.AuditFilter) ([]storage.AuditEvent, error) {
	q := `SELECT ` + auditColumns + ` FROM audit_log
		WHERE ($1 = '' OR user_id = $1) AND ($2 = '' OR event = $2)
		AND ($3::timestamptz IS NULL OR at >= $3) AND ($4::timestamptz IS NULL OR at < $4)
		ORDER BY at, id`
	args := []any{f.UserID, f.Event, nullTime(f.Since), nullTime(f.Until)}
	if f.Limit > 0 {
		q += ` LIMIT $5`
		args = append(args, f.Limit)
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, wrap("list audit", err)
	}
	out, err := pgx.CollectRows(rows, scanAudit)
	return out, wrap("list audit", err)
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func scanAudit(r pgx.CollectableRow) (storage.AuditEvent, error) {
	var e storage.AuditEvent
	var details []byte
	err := r.Scan(&e.ID, &e.Time, &e.Event, &e.Outcome, &e.Reason, &e.ActorID, &e.UserID,
		&e.ClientID, &e.IP, &e.UserAgent, &e.RequestID, &details)
	if err == nil && len(details) > 2 {
		err = json.Unmarshal(details, &e.Details)
	}
	e.Time = e.Time.UTC()
	return e, err
}

// PruneAudit implements storage.AuditLog.
func (s *Store) PruneAudit(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM audit_log WHERE at < $1`, before)
	if err != nil {
		return 0, wrap("prune audit", err)
	}
	return tag.RowsAffected(), nil
}

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

const auditColumns = `id, at, tenant_id, event, outcome, reason, actor_id, user_id, client_id, ip, user_agent, request_id, details`

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
		rows = append(rows, []any{e.ID, e.Time, e.TenantID, e.Event, e.Outcome, e.Reason, e.ActorID, e.UserID,
			e.ClientID, e.IP, e.UserAgent, e.RequestID, string(details)})
	}
	_, err := s.pool.CopyFrom(ctx, pgx.Identifier{"audit_log"}, strings.Split(auditColumns, ", "), pgx.CopyFromRows(rows))
	return wrap("append audit", err)
}

// ListAudit implements storage.AuditLog. Only the filter's non-zero fields
// become conditions; the (AfterTime, AfterID) cursor is a row comparison
// that the audit_log_tenant index (tenant_id, at, id) serves.
func (s *Store) ListAudit(ctx context.Context, f storage.AuditFilter) ([]storage.AuditEvent, error) {
	var w where
	w.addIf(f.TenantID != "", `tenant_id = ?`, f.TenantID)
	w.addIf(f.UserID != "", `user_id = ?`, f.UserID)
	w.addIf(f.ActorID != "", `actor_id = ?`, f.ActorID)
	w.addIf(f.Event != "", `event = ?`, f.Event)
	w.addIf(!f.Since.IsZero(), `at >= ?`, f.Since)
	w.addIf(!f.Until.IsZero(), `at < ?`, f.Until)
	if !f.AfterTime.IsZero() {
		w.add(`(at, id) > (?, ?)`, f.AfterTime, f.AfterID)
	}
	q := `SELECT ` + auditColumns + ` FROM audit_log` + w.clause() + ` ORDER BY at, id`
	if f.Limit > 0 {
		q += w.limit(f.Limit)
	}
	rows, err := s.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, wrap("list audit", err)
	}
	out, err := pgx.CollectRows(rows, scanAudit)
	return out, wrap("list audit", err)
}

func scanAudit(r pgx.CollectableRow) (storage.AuditEvent, error) {
	var e storage.AuditEvent
	var details []byte
	err := r.Scan(&e.ID, utc(&e.Time), &e.TenantID, &e.Event, &e.Outcome, &e.Reason, &e.ActorID, &e.UserID,
		&e.ClientID, &e.IP, &e.UserAgent, &e.RequestID, &details)
	if err == nil && len(details) > 2 {
		err = json.Unmarshal(details, &e.Details)
	}
	return e, err
}

// PruneAudit implements storage.AuditLog.
func (s *Store) PruneAudit(ctx context.Context, before time.Time) (int64, error) {
	// Housekeeping, like SweepExpired: bounded by the caller's context, not
	// by a request's deadline.
	tag, err := s.pool.housekeeping().Exec(ctx, `DELETE FROM audit_log WHERE at < $1`, before)
	if err != nil {
		return 0, wrap("prune audit", err)
	}
	return tag.RowsAffected(), nil
}

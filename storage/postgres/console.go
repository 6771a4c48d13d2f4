package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// likeSubstring is the LIKE pattern (ESCAPE '\') matching q anywhere,
// lower-cased as the indexed expressions are.
func likeSubstring(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(q)) + "%"
}

// CountAuditOutcomes implements storage.ConsoleCounts on the audit_log_event
// index (event, at), or audit_log_tenant_event (migration 0022) for one
// tenant.
func (s *Store) CountAuditOutcomes(ctx context.Context, tenantID, event string, since time.Time) (map[string]int, error) {
	var w where
	w.addIf(tenantID != "", `tenant_id = ?`, tenantID)
	w.add(`event = ?`, event)
	w.add(`at >= ?`, since)
	rows, err := s.pool.Query(ctx, `SELECT outcome, count(*) FROM audit_log`+w.clause()+` GROUP BY outcome`, w.args...)
	if err != nil {
		return nil, wrap("count audit", err)
	}
	out := map[string]int{}
	var outcome string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&outcome, &n}, func() error { out[outcome] = n; return nil })
	if err != nil {
		return nil, wrap("count audit", err)
	}
	return out, nil
}

// CountActiveSessions implements storage.ConsoleCounts on the
// sessions_expires_at index (joined to the users of the tenant for one).
func (s *Store) CountActiveSessions(ctx context.Context, tenantID string, now time.Time) (int, error) {
	var n int
	var err error
	if tenantID == "" {
		err = s.pool.QueryRow(ctx, `SELECT count(*) FROM sessions WHERE expires_at > $1`, now).Scan(&n)
	} else {
		err = s.pool.QueryRow(ctx, `SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id
			WHERE s.expires_at > $1 AND u.tenant_id = $2`, now, tenantID).Scan(&n)
	}
	return n, wrap("count sessions", err)
}

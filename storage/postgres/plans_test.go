package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/postgres/pgtest"
)

// bigTables are the tables that grow with use (the audit log holds a year
// of events by default). fill gives each 200,000 rows, half of them one
// heavy user's (100,000 refresh tokens is what a user reached in the
// field: rotation keeps old rows until expiry).
var bigTables = []string{"refresh_tokens", "sessions", "devices", "audit_log"}

// recorder is a pgx tracer that keeps every statement the store sends.
type recorder struct {
	mu    sync.Mutex
	stmts []recorded
}

type recorded struct {
	sql  string
	args []any
}

func (r *recorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stmts = append(r.stmts, recorded{sql: d.SQL, args: d.Args})
	return ctx
}

func (r *recorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (r *recorder) take() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.stmts
	r.stmts = nil
	return out
}

// TestHotQueriesUseIndexes runs every hot query of the growing tables
// through the real store methods on 200,000 rows per table, then asks
// Postgres for each statement's actual plan (EXPLAIN (ANALYZE, FORMAT
// JSON) with the same arguments, rolled back) and fails on a sequential
// scan of a big table or a scan that reads and discards more than
// maxDiscarded rows. The queries are
// those a request or the hourly housekeeping runs: a missing index shows up
// here as "Seq Scan" long before it shows up as a slow page.
func TestHotQueriesUseIndexes(t *testing.T) {
	if testing.Short() {
		t.Skip("inserts 600,000 rows")
	}
	ctx := context.Background()
	url, plain, now := planDatabase(t)
	fill(t, plain, now)

	s, rec := tracedStore(t, url, now)

	heavySessionCursor := storage.TimeCursor(now.Add(-50*time.Hour), "s-50")
	heavyDeviceCursor := storage.TimeCursor(now.Add(-50*time.Hour), "d-50")
	for _, q := range []struct {
		name string
		run  func() error
	}{
		{"RevokeSessionRefreshTokens", func() error {
			_, err := s.RevokeSessionRefreshTokens(ctx, "heavy", "s-7", now)
			return err
		}},
		{"RevokeRefreshTokens of a client", func() error {
			_, err := s.RevokeRefreshTokens(ctx, "user-7", "c-1", now)
			return err
		}},
		{"RevokeRefreshTokens", func() error { _, err := s.RevokeRefreshTokens(ctx, "user-8", "", now); return err }},
		{"GetRefreshToken", func() error { _, err := s.GetRefreshToken(ctx, "h-150000"); return err }},
		{"RevokeRefreshFamily", func() error { return s.RevokeRefreshFamily(ctx, "f-1234", now) }},
		{"ListUserSessions first page", func() error {
			_, err := s.ListUserSessions(ctx, "heavy", storage.PageRequest{Limit: 10})
			return err
		}},
		{"ListUserSessions later page", func() error {
			_, err := s.ListUserSessions(ctx, "heavy", storage.PageRequest{After: heavySessionCursor, Limit: 10})
			return err
		}},
		{"GetSessionByTokenHash", func() error { _, err := s.GetSessionByTokenHash(ctx, "st-42"); return err }},
		{"TouchSession", func() error { return s.TouchSession(ctx, "s-42", now, "192.0.2.1", "UA") }},
		{"DeleteUserSession", func() error { return s.DeleteUserSession(ctx, "heavy", "s-43") }},
		{"DeleteUserSessions", func() error { return s.DeleteUserSessions(ctx, "user-9") }},
		{"ListDevices first page", func() error {
			_, err := s.ListDevices(ctx, "heavy", storage.PageRequest{Limit: 10})
			return err
		}},
		{"ListDevices later page", func() error {
			_, err := s.ListDevices(ctx, "heavy", storage.PageRequest{After: heavyDeviceCursor, Limit: 10})
			return err
		}},
		{"GetDevice", func() error { _, err := s.GetDevice(ctx, "heavy", "dt-42"); return err }},
		{"DeleteDevice", func() error { return s.DeleteDevice(ctx, "heavy", "d-44") }},
		{"DeleteStaleDevices", func() error {
			_, err := s.DeleteStaleDevices(ctx, now.Add(-199_990*time.Hour))
			return err
		}},
		{"ListAudit of the tenant", func() error { return listAudit(s, storage.AuditFilter{Limit: 50}) }},
		{"ListAudit of the tenant, later page", func() error {
			return listAudit(s, storage.AuditFilter{Limit: 50, AfterTime: now.Add(-90 * 24 * time.Hour), AfterID: "a-1"})
		}},
		{"ListAudit of a user", func() error { return listAudit(s, storage.AuditFilter{UserID: "user-7", Limit: 50}) }},
		{"ListAudit of the heavy user", func() error { return listAudit(s, storage.AuditFilter{UserID: "heavy", Limit: 50}) }},
		{"ListAudit of an event", func() error { return listAudit(s, storage.AuditFilter{Event: "logout", Limit: 50}) }},
		{"PruneAudit", func() error { _, err := s.PruneAudit(ctx, now.Add(-199_990*time.Minute)); return err }},
		{"SweepExpired", func() error { _, err := s.SweepExpired(ctx, now.Add(-199_990*time.Hour)); return err }},
	} {
		t.Run(q.name, func(t *testing.T) {
			checkPlans(t, plain, rec, q.run, func(_ recorded, plan string) []string {
				return badScans(t, plan, bigTables, maxDiscarded)
			})
		})
	}
}

// listAudit lists the default tenant's audit log, as the admin API does.
func listAudit(s *Store, f storage.AuditFilter) error {
	f.TenantID = storage.DefaultTenantID
	_, err := s.ListAudit(context.Background(), f)
	return err
}

// planDatabase is a fresh database for a plan test: its URL, a plain pool
// on it to fill it and explain with, and the test's fixed now.
func planDatabase(t *testing.T) (string, *pgxpool.Pool, time.Time) {
	t.Helper()
	url := pgtest.NewDatabase(t)
	plain, err := Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(plain.Close)
	return url, plain, time.Now().UTC().Truncate(time.Microsecond)
}

// tracedStore is a Store on its own pool to url whose statements the
// returned recorder keeps, at the fixed time now.
func tracedStore(t *testing.T, url string, now time.Time) (*Store, *recorder) {
	t.Helper()
	rec := &recorder{}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.Tracer = rec
	traced, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(traced.Close)
	return New(traced, func() time.Time { return now }), rec
}

// checkPlans runs one query case: run must send at least one statement
// (ErrNotFound is an answer, not a failure); each statement but
// transaction control is explained on plain (planOf) and bad lists what is
// wrong with its plan, which fails the test.
func checkPlans(t *testing.T, plain *pgxpool.Pool, rec *recorder, run func() error, bad func(st recorded, plan string) []string) {
	t.Helper()
	rec.take()
	if err := run(); err != nil && !isNotFound(err) {
		t.Fatal(err)
	}
	stmts := rec.take()
	if len(stmts) == 0 {
		t.Fatal("no statement was recorded")
	}
	for _, st := range stmts {
		switch strings.ToLower(strings.TrimSpace(st.sql)) {
		case "begin", "commit", "rollback": // transaction control: no plan
			continue
		}
		plan := planOf(t, plain, st)
		if b := bad(st, plan); len(b) > 0 {
			t.Errorf("%s for\n%s\nplan: %s", strings.Join(b, "; "), st.sql, plan)
		}
	}
}

func isNotFound(err error) bool {
	return err != nil && strings.Contains(err.Error(), storage.ErrNotFound.Error())
}

// fill inserts 200,000 rows into each big table (half of them the heavy
// user's; the rest spread over 2,000 users) and analyses them, as
// autovacuum would in production.
func fill(t *testing.T, pool *pgxpool.Pool, now time.Time) {
	t.Helper()
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO users (id, email, created_at, updated_at)
		 SELECT 'user-' || g, 'user-' || g || '@example.com', $1::timestamptz, $1::timestamptz FROM generate_series(0, 1999) g
		 UNION ALL SELECT 'heavy', 'heavy@example.com', $1::timestamptz, $1::timestamptz`,
		// user_id: the heavy user for the first half; session_id: 100 tokens per session.
		`INSERT INTO refresh_tokens (id, hash, family_id, client_id, user_id, auth_time, session_id, created_at, expires_at)
		 SELECT 'r-' || g, 'h-' || g, 'f-' || (g / 10), 'c-' || (g % 5),
		        CASE WHEN g < 100000 THEN 'heavy' ELSE 'user-' || (g % 2000) END, $1::timestamptz, 's-' || (g / 100),
		        $1::timestamptz - make_interval(hours => g), $1::timestamptz + make_interval(hours => 200000 - g)
		 FROM generate_series(0, 199999) g`,
		`INSERT INTO sessions (id, token_hash, user_id, auth_time, created_at, last_seen_at, expires_at)
		 SELECT 's-' || g, 'st-' || g, CASE WHEN g < 100000 THEN 'heavy' ELSE 'user-' || (g % 2000) END, $1::timestamptz,
		        $1::timestamptz - make_interval(hours => g), $1::timestamptz, $1::timestamptz + make_interval(hours => 200000 - g)
		 FROM generate_series(0, 199999) g`,
		`INSERT INTO audit_log (id, at, tenant_id, event, user_id, actor_id)
		 SELECT 'a-' || g, $1::timestamptz - make_interval(mins => g), '` + storage.DefaultTenantID + `',
		        (ARRAY['login', 'logout', 'token.refresh', 'consent.granted'])[1 + g % 4],
		        CASE WHEN g < 100000 THEN 'heavy' ELSE 'user-' || (g % 2000) END, 'user-' || (g % 2000)
		 FROM generate_series(0, 199999) g`,
		`INSERT INTO devices (id, user_id, token_hash, first_seen, last_seen)
		 SELECT 'd-' || g, CASE WHEN g < 100000 THEN 'heavy' ELSE 'user-' || (g % 2000) END, 'dt-' || g,
		        $1::timestamptz - make_interval(hours => g), $1::timestamptz - make_interval(hours => g)
		 FROM generate_series(0, 199999) g`,
	} {
		if _, err := pool.Exec(ctx, q, now); err != nil {
			t.Fatalf("fill: %v\n%s", err, q)
		}
	}
	for _, table := range append([]string{"users"}, bigTables...) {
		if _, err := pool.Exec(ctx, "ANALYZE "+table); err != nil {
			t.Fatal(err)
		}
	}
}

// maxDiscarded is how many rows a scan of a big table may read and throw
// away (a filter the index does not cover): an index on the wrong columns
// avoids a "Seq Scan" but still reads every row of the heavy user.
const maxDiscarded = 1000

// badScans returns what is wrong with the statement's plan: sequential
// scans of one of tables, and scans of them that discard more than
// maxDiscard rows.
func badScans(t *testing.T, plan string, tables []string, maxDiscard int) []string {
	t.Helper()
	var plans []struct{ Plan planNode }
	if err := json.Unmarshal([]byte(plan), &plans); err != nil {
		t.Fatalf("decode plan: %v", err)
	}
	var out []string
	var walk func(n planNode)
	walk = func(n planNode) {
		if slices.Contains(tables, n.Relation) {
			if n.NodeType == "Seq Scan" {
				out = append(out, "sequential scan of "+n.Relation)
			}
			if n.RemovedByFilter+n.RemovedByRecheck > maxDiscard {
				out = append(out, fmt.Sprintf("%s of %s discards %d rows", n.NodeType, n.Relation, n.RemovedByFilter+n.RemovedByRecheck))
			}
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	for _, p := range plans {
		walk(p.Plan)
	}
	return out
}

type planNode struct {
	NodeType         string     `json:"Node Type"`
	Relation         string     `json:"Relation Name"`
	RemovedByFilter  int        `json:"Rows Removed by Filter"`
	RemovedByRecheck int        `json:"Rows Removed by Index Recheck"`
	Plans            []planNode `json:"Plans"`
}

// planOf runs the statement under EXPLAIN (ANALYZE, FORMAT JSON) in a
// transaction it rolls back: the actual plan and row counts, with nothing
// changed.
func planOf(t *testing.T, pool *pgxpool.Pool, st recorded) string {
	t.Helper()
	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	var plan string
	if err := tx.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+st.sql, st.args...).Scan(&plan); err != nil {
		t.Fatalf("explain %s: %v", st.sql, err)
	}
	return plan
}

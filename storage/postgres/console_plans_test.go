package postgres

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/admit-idp/admit/storage"
)

// consoleTables are the tables the console's searches and counts read.
var consoleTables = []string{"users", "wallets", "identities", "audit_log", "sessions"}

// TestConsoleSearchPlans loads 100,000 users (with wallets, linked
// accounts, sessions and audit events) into a fresh database and checks
// that every console search and dashboard count runs on an index: the
// statements the store really sends, EXPLAIN (ANALYZE) with their
// arguments, no sequential scan of those tables and no scan that throws
// away more than maxDiscarded rows. The plans are logged (go test -v).
//
// It takes about a minute on a shared machine, so it runs only with
// ADMIT_CONSOLE_PLANS=1.
func TestConsoleSearchPlans(t *testing.T) {
	if os.Getenv("ADMIT_CONSOLE_PLANS") != "1" {
		t.Skip("set ADMIT_CONSOLE_PLANS=1 (loads 100,000 users)")
	}
	ctx := context.Background()
	url, plain, now := planDatabase(t)
	start := time.Now()
	fillConsole(t, plain, now)
	t.Logf("loaded 100,000 users in %s", time.Since(start).Round(time.Millisecond))

	s, rec := tracedStore(t, url, now)
	def := storage.DefaultTenantID
	// discard overrides maxDiscarded where a filter no index covers is
	// applied to an index's matches: the status filter drops the trigram
	// matches of the other state (about 1,100 for "user-77").
	discard := map[string]int{"search by e-mail, disabled only": 2000}
	// seqOK names the case where a sequential scan is the right plan here:
	// the default tenant holds all 100,000 users, so counting its active
	// sessions joins every user (the sessions side is an index-only scan
	// of sessions_active). A tenant holding a part of the users is joined
	// through the users primary key instead.
	seqOK := map[string]string{"dashboard: active sessions of a tenant": "sequential scan of users"}
	first := storage.PageRequest{Limit: 25}
	for _, q := range []struct {
		name string
		run  func() error
	}{
		{"search by e-mail substring", func() error {
			_, err := s.ListUsers(ctx, storage.UserFilter{TenantID: def, Email: "er-4242@"}, first)
			return err
		}},
		{"search by e-mail prefix", func() error {
			_, err := s.ListUsers(ctx, storage.UserFilter{TenantID: def, Email: "user-4242"}, first)
			return err
		}},
		{"search by e-mail, disabled only", func() error {
			yes := true
			_, err := s.ListUsers(ctx, storage.UserFilter{TenantID: def, Email: "user-77", Disabled: &yes}, first)
			return err
		}},
		{"search by name", func() error {
			_, err := s.ListUsers(ctx, storage.UserFilter{TenantID: def, Name: "lovelace4242"}, first)
			return err
		}},
		{"search by common domain (every user matches)", func() error {
			_, err := s.ListUsers(ctx, storage.UserFilter{TenantID: def, Email: "@example.com"}, first)
			return err
		}},
		{"search by ID", func() error { _, err := s.GetTenantUser(ctx, def, "user-4242"); return err }},
		{"search by Ethereum wallet", func() error {
			_, err := s.GetWallet(ctx, "eip155", "0x00000000000000000000000000000000000004242")
			return err
		}},
		{"search by linked account", func() error { _, err := s.GetIdentity(ctx, "google", "sub-4242"); return err }},
		{"user page: recent events", func() error {
			_, err := s.ListAudit(ctx, storage.AuditFilter{UserID: "user-4242", Since: now.Add(-30 * 24 * time.Hour), Limit: 500})
			return err
		}},
		{"user page: latest lockout", func() error {
			_, err := s.ListAudit(ctx, storage.AuditFilter{UserID: "user-4242", Event: "lockout", Since: now.Add(-30 * 24 * time.Hour), Limit: 500})
			return err
		}},
		{"dashboard: sign-ins of a tenant", func() error {
			_, err := s.CountAuditOutcomes(ctx, def, "login", now.Add(-24*time.Hour))
			return err
		}},
		{"dashboard: sign-ins of every tenant", func() error {
			_, err := s.CountAuditOutcomes(ctx, "", "login", now.Add(-24*time.Hour))
			return err
		}},
		{"dashboard: active sessions of a tenant", func() error {
			_, err := s.CountActiveSessions(ctx, def, now)
			return err
		}},
		{"dashboard: active sessions", func() error { _, err := s.CountActiveSessions(ctx, "", now); return err }},
		{"audit page: an actor", func() error {
			_, err := s.ListAudit(ctx, storage.AuditFilter{TenantID: def, ActorID: "user-42", Limit: 51})
			return err
		}},
	} {
		t.Run(q.name, func(t *testing.T) {
			checkPlans(t, plain, rec, q.run, func(st recorded, plan string) []string {
				t.Logf("%s\n%s", strings.Join(strings.Fields(st.sql), " "), summarise(t, plan))
				bad := badScans(t, plan, consoleTables, max(maxDiscarded, discard[q.name]))
				return slices.DeleteFunc(bad, func(b string) bool { return b == seqOK[q.name] })
			})
		})
	}
}

// summarise is the plan's nodes, one line each: type, relation, index,
// actual rows.
func summarise(t *testing.T, plan string) string {
	t.Helper()
	type node struct {
		NodeType string  `json:"Node Type"`
		Relation string  `json:"Relation Name"`
		Index    string  `json:"Index Name"`
		Rows     float64 `json:"Actual Rows"`
		Time     float64 `json:"Actual Total Time"`
		Plans    []node  `json:"Plans"`
	}
	var plans []struct {
		Plan node
	}
	if err := json.Unmarshal([]byte(plan), &plans); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var walk func(n node, depth int)
	walk = func(n node, depth int) {
		b.WriteString(strings.Repeat("  ", depth+1) + n.NodeType)
		if n.Relation != "" {
			b.WriteString(" on " + n.Relation)
		}
		if n.Index != "" {
			b.WriteString(" using " + n.Index)
		}
		b.WriteString(" (rows " + strings.TrimSuffix(strings.TrimRight(jsonNum(n.Rows), "0"), ".") + ", " + jsonNum(n.Time) + " ms)\n")
		for _, c := range n.Plans {
			walk(c, depth+1)
		}
	}
	for _, p := range plans {
		walk(p.Plan, 0)
	}
	return b.String()
}

func jsonNum(f float64) string {
	raw, _ := json.Marshal(f)
	return string(raw)
}

// fillConsole loads 100,000 users of the default tenant (every 50th
// disabled), a wallet and a linked account for every 10th, 100,000
// sessions and 200,000 audit events of the last two days, then
// VACUUM ANALYZE, as autovacuum would.
func fillConsole(t *testing.T, p *pgxpool.Pool, now time.Time) {
	t.Helper()
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO users (id, email, given_name, family_name, disabled, created_at, updated_at)
		 SELECT 'user-' || g, 'user-' || g || '@example.com', 'Ada' || g, 'Lovelace' || g, g % 50 = 0, $1::timestamptz, $1::timestamptz
		 FROM generate_series(0, 99999) g`,
		`INSERT INTO wallets (namespace, address, chain_ref, user_id, created_at)
		 SELECT 'eip155', '0x' || lpad(g::text, 40, '0'), '1', 'user-' || g, $1::timestamptz
		 FROM generate_series(0, 99999, 10) g`,
		`INSERT INTO identities (provider_id, subject, user_id, created_at, last_used_at)
		 SELECT 'google', 'sub-' || g, 'user-' || g, $1::timestamptz, $1::timestamptz FROM generate_series(0, 99999, 10) g`,
		`INSERT INTO sessions (id, token_hash, user_id, auth_time, created_at, last_seen_at, expires_at)
		 SELECT 's-' || g, 'st-' || g, 'user-' || (g % 100000), $1::timestamptz, $1::timestamptz, $1::timestamptz,
		        $1::timestamptz + make_interval(hours => g % 48 - 24)
		 FROM generate_series(0, 99999) g`,
		`INSERT INTO audit_log (id, at, tenant_id, event, outcome, user_id, actor_id)
		 SELECT 'a-' || g, $1::timestamptz - make_interval(secs => g), '` + storage.DefaultTenantID + `',
		        (ARRAY['login', 'login', 'logout', 'lockout', 'token.refresh'])[1 + g % 5],
		        (ARRAY['success', 'failure'])[1 + g % 2], 'user-' || (g % 100000), 'user-' || (g % 2000)
		 FROM generate_series(0, 199999) g`,
	} {
		if _, err := p.Exec(ctx, q, now); err != nil {
			t.Fatalf("fill: %v\n%s", err, q)
		}
	}
	for _, table := range consoleTables {
		if _, err := p.Exec(ctx, "VACUUM ANALYZE "+table); err != nil {
			t.Fatal(err)
		}
	}
}

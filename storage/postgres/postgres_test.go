package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/postgres"
	"github.com/admit-idp/admit/storage/postgres/pgtest"
	"github.com/admit-idp/admit/storage/storagetest"
)

// TestConformance runs the shared storage suite. Creating a database per
// subtest would cost far more than the suite itself, so all subtests share
// one database and each starts from emptied tables.
func TestConformance(t *testing.T) {
	pool := newPool(t)
	storagetest.RunDurable(t, func(t *testing.T, clock *storagetest.Clock) storage.Durable {
		emptyTables(t, pool)
		return postgres.New(pool, clock.Now)
	})
}

// newPool returns a pool on a fresh, migrated database, closed when the test
// ends (before pgtest drops the database: cleanups run last-in first-out).
func newPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	url := pgtest.NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pool, err := postgres.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect to test database: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// emptyTables empties every table of the schema except golang-migrate's
// bookkeeping. The list comes from the catalogue so that tables added by
// later migrations are emptied too. DELETE rather than TRUNCATE: on tables
// this small it is several times faster (TRUNCATE swaps in new files).
//
// The default tenant, which migration 0009 creates and every fresh store
// has, is kept and restored to its migrated state; tenants go last because
// users, clients and grants reference them.
func emptyTables(t testing.TB, pool *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	var deletes string
	err := pool.QueryRow(ctx, `SELECT string_agg('DELETE FROM ' || quote_ident(tablename), '; '
			ORDER BY tablename = 'tenants', tablename)
		FROM pg_tables
		WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'`).Scan(&deletes)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	deletes = strings.Replace(deletes, "DELETE FROM tenants",
		"DELETE FROM tenants WHERE id <> '"+storage.DefaultTenantID+"'; "+
			"UPDATE tenants SET slug = 'default', name = 'Default Tenant', status = 'active'", 1)
	// Without arguments pgx uses the simple protocol: one round trip runs
	// every statement, in one implicit transaction.
	if _, err := pool.Exec(ctx, deletes); err != nil {
		t.Fatalf("%s: %v", deletes, err)
	}
}

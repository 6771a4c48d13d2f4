package migrations

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/golang-migrate/migrate/v4"
	pgxmigrate "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// files holds the versioned migrations, NNNN_name.up.sql and
// NNNN_name.down.sql, compiled into the binary so a deployment cannot run
// against a schema it was not built for.
//
//go:embed *.sql
var files embed.FS

// Up applies all pending migrations to the database at databaseURL (a
// postgres:// URL). It is safe to run concurrently from several nodes:
// golang-migrate holds a Postgres advisory lock while it migrates, so the
// others wait and then find nothing to do.
func Up(ctx context.Context, databaseURL string) error {
	return run(ctx, databaseURL, "up", func(m *migrate.Migrate) error { return m.Up() })
}

// Down rolls back steps migrations; steps <= 0 rolls back all of them. Asking
// for more steps than are applied rolls back what there is and reports
// golang-migrate's ErrShortLimit.
func Down(ctx context.Context, databaseURL string, steps int) error {
	return run(ctx, databaseURL, "down", func(m *migrate.Migrate) error {
		if steps <= 0 {
			return m.Down()
		}
		return m.Steps(-steps)
	})
}

// Version reports the current schema version and whether the last migration
// failed halfway (dirty), which needs an operator. A database that was never
// migrated is version 0, not dirty.
func Version(ctx context.Context, databaseURL string) (version uint, dirty bool, err error) {
	err = run(ctx, databaseURL, "version", func(m *migrate.Migrate) error {
		version, dirty, err = m.Version()
		return err
	})
	if errors.Is(err, migrate.ErrNilVersion) {
		return 0, false, nil
	}
	return version, dirty, err
}

// run opens a migrator, runs op under ctx and closes the migrator. Having
// nothing to do is not an error.
func run(ctx context.Context, databaseURL, name string, op func(*migrate.Migrate) error) error {
	m, err := open(ctx, databaseURL)
	if err != nil {
		return fmt.Errorf("migrations: %s: %w", name, err)
	}
	err = withContext(ctx, m, op)
	if srcErr, dbErr := m.Close(); err == nil {
		err = errors.Join(srcErr, dbErr)
	}
	if err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("migrations: %s: %w", name, err)
	}
	return nil
}

// open connects to the database and pairs it with the embedded migrations.
// The connection is opened through pgx's database/sql adapter so that the URL
// keeps its usual postgres:// form (golang-migrate's own URL parsing wants
// pgx5://) and so that ctx bounds the connection attempt.
func open(ctx context.Context, databaseURL string) (*migrate.Migrate, error) {
	// Parsed as the pool parses it, so that the pool_* parameters the
	// server's pool takes from the same URL (pool_max_conns) are not sent
	// to Postgres as settings, which it refuses.
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	db := stdlib.OpenDB(*cfg.ConnConfig)
	if err := db.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("connect: %w", err), db.Close())
	}
	m, err := newMigrate(db)
	if err != nil {
		return nil, errors.Join(err, db.Close())
	}
	m.LockTimeout = lockTimeout(ctx)
	return m, nil
}

// newMigrate builds the migrator; from here on it owns db.
func newMigrate(db *sql.DB) (*migrate.Migrate, error) {
	src, err := iofs.New(files, ".")
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	drv, err := pgxmigrate.WithInstance(db, &pgxmigrate.Config{})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open migration driver: %w", err), src.Close())
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", drv)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("create migrator: %w", err), src.Close(), drv.Close())
	}
	return m, nil
}

// lockTimeout bounds the wait for another node's migration by ctx's deadline
// when it has one, else by golang-migrate's default.
func lockTimeout(ctx context.Context) time.Duration {
	if deadline, ok := ctx.Deadline(); ok {
		return max(time.Until(deadline), time.Millisecond)
	}
	return migrate.DefaultLockTimeout
}

// withContext runs op and asks golang-migrate, whose API has no context, to
// stop after the migration in progress if ctx ends first. A migration is
// never cut in half: each file runs in its own transaction. A graceful stop
// makes op return nil, so ctx.Err() is what reports it.
func withContext(ctx context.Context, m *migrate.Migrate, op func(*migrate.Migrate) error) error {
	stop := context.AfterFunc(ctx, func() {
		select {
		case m.GracefulStop <- true:
		default:
		}
	})
	defer stop()
	if err := op(m); err != nil {
		return err
	}
	return ctx.Err()
}

package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/admit-idp/admit/storage"
)

// DefaultTimeout bounds every call of a Store made with New: a frozen or
// blackholed database must end a request with ErrUnavailable (503), never
// hang it until the client gives up. WithTimeout changes it.
const DefaultTimeout = 3 * time.Second

// db is the pool as the Store uses it, with a deadline on every call: each
// statement (and the wait for a pooled connection before it) gets at most
// timeout, on top of whatever deadline the caller's context already has.
// Putting it here, under every query method, gives all of them (and any
// added later) the deadline without repeating it at each call site. A
// deadline that fires is context.DeadlineExceeded, which wrap maps to
// storage.ErrUnavailable; pgx closes the connection it interrupted.
//
// It is also where the pool's reserve is kept (share.go): a call without
// the storage.WithReserve mark first takes a slot of the shared part,
// within the same deadline, and gives it back when its connection returns
// to the pool (after Exec, after Scan, when rows close, at Commit or
// Rollback).
type db struct {
	pool    *pgxpool.Pool
	timeout time.Duration
	shared  *share
}

// bound derives the context of one call. A timeout of 0 adds none.
func (d db) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if d.timeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d.timeout)
}

// housekeeping is d for maintenance (sweeps, pruning): bounded only by
// the caller's context, as a large batch may rightly take longer than a
// request's deadline, but still within the shared part of the pool, like
// every call without the reserve mark.
func (d db) housekeeping() db {
	d.timeout = 0
	return d
}

// Ping takes no slot: readiness must not fail because logins are busy.
func (d db) Ping(ctx context.Context) error {
	ctx, cancel := d.bound(ctx)
	defer cancel()
	return d.pool.Ping(ctx)
}

// Exec runs a statement. When ctx carries events (storage.WithEvents), the
// statement and the events go into one transaction (execAnnounced).
func (d db) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if storage.PendingEvents(ctx) != nil {
		return d.execAnnounced(ctx, sql, args...)
	}
	ctx, cancel := d.bound(ctx)
	defer cancel()
	release, err := d.shared.acquire(ctx)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	defer release()
	return d.pool.Exec(ctx, sql, args...)
}

func (d db) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	ctx, cancel := d.bound(ctx)
	defer cancel()
	release, err := d.shared.acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer release()
	return d.pool.CopyFrom(ctx, table, columns, src)
}

// QueryRow's deadline lasts until Scan, which reads the row.
func (d db) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	ctx, cancel := d.bound(ctx)
	release, err := d.shared.acquire(ctx)
	if err != nil {
		cancel()
		return errRow{err: err}
	}
	return boundRow{Row: d.pool.QueryRow(ctx, sql, args...), cancel: func() { cancel(); release() }}
}

// Query's deadline lasts until the rows are closed (pgx.CollectRows closes
// them), so it covers reading every row.
func (d db) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	ctx, cancel := d.bound(ctx)
	release, err := d.shared.acquire(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	rows, err := d.pool.Query(ctx, sql, args...)
	if err != nil {
		cancel()
		release()
		return nil, err
	}
	return &boundRows{Rows: rows, cancel: func() { cancel(); release() }}, nil
}

// Begin starts a transaction (pgx.BeginFunc calls it) whose statements,
// commit and rollback each get the same per-call deadline.
func (d db) Begin(ctx context.Context) (pgx.Tx, error) {
	return d.beginTx(ctx, true)
}

// begin is Begin for changeTx, whose commit must not announce again.
func (d db) begin(ctx context.Context) (pgx.Tx, error) {
	return d.beginTx(ctx, false)
}

// beginTx takes the transaction's slot of the shared part (if it needs
// one) until its Commit or Rollback.
func (d db) beginTx(ctx context.Context, announce bool) (pgx.Tx, error) {
	bctx, cancel := d.bound(ctx)
	defer cancel()
	release, err := d.shared.acquire(bctx)
	if err != nil {
		return nil, err
	}
	tx, err := d.pool.Begin(bctx)
	if err != nil {
		release()
		return nil, err
	}
	return boundTx{Tx: tx, db: d, announce: announce, release: release}, nil
}

// errRow is the row of a QueryRow that got no connection.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

type boundRow struct {
	pgx.Row
	cancel context.CancelFunc
}

func (r boundRow) Scan(dest ...any) error {
	defer r.cancel()
	return r.Row.Scan(dest...)
}

type boundRows struct {
	pgx.Rows
	cancel context.CancelFunc
}

func (r *boundRows) Close() {
	r.Rows.Close()
	r.cancel()
}

// boundTx bounds the calls the Store makes inside a transaction.
// A transaction begun by a Store method (pgx.BeginFunc) announces: its
// commit also inserts the events attached to the context, so they commit
// with the change or not at all.
type boundTx struct {
	pgx.Tx
	db       db
	announce bool
	// release gives back the transaction's slot of the shared part once
	// its connection is back in the pool; idempotent (pgx.BeginFunc rolls
	// back after a commit too).
	release func()
}

func (t boundTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	ctx, cancel := t.db.bound(ctx)
	defer cancel()
	return t.Tx.Exec(ctx, sql, args...)
}

func (t boundTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	ctx, cancel := t.db.bound(ctx)
	return boundRow{Row: t.Tx.QueryRow(ctx, sql, args...), cancel: cancel}
}

func (t boundTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	ctx, cancel := t.db.bound(ctx)
	rows, err := t.Tx.Query(ctx, sql, args...)
	if err != nil {
		cancel()
		return nil, err
	}
	return &boundRows{Rows: rows, cancel: cancel}, nil
}

func (t boundTx) Commit(ctx context.Context) error {
	var b *storage.EventBatch
	if t.announce {
		b = storage.PendingEvents(ctx)
	}
	if b != nil {
		if err := insertEvents(ctx, t, b.Events()); err != nil {
			_ = t.Rollback(ctx)
			return err
		}
	}
	bctx, cancel := t.db.bound(ctx)
	defer cancel()
	err := t.Tx.Commit(bctx)
	t.release()
	if err == nil && b != nil {
		b.MarkWritten()
	}
	return err
}

func (t boundTx) Rollback(ctx context.Context) error {
	ctx, cancel := t.db.bound(ctx)
	defer cancel()
	err := t.Tx.Rollback(ctx)
	t.release()
	return err
}

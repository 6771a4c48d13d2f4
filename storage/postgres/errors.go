package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/admit-idp/admit/storage"
)

// codeUniqueViolation is the SQLSTATE of a taken unique key.
const codeUniqueViolation = "23505"

// wrap annotates err with the operation and, where it has a meaning in the
// storage contract, the matching sentinel. The cause stays in the chain
// (double %w) so logs keep the SQLSTATE and callers can still errors.As it.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if sentinel := classify(err); sentinel != nil {
		return fmt.Errorf("postgres: %s: %w: %w", op, sentinel, err)
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// classify maps a pgx error to a storage sentinel, or nil if none fits.
func classify(err error) error {
	var pgErr *pgconn.PgError
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return storage.ErrNotFound
	case errors.Is(err, context.Canceled):
		// The caller gave up; the database is not at fault.
		return nil
	case errors.As(err, &pgErr):
		return classifyServer(pgErr)
	case unavailable(err):
		return storage.ErrUnavailable
	}
	return nil
}

// classifyServer maps an error the server reported.
func classifyServer(e *pgconn.PgError) error {
	switch {
	case e.Code == codeUniqueViolation:
		return storage.ErrAlreadyExists
	case serverUnavailable(e.Code):
		return storage.ErrUnavailable
	}
	return nil
}

// serverUnavailable reports SQLSTATEs that mean "this server cannot serve you
// right now" and are worth retrying, possibly on another node: connection
// exceptions (08), insufficient resources (53: too many connections, disk
// full), operator intervention (57P: shutdown, crash recovery, start-up),
// statement_timeout (57014) and read-only transactions on a demoted primary
// (25006).
func serverUnavailable(code string) bool {
	return strings.HasPrefix(code, "08") || strings.HasPrefix(code, "53") ||
		strings.HasPrefix(code, "57P") || code == "57014" || code == "25006"
}

// unavailable reports client-side failures to reach or hear from the server:
// refused or dropped connections, timeouts (including the caller's deadline)
// and anything pgx deems safe to retry because nothing was sent.
func unavailable(err error) bool {
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) ||
		pgconn.Timeout(err) ||
		pgconn.SafeToRetry(err) ||
		errors.As(err, &connectErr) ||
		errors.As(err, &netErr) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF)
}

// errNoSuch reports a missing record found by an UPDATE or DELETE that
// matched no row (pgx only reports ErrNoRows for reads).
func errNoSuch(kind string) error {
	return fmt.Errorf("no such %s: %w", kind, storage.ErrNotFound)
}

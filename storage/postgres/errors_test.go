package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/admit-idp/admit/storage"
)

func TestWrapClassifies(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	for _, tc := range []struct {
		name string
		err  error
		want error // nil: no sentinel
	}{
		{"no rows", pgx.ErrNoRows, storage.ErrNotFound},
		{"unique violation", &pgconn.PgError{Code: "23505"}, storage.ErrAlreadyExists},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, storage.ErrUnavailable},
		{"too many connections", &pgconn.PgError{Code: "53300"}, storage.ErrUnavailable},
		{"connection failure", &pgconn.PgError{Code: "08006"}, storage.ErrUnavailable},
		{"statement timeout", &pgconn.PgError{Code: "57014"}, storage.ErrUnavailable},
		{"read-only standby", &pgconn.PgError{Code: "25006"}, storage.ErrUnavailable},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), storage.ErrUnavailable},
		{"network", refused, storage.ErrUnavailable},
		{"dropped connection", io.ErrUnexpectedEOF, storage.ErrUnavailable},
		{"caller cancelled", context.Canceled, nil},
		{"undefined table", &pgconn.PgError{Code: "42P01"}, nil},
		{"check violation", &pgconn.PgError{Code: "23514"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := wrap("op", tc.err)
			if !errors.Is(got, tc.err) {
				t.Errorf("wrap lost the cause: %v", got)
			}
			for _, s := range []error{storage.ErrNotFound, storage.ErrAlreadyExists, storage.ErrUnavailable, storage.ErrAlreadyUsed} {
				if errors.Is(got, s) != (s == tc.want) {
					t.Errorf("errors.Is(%v, %v) = %v, want %v", got, s, !(s == tc.want), s == tc.want)
				}
			}
		})
	}
}

func TestWrapNil(t *testing.T) {
	if err := wrap("op", nil); err != nil {
		t.Fatalf("wrap(nil) = %v, want nil", err)
	}
}

// The SQLSTATE must stay reachable for logs and callers after wrapping.
func TestWrapKeepsPgError(t *testing.T) {
	err := wrap("create user", &pgconn.PgError{Code: "23505", ConstraintName: "users_email_key"})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.ConstraintName != "users_email_key" {
		t.Fatalf("errors.As(%v) did not find the PgError", err)
	}
}

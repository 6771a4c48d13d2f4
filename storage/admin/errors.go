package admin

import (
	"errors"
	"fmt"
	"strings"

	"github.com/admit-idp/admit/storage"
)

// Errors of the service. Storage errors are mapped: storage.ErrNotFound to
// ErrNotFound, storage.ErrAlreadyExists to ErrConflict; storage.ErrUnavailable
// is passed through (wrapped) so callers answer "retry later".
var (
	// ErrUnauthenticated: the principal no longer exists or is disabled.
	ErrUnauthenticated = errors.New("admin: unauthenticated")
	// ErrForbidden: the principal may not do this (or not in this tenant).
	ErrForbidden = errors.New("admin: forbidden")
	// ErrNotFound: no such record in the tenant.
	ErrNotFound = errors.New("admin: not found")
	// ErrConflict: a unique key is taken, or the record's state forbids the
	// operation.
	ErrConflict = errors.New("admin: conflict")
	// ErrSelfGrant: a person granting a role to themselves, which nobody
	// may do, whatever roles they hold. It is an ErrForbidden (errors.Is),
	// told apart so that pages can say the real rule.
	ErrSelfGrant = fmt.Errorf("admin: grant to oneself: %w", ErrForbidden)
)

// FieldError is one validation problem of an input field.
type FieldError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// ValidationError lists every problem of an input at once.
type ValidationError struct {
	Errors []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Errors))
	for i, f := range e.Errors {
		parts[i] = f.Detail
	}
	return strings.Join(parts, "\n")
}

// problems collects field errors.
type problems []FieldError

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, FieldError{Field: field, Detail: fmt.Sprintf(format, args...)})
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Errors: p}
}

func invalid(field, format string, args ...any) error {
	var p problems
	p.add(field, format, args...)
	return p.err()
}

// mapErr turns storage sentinels into the service's.
func mapErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, storage.ErrNotFound):
		return &wrapped{msg: what + ": not found", errs: []error{ErrNotFound, err}}
	case errors.Is(err, storage.ErrAlreadyExists):
		return &wrapped{msg: what + " already exists", errs: []error{ErrConflict, err}}
	}
	return err
}

// wrapped is a service error that still matches the storage error it came
// from (errors.Is with storage.ErrNotFound keeps working for callers).
type wrapped struct {
	msg  string
	errs []error
}

func (w *wrapped) Error() string   { return w.msg }
func (w *wrapped) Unwrap() []error { return w.errs }

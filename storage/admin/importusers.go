package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin/importer"
)

// ErrUnsupported: this deployment cannot do the operation (importing users
// needs the Postgres backend).
var ErrUnsupported = errors.New("admin: not supported here")

// UserImporter runs the shared importer (storage/admin/importer, the one `admit
// import` uses) for one tenant, reading Admit's JSON Lines format from body.
type UserImporter interface {
	ImportUsers(ctx context.Context, tenantID string, body io.Reader, dry bool) (*importer.Report, error)
}

// ImportUsers imports users into the tenant: tenant administrators and
// platform administrators only. Records naming another tenant are
// skipped; records naming none belong to this one.
func (s *Service) ImportUsers(ctx context.Context, p Principal, tenantID string, body io.Reader, dry bool) (*importer.Report, error) {
	if err := s.inTenant(ctx, p, tenantID); err != nil {
		return nil, err
	}
	if s.Importer == nil {
		return nil, fmt.Errorf("importing users needs the Postgres backend: %w", ErrUnsupported)
	}
	rep, err := s.Importer.ImportUsers(ctx, tenantID, body, dry)
	if errors.Is(err, importer.ErrUnreadable) {
		// The batches before the bad spot are imported; a re-run of the
		// whole body is safe (idempotent).
		return nil, invalid("body", "%v", err)
	}
	if err != nil {
		return rep, err
	}
	if !dry {
		s.record(ctx, p, tenantID, "admin.users.imported", storage.AuditEvent{
			Reason: "inserted=" + strconv.Itoa(rep.Inserted) + " updated=" + strconv.Itoa(rep.Updated) + " skipped=" + strconv.Itoa(len(rep.Skipped)),
		})
	}
	return rep, nil
}

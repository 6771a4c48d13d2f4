package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/admit-idp/admit/storage"
)

// TenantInput creates or changes a tenant; for an update, empty fields are
// kept.
type TenantInput struct {
	Slug string
	Name string
}

func (in TenantInput) validate(create bool) error {
	var errs problems
	if (create || in.Slug != "") && !storage.ValidSlug(in.Slug) {
		errs.add("slug", "slug %q: 1-63 of a-z 0-9 and inner hyphens", in.Slug)
	}
	if (create || in.Name != "") && (strings.TrimSpace(in.Name) == "" || len(in.Name) > 200) {
		errs.add("name", "name: 1-200 characters")
	}
	if !create && in.Slug == "" && in.Name == "" {
		errs.add("", "nothing to change: give slug or name")
	}
	return errs.err()
}

// CreateTenant creates an active tenant (platform administrators).
func (s *Service) CreateTenant(ctx context.Context, p Principal, in TenantInput) (storage.Tenant, error) {
	if err := platform(p); err != nil {
		return storage.Tenant{}, err
	}
	if err := in.validate(true); err != nil {
		return storage.Tenant{}, err
	}
	now := s.now()
	t := storage.Tenant{ID: s.newID(), Slug: in.Slug, Name: strings.TrimSpace(in.Name), Status: storage.TenantActive, CreatedAt: now, UpdatedAt: now}
	if err := s.Store.CreateTenant(ctx, t); err != nil {
		return storage.Tenant{}, mapErr(err, "tenant "+in.Slug)
	}
	s.record(ctx, p, t.ID, "admin.tenant.created", storage.AuditEvent{Details: map[string]string{"slug": t.Slug, "name": t.Name}})
	return t, nil
}

// ListTenants lists tenants (platform administrators).
func (s *Service) ListTenants(ctx context.Context, p Principal, f storage.TenantFilter, pg Page) (List[storage.Tenant], error) {
	if err := platform(p); err != nil {
		return List[storage.Tenant]{}, err
	}
	if f.Status != "" && f.Status != storage.TenantActive && f.Status != storage.TenantSuspended {
		return List[storage.Tenant]{}, invalid("status", "status %q: want active or suspended", f.Status)
	}
	req, err := pg.request()
	if err != nil {
		return List[storage.Tenant]{}, err
	}
	page, err := s.Store.ListTenants(ctx, f, req)
	return listOf(page), err
}

// GetTenant returns a tenant: platform administrators any, tenant
// administrators their own.
func (s *Service) GetTenant(ctx context.Context, p Principal, id string) (storage.Tenant, error) {
	if err := s.inTenant(ctx, p, id); err != nil {
		return storage.Tenant{}, err
	}
	t, err := s.Store.GetTenant(ctx, id)
	return t, mapErr(err, "tenant "+id)
}

// ResolveTenant finds a tenant by ID or slug (the CLI's --tenant); "" is
// the default tenant.
func (s *Service) ResolveTenant(ctx context.Context, idOrSlug string) (storage.Tenant, error) {
	if idOrSlug == "" {
		idOrSlug = storage.DefaultTenantID
	}
	t, err := s.Store.GetTenant(ctx, idOrSlug)
	if errors.Is(err, storage.ErrNotFound) {
		t, err = s.Store.GetTenantBySlug(ctx, idOrSlug)
	}
	return t, mapErr(err, "tenant "+idOrSlug)
}

// UpdateTenant renames or re-slugs a tenant (platform administrators).
func (s *Service) UpdateTenant(ctx context.Context, p Principal, id string, in TenantInput) (storage.Tenant, error) {
	if err := platform(p); err != nil {
		return storage.Tenant{}, err
	}
	if err := in.validate(false); err != nil {
		return storage.Tenant{}, err
	}
	return s.changeTenant(ctx, p, id, "admin.tenant.updated", func(t *storage.Tenant) {
		if in.Slug != "" {
			t.Slug = in.Slug
		}
		if in.Name != "" {
			t.Name = strings.TrimSpace(in.Name)
		}
	})
}

// SetTenantStatus suspends (storage.TenantSuspended) or activates a
// tenant (platform administrators). The default tenant cannot be
// suspended: its administrators run the platform.
func (s *Service) SetTenantStatus(ctx context.Context, p Principal, id, status string) (storage.Tenant, error) {
	if err := platform(p); err != nil {
		return storage.Tenant{}, err
	}
	if status != storage.TenantActive && status != storage.TenantSuspended {
		return storage.Tenant{}, invalid("status", "status %q: want active or suspended", status)
	}
	if id == storage.DefaultTenantID && status == storage.TenantSuspended {
		return storage.Tenant{}, fmt.Errorf("the default tenant cannot be suspended: %w", ErrConflict)
	}
	event := "admin.tenant.activated"
	if status == storage.TenantSuspended {
		event = "admin.tenant.suspended"
	}
	return s.changeTenant(ctx, p, id, event, func(t *storage.Tenant) { t.Status = status })
}

func (s *Service) changeTenant(ctx context.Context, p Principal, id, event string, change func(*storage.Tenant)) (storage.Tenant, error) {
	t, err := s.Store.GetTenant(ctx, id)
	if err != nil {
		return storage.Tenant{}, mapErr(err, "tenant "+id)
	}
	change(&t)
	t.UpdatedAt = s.now()
	if err := s.Store.UpdateTenant(ctx, t); err != nil {
		return storage.Tenant{}, mapErr(err, "tenant "+t.Slug)
	}
	s.record(ctx, p, t.ID, event, storage.AuditEvent{Details: map[string]string{"slug": t.Slug, "name": t.Name, "status": t.Status}})
	return t, nil
}

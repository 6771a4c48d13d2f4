package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/admit-idp/admit/storage"
)

// defaultTenant is the tenant that exists from the start, as migration 0009
// creates it in Postgres.
func defaultTenant(now time.Time) storage.Tenant {
	return storage.Tenant{ID: storage.DefaultTenantID, Slug: "default", Name: "Default Tenant",
		Status: storage.TenantActive, CreatedAt: now, UpdatedAt: now}
}

func tenantOrDefault(id string) string { return cmp.Or(id, storage.DefaultTenantID) }

// tenantStatusLocked is the status of the tenant (empty if unknown).
// Callers hold s.mu.
func (s *Store) tenantStatusLocked(id string) string { return s.tenants[id].Status }

// CreateTenant implements storage.Tenants.
func (s *Store) CreateTenant(_ context.Context, t storage.Tenant) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tenants[t.ID]; ok || s.slugTakenLocked(t.Slug, "") {
		return fmt.Errorf("memory: create tenant %s: %w", t.ID, storage.ErrAlreadyExists)
	}
	t.Status = cmp.Or(t.Status, storage.TenantActive)
	s.tenants[t.ID] = t
	return nil
}

func (s *Store) slugTakenLocked(slug, exceptID string) bool {
	for _, t := range s.tenants {
		if t.Slug == slug && t.ID != exceptID {
			return true
		}
	}
	return false
}

// GetTenant implements storage.Tenants.
func (s *Store) GetTenant(_ context.Context, id string) (storage.Tenant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tenants[id]
	if !ok {
		return storage.Tenant{}, fmt.Errorf("memory: get tenant %s: %w", id, storage.ErrNotFound)
	}
	return t, nil
}

// GetTenantBySlug implements storage.Tenants.
func (s *Store) GetTenantBySlug(_ context.Context, slug string) (storage.Tenant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tenants {
		if t.Slug == slug {
			return t, nil
		}
	}
	return storage.Tenant{}, fmt.Errorf("memory: get tenant %q: %w", slug, storage.ErrNotFound)
}

// UpdateTenant implements storage.Tenants.
func (s *Store) UpdateTenant(_ context.Context, t storage.Tenant) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.tenants[t.ID]
	if !ok {
		return fmt.Errorf("memory: update tenant %s: %w", t.ID, storage.ErrNotFound)
	}
	if s.slugTakenLocked(t.Slug, t.ID) {
		return fmt.Errorf("memory: update tenant %s: slug taken: %w", t.ID, storage.ErrAlreadyExists)
	}
	old.Slug, old.Name, old.Status, old.UpdatedAt = t.Slug, t.Name, t.Status, t.UpdatedAt
	s.tenants[t.ID] = old
	return nil
}

// ListTenants implements storage.Tenants.
func (s *Store) ListTenants(_ context.Context, f storage.TenantFilter, p storage.PageRequest) (storage.Page[storage.Tenant], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []storage.Tenant
	for _, t := range s.tenants {
		if (f.Status == "" || t.Status == f.Status) && (contains(t.Slug, f.Query) || contains(t.Name, f.Query)) {
			all = append(all, t)
		}
	}
	return page(all, p, func(t storage.Tenant) string { return t.ID }), nil
}

// contains is a case-insensitive substring match; an empty query matches.
func contains(s, query string) bool {
	return query == "" || strings.Contains(strings.ToLower(s), strings.ToLower(query))
}

// page sorts items by ID and cuts the page after p.After.
func page[T any](items []T, p storage.PageRequest, id func(T) string) storage.Page[T] {
	slices.SortFunc(items, func(a, b T) int { return strings.Compare(id(a), id(b)) })
	start, _ := slices.BinarySearchFunc(items, p.After, func(t T, after string) int {
		if id(t) <= after {
			return -1
		}
		return 1
	})
	if p.After == "" {
		start = 0
	}
	items = items[start:]
	out := storage.Page[T]{Items: items}
	if n := p.Size(); len(items) > n {
		out.Items = items[:n:n]
		out.Next = id(items[n-1])
	}
	return out
}

package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/admit-idp/admit/storage"
)

// PutRoleGrant implements storage.RoleGrants: an active grant of the same
// (tenant, user, role, resource) keeps its ID and takes g's expiry.
func (s *Store) PutRoleGrant(ctx context.Context, g storage.RoleGrant) (storage.RoleGrant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, old := range s.grants {
		if old.Active && sameGrantKey(old, g) {
			old.ExpiresAt = g.ExpiresAt
			s.grants[id] = old
			s.announceLocked(ctx)
			return old, nil
		}
	}
	if _, ok := s.grants[g.ID]; ok {
		return storage.RoleGrant{}, fmt.Errorf("memory: put role grant %s: %w", g.ID, storage.ErrAlreadyExists)
	}
	if _, ok := s.tenants[g.TenantID]; !ok {
		return storage.RoleGrant{}, fmt.Errorf("memory: put role grant %s: tenant %q: %w", g.ID, g.TenantID, storage.ErrNotFound)
	}
	if u, ok := s.users[g.UserID]; !ok || u.TenantID != g.TenantID {
		return storage.RoleGrant{}, fmt.Errorf("memory: put role grant %s: no user %s in tenant %s: %w", g.ID, g.UserID, g.TenantID, storage.ErrNotFound)
	}
	g.Active, g.RevokedBy, g.RevokedAt = true, "", time.Time{}
	s.grants[g.ID] = g
	s.announceLocked(ctx)
	return g, nil
}

func sameGrantKey(a, b storage.RoleGrant) bool {
	return a.TenantID == b.TenantID && a.UserID == b.UserID && a.Role == b.Role &&
		a.ResourceType == b.ResourceType && a.ResourceID == b.ResourceID
}

// RevokeRoleGrants implements storage.RoleGrants.
func (s *Store) RevokeRoleGrants(ctx context.Context, f storage.GrantFilter, by string, at time.Time) ([]storage.RoleGrant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.TenantID == "" || f.UserID == "" {
		return nil, nil
	}
	f.InForceAt = time.Time{}
	var out []storage.RoleGrant
	for id, g := range s.grants {
		if g.Active && matchGrant(g, f) {
			g.Active, g.RevokedBy, g.RevokedAt = false, by, at
			s.grants[id] = g
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b storage.RoleGrant) int { return strings.Compare(a.ID, b.ID) })
	if len(out) > 0 {
		s.announceLocked(ctx)
	}
	return out, nil
}

func matchGrant(g storage.RoleGrant, f storage.GrantFilter) bool {
	return f.TenantID != "" && g.TenantID == f.TenantID &&
		(f.UserID == "" || g.UserID == f.UserID) && (f.Role == "" || g.Role == f.Role) &&
		(f.ResourceType == "" || g.ResourceType == f.ResourceType) &&
		(f.ResourceID == "" || g.ResourceID == f.ResourceID) &&
		(!f.Global || g.Global()) && (f.InForceAt.IsZero() || g.InForce(f.InForceAt))
}

// ListRoleGrants implements storage.RoleGrants.
func (s *Store) ListRoleGrants(_ context.Context, f storage.GrantFilter, p storage.PageRequest) (storage.Page[storage.RoleGrant], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []storage.RoleGrant
	for _, g := range s.grants {
		if matchGrant(g, f) {
			all = append(all, g)
		}
	}
	return page(all, p, func(g storage.RoleGrant) string { return g.ID }), nil
}

// GetUserWithGrants implements storage.RoleGrants.
func (s *Store) GetUserWithGrants(ctx context.Context, userID string, at time.Time) (storage.User, []storage.RoleGrant, error) {
	u, err := s.GetUser(ctx, userID)
	if err != nil {
		return storage.User{}, nil, err
	}
	grants, err := s.UserRoleGrants(ctx, u.TenantID, u.ID, at)
	return u, grants, err
}

// UserRoleGrants implements storage.RoleGrants.
func (s *Store) UserRoleGrants(ctx context.Context, tenantID, userID string, at time.Time) ([]storage.RoleGrant, error) {
	if tenantID == "" || userID == "" {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []storage.RoleGrant
	f := storage.GrantFilter{TenantID: tenantID, UserID: userID, InForceAt: at}
	for _, g := range s.grants {
		if matchGrant(g, f) {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b storage.RoleGrant) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

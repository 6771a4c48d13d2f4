package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/admit-idp/admit/storage"
)

// tenantUserLocked returns the live or deleted user if it belongs to the
// tenant. Callers hold s.mu.
func (s *Store) tenantUserLocked(tenantID, userID string) (storage.User, bool) {
	u, ok := s.userLocked(userID)
	return u, ok && tenantID != "" && u.TenantID == tenantID
}

// GetTenantUser implements storage.Directory.
func (s *Store) GetTenantUser(_ context.Context, tenantID, userID string) (storage.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.tenantUserLocked(tenantID, userID)
	if !ok {
		return storage.User{}, fmt.Errorf("memory: get user %s of tenant %s: %w", userID, tenantID, storage.ErrNotFound)
	}
	return u, nil
}

// ListUsers implements storage.Directory.
func (s *Store) ListUsers(_ context.Context, f storage.UserFilter, p storage.PageRequest) (storage.Page[storage.User], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []storage.User
	for id := range s.users {
		u, ok := s.tenantUserLocked(f.TenantID, id)
		deleted := !s.extra(id).deletedAt.IsZero()
		if ok && contains(u.Email, f.Email) && contains(u.GivenName+" "+u.FamilyName, f.Name) && (f.Disabled == nil || u.Disabled == *f.Disabled) && (f.IncludeDeleted || !deleted) {
			all = append(all, u)
		}
	}
	return page(all, p, func(u storage.User) string { return u.ID }), nil
}

// SetUserDisabled implements storage.Directory.
func (s *Store) SetUserDisabled(ctx context.Context, tenantID, userID string, disabled bool, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.tenantUserLocked(tenantID, userID)
	if !ok || !s.extra(userID).deletedAt.IsZero() {
		return fmt.Errorf("memory: disable user %s of tenant %s: %w", userID, tenantID, storage.ErrNotFound)
	}
	u.Disabled, u.UpdatedAt, u.TenantStatus = disabled, at, ""
	s.users[userID] = u
	s.announceLocked(ctx)
	return nil
}

// tenantClientLocked returns the client if it belongs to the tenant.
// Callers hold s.mu.
func (s *Store) tenantClientLocked(tenantID, clientID string) (storage.Client, bool) {
	c, ok := s.clients[clientID]
	if !ok || tenantID == "" || c.TenantID != tenantID {
		return storage.Client{}, false
	}
	c.TenantStatus = s.tenantStatusLocked(c.TenantID)
	return cloneClient(c), true
}

// GetTenantClient implements storage.Directory.
func (s *Store) GetTenantClient(_ context.Context, tenantID, clientID string) (storage.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.tenantClientLocked(tenantID, clientID)
	if !ok {
		return storage.Client{}, fmt.Errorf("memory: get client %s of tenant %s: %w", clientID, tenantID, storage.ErrNotFound)
	}
	return c, nil
}

// ListTenantClients implements storage.Directory.
func (s *Store) ListTenantClients(_ context.Context, f storage.ClientFilter, p storage.PageRequest) (storage.Page[storage.Client], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []storage.Client
	for id := range s.clients {
		c, ok := s.tenantClientLocked(f.TenantID, id)
		if ok && (contains(c.ID, f.Query) || contains(c.Name, f.Query)) {
			all = append(all, c)
		}
	}
	return page(all, p, func(c storage.Client) string { return c.ID }), nil
}

// UpdateClient implements storage.Directory.
func (s *Store) UpdateClient(ctx context.Context, c storage.Client) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.tenantClientLocked(c.TenantID, c.ID)
	if !ok {
		return fmt.Errorf("memory: update client %s of tenant %s: %w", c.ID, c.TenantID, storage.ErrNotFound)
	}
	c.SecretHash, c.CreatedAt, c.TenantStatus = old.SecretHash, old.CreatedAt, ""
	s.clients[c.ID] = cloneClient(c)
	s.announceLocked(ctx)
	return nil
}

// SetClientSecretHash implements storage.Directory.
func (s *Store) SetClientSecretHash(ctx context.Context, tenantID, clientID, hash string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.tenantClientLocked(tenantID, clientID)
	if !ok {
		return fmt.Errorf("memory: set secret of client %s of tenant %s: %w", clientID, tenantID, storage.ErrNotFound)
	}
	c.SecretHash, c.TenantStatus = hash, ""
	s.clients[clientID] = c
	s.announceLocked(ctx)
	return nil
}

// DeleteTenantClient implements storage.Directory.
func (s *Store) DeleteTenantClient(ctx context.Context, tenantID, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tenantClientLocked(tenantID, clientID); !ok {
		return fmt.Errorf("memory: delete client %s of tenant %s: %w", clientID, tenantID, storage.ErrNotFound)
	}
	delete(s.clients, clientID)
	s.announceLocked(ctx)
	return nil
}

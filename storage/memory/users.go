package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/admit-idp/admit/storage"
)

// CreateUser stores u; the ID and the e-mail are unique.
func (s *Store) CreateUser(ctx context.Context, u storage.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.createUserLocked(u); err != nil {
		return err
	}
	s.announceLocked(ctx)
	return nil
}

// createUserLocked stores u in its tenant (the default one if unset).
// Callers hold s.mu.
func (s *Store) createUserLocked(u storage.User) error {
	u.TenantID = tenantOrDefault(u.TenantID)
	u.TenantStatus = ""
	if _, ok := s.users[u.ID]; ok {
		return fmt.Errorf("memory: create user %s: %w", u.ID, storage.ErrAlreadyExists)
	}
	if _, ok := s.tenants[u.TenantID]; !ok {
		return fmt.Errorf("memory: create user %s: tenant %s: %w", u.ID, u.TenantID, storage.ErrNotFound)
	}
	key := emailKey(u.TenantID, u.Email)
	if _, ok := s.userByEmail[key]; ok && u.Email != "" {
		return fmt.Errorf("memory: create user %s: e-mail taken: %w", u.ID, storage.ErrAlreadyExists)
	}
	s.users[u.ID] = u
	if u.Email != "" {
		s.userByEmail[key] = u.ID
	}
	return nil
}

// emailKey indexes users by tenant and e-mail.
func emailKey(tenantID, email string) string { return tenantID + "\x00" + email }

// userLocked returns the user with its tenant's status. Callers hold s.mu.
func (s *Store) userLocked(id string) (storage.User, bool) {
	u, ok := s.users[id]
	if ok {
		u.TenantStatus = s.tenantStatusLocked(u.TenantID)
	}
	return u, ok
}

// GetUser returns the user with the given ID.
func (s *Store) GetUser(_ context.Context, id string) (storage.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.userLocked(id)
	if !ok {
		return storage.User{}, fmt.Errorf("memory: get user %s: %w", id, storage.ErrNotFound)
	}
	return u, nil
}

// GetUserByEmail returns the tenant's user with the given normalised e-mail.
func (s *Store) GetUserByEmail(_ context.Context, tenantID, email string) (storage.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.userByEmail[emailKey(tenantID, email)]
	if !ok || email == "" {
		return storage.User{}, fmt.Errorf("memory: get user by e-mail: %w", storage.ErrNotFound)
	}
	u, _ := s.userLocked(id)
	return u, nil
}

// SetPasswordHash replaces the user's password hash.
func (s *Store) SetPasswordHash(ctx context.Context, userID, hash string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	if !ok {
		return fmt.Errorf("memory: set password hash of %s: %w", userID, storage.ErrNotFound)
	}
	u.PasswordHash, u.UpdatedAt = hash, at
	s.users[userID] = u
	s.announceLocked(ctx)
	return nil
}

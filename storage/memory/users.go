package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/admit-idp/admit/storage"
)

// CreateUser stores u; the ID and the e-mail are unique.
func (s *Store) CreateUser(_ context.Context, u storage.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[u.ID]; ok {
		return fmt.Errorf("memory: create user %s: %w", u.ID, storage.ErrAlreadyExists)
	}
	if _, ok := s.userByEmail[u.Email]; ok && u.Email != "" {
		return fmt.Errorf("memory: create user %s: e-mail taken: %w", u.ID, storage.ErrAlreadyExists)
	}
	s.users[u.ID] = u
	if u.Email != "" {
		s.userByEmail[u.Email] = u.ID
	}
	return nil
}

// GetUser returns the user with the given ID.
func (s *Store) GetUser(_ context.Context, id string) (storage.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return storage.User{}, fmt.Errorf("memory: get user %s: %w", id, storage.ErrNotFound)
	}
	return u, nil
}

// GetUserByEmail returns the user with the given normalised e-mail.
func (s *Store) GetUserByEmail(_ context.Context, email string) (storage.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.userByEmail[email]
	if !ok || email == "" {
		return storage.User{}, fmt.Errorf("memory: get user by e-mail: %w", storage.ErrNotFound)
	}
	return s.users[id], nil
}

// SetPasswordHash replaces the user's password hash.
func (s *Store) SetPasswordHash(_ context.Context, userID, hash string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	if !ok {
		return fmt.Errorf("memory: set password hash of %s: %w", userID, storage.ErrNotFound)
	}
	u.PasswordHash, u.UpdatedAt = hash, at
	s.users[userID] = u
	return nil
}

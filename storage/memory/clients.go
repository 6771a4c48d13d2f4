package memory

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/admit-idp/admit/storage"
)

// CreateClient stores c under its unique ID.
func (s *Store) CreateClient(ctx context.Context, c storage.Client) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[c.ID]; ok {
		return fmt.Errorf("memory: create client %s: %w", c.ID, storage.ErrAlreadyExists)
	}
	c.TenantID, c.TenantStatus = tenantOrDefault(c.TenantID), ""
	if _, ok := s.tenants[c.TenantID]; !ok {
		return fmt.Errorf("memory: create client %s: tenant %s: %w", c.ID, c.TenantID, storage.ErrNotFound)
	}
	s.clients[c.ID] = cloneClient(c)
	s.announceLocked(ctx)
	return nil
}

// GetClient returns the client with the given ID.
func (s *Store) GetClient(_ context.Context, id string) (storage.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return storage.Client{}, fmt.Errorf("memory: get client %s: %w", id, storage.ErrNotFound)
	}
	c.TenantStatus = s.tenantStatusLocked(c.TenantID)
	return cloneClient(c), nil
}

// ListClients returns every client ordered by ID.
func (s *Store) ListClients(context.Context) ([]storage.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]storage.Client, 0, len(s.clients))
	for _, c := range s.clients {
		c.TenantStatus = s.tenantStatusLocked(c.TenantID)
		out = append(out, cloneClient(c))
	}
	slices.SortFunc(out, func(a, b storage.Client) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// DeleteClient removes the client; ErrNotFound if there is none.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[id]; !ok {
		return fmt.Errorf("memory: delete client %s: %w", id, storage.ErrNotFound)
	}
	delete(s.clients, id)
	s.announceLocked(ctx)
	return nil
}

// cloneClient copies c's slices so neither the caller nor the store can
// change the other's copy.
func cloneClient(c storage.Client) storage.Client {
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	c.PostLogoutRedirectURIs = slices.Clone(c.PostLogoutRedirectURIs)
	c.GrantTypes = slices.Clone(c.GrantTypes)
	c.Scopes = slices.Clone(c.Scopes)
	c.JWKS = bytes.Clone(c.JWKS)
	c.AllowedResources = slices.Clone(c.AllowedResources)
	return c
}

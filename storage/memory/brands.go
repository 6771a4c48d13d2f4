package memory

import (
	"context"
	"fmt"
	"slices"

	"github.com/admit-idp/admit/storage"
)

type brandKey struct{ tenant, client string }

// PutBrand implements storage.Brands.
func (s *Store) PutBrand(_ context.Context, b storage.Brand) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b.TenantID = tenantOrDefault(b.TenantID)
	if _, ok := s.tenants[b.TenantID]; !ok {
		return fmt.Errorf("memory: put brand of tenant %s: %w", b.TenantID, storage.ErrNotFound)
	}
	b.Logo = slices.Clone(b.Logo)
	s.brands[brandKey{b.TenantID, b.ClientID}] = b
	return nil
}

// GetBrand implements storage.Brands.
func (s *Store) GetBrand(_ context.Context, tenantID, clientID string) (storage.Brand, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.brands[brandKey{tenantOrDefault(tenantID), clientID}]
	if !ok {
		return storage.Brand{}, fmt.Errorf("memory: brand of %s/%s: %w", tenantID, clientID, storage.ErrNotFound)
	}
	b.Logo = slices.Clone(b.Logo)
	return b, nil
}

// DeleteBrand implements storage.Brands.
func (s *Store) DeleteBrand(_ context.Context, tenantID, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := brandKey{tenantOrDefault(tenantID), clientID}
	if _, ok := s.brands[k]; !ok {
		return fmt.Errorf("memory: delete brand of %s/%s: %w", tenantID, clientID, storage.ErrNotFound)
	}
	delete(s.brands, k)
	return nil
}

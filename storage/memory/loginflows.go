package memory

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/admit-idp/admit/storage"
)

// PutLoginFlow creates or replaces the flow.
func (s *Store) PutLoginFlow(_ context.Context, f storage.LoginFlow) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maybeSweepLocked(s.now())
	s.flows[f.ID] = cloneFlow(f)
	return nil
}

// GetLoginFlow returns the unexpired flow; an expired one is dropped.
func (s *Store) GetLoginFlow(_ context.Context, id string) (storage.LoginFlow, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.flows[id]
	if ok && expired(s.now(), f.ExpiresAt) {
		delete(s.flows, id)
		ok = false
	}
	if !ok {
		return storage.LoginFlow{}, fmt.Errorf("memory: get login flow %s: %w", id, storage.ErrNotFound)
	}
	return cloneFlow(f), nil
}

// DeleteLoginFlow removes the flow if it exists.
func (s *Store) DeleteLoginFlow(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.flows, id)
	return nil
}

func cloneFlow(f storage.LoginFlow) storage.LoginFlow {
	f.AMR = slices.Clone(f.AMR)
	f.Data = maps.Clone(f.Data)
	return f
}

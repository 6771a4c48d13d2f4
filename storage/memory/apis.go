package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/admit-idp/admit/storage"
)

// CreateAPI implements storage.APIs.
func (s *Store) CreateAPI(_ context.Context, a storage.API) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a.TenantID = tenantOrDefault(a.TenantID)
	if _, ok := s.tenants[a.TenantID]; !ok {
		return fmt.Errorf("memory: create api %s: tenant %s: %w", a.ID, a.TenantID, storage.ErrNotFound)
	}
	if _, ok := s.apis[a.ID]; ok || s.identifierTakenLocked(a.Identifier, "") {
		return fmt.Errorf("memory: create api %s: %w", a.ID, storage.ErrAlreadyExists)
	}
	if s.apis == nil {
		s.apis = make(map[string]storage.API)
	}
	s.apis[a.ID] = cloneAPI(a)
	return nil
}

// identifierTakenLocked reports whether an API other than except uses
// identifier. s.mu must be held.
func (s *Store) identifierTakenLocked(identifier, except string) bool {
	for id, a := range s.apis {
		if id != except && a.Identifier == identifier {
			return true
		}
	}
	return false
}

// GetAPI implements storage.APIs.
func (s *Store) GetAPI(_ context.Context, id string) (storage.API, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.apis[id]
	if !ok {
		return storage.API{}, fmt.Errorf("memory: get api %s: %w", id, storage.ErrNotFound)
	}
	return cloneAPI(a), nil
}

// GetAPIByIdentifier implements storage.APIs.
func (s *Store) GetAPIByIdentifier(_ context.Context, identifier string) (storage.API, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.apis {
		if a.Identifier == identifier {
			return cloneAPI(a), nil
		}
	}
	return storage.API{}, fmt.Errorf("memory: get api by identifier: %w", storage.ErrNotFound)
}

// ListAPIs implements storage.APIs.
func (s *Store) ListAPIs(_ context.Context, tenantID string) ([]storage.API, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]storage.API, 0, len(s.apis))
	for _, a := range s.apis {
		if tenantID == "" || a.TenantID == tenantID {
			out = append(out, cloneAPI(a))
		}
	}
	slices.SortFunc(out, func(a, b storage.API) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// UpdateAPI implements storage.APIs.
func (s *Store) UpdateAPI(ctx context.Context, a storage.API) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.apis[a.ID]
	if !ok {
		return nil, fmt.Errorf("memory: update api %s: %w", a.ID, storage.ErrNotFound)
	}
	if s.identifierTakenLocked(a.Identifier, a.ID) {
		return nil, fmt.Errorf("memory: update api %s: identifier: %w", a.ID, storage.ErrAlreadyExists)
	}
	a.TenantID, a.CreatedAt = old.TenantID, old.CreatedAt
	s.apis[a.ID] = cloneAPI(a)
	clients := []string{}
	if old.Identifier != a.Identifier {
		clients = s.rewriteAllowlistsLocked(old.Identifier, func(r []string) []string {
			out := slices.Clone(r)
			for i := range out {
				if out[i] == old.Identifier {
					out[i] = a.Identifier
				}
			}
			return out
		})
	}
	return clients, s.announceChangeLocked(ctx, storage.ClientsUpdatedEvents(a.TenantID, clients, s.now()))
}

// DeleteAPI implements storage.APIs: under one lock, the API goes and its
// identifier leaves the clients' allowlists.
func (s *Store) DeleteAPI(ctx context.Context, id string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.apis[id]
	if !ok {
		return nil, fmt.Errorf("memory: delete api %s: %w", id, storage.ErrNotFound)
	}
	delete(s.apis, id)
	clients := s.rewriteAllowlistsLocked(a.Identifier, func(r []string) []string {
		return slices.DeleteFunc(slices.Clone(r), func(x string) bool { return x == a.Identifier })
	})
	return clients, s.announceChangeLocked(ctx, storage.ClientsUpdatedEvents(a.TenantID, clients, s.now()))
}

// rewriteAllowlistsLocked replaces the allowlist of every client that
// allows identifier with rewrite's copy, and returns their IDs, sorted.
func (s *Store) rewriteAllowlistsLocked(identifier string, rewrite func([]string) []string) []string {
	clients := []string{}
	for cid, c := range s.clients {
		if !slices.Contains(c.AllowedResources, identifier) {
			continue
		}
		c.AllowedResources = rewrite(c.AllowedResources)
		s.clients[cid] = c
		clients = append(clients, cid)
	}
	slices.Sort(clients)
	return clients
}

// announceChangeLocked writes, after a change made under s.mu, the events
// attached to ctx and the change's own, in one append.
func (s *Store) announceChangeLocked(ctx context.Context, own []storage.Event) error {
	evs := own
	b := storage.PendingEvents(ctx)
	if b != nil {
		evs = append(b.Events(), own...)
	}
	if err := s.appendLocked(evs); err != nil {
		return err
	}
	if b != nil {
		b.MarkWritten()
	}
	return nil
}

func cloneAPI(a storage.API) storage.API {
	a.Scopes = slices.Clone(a.Scopes)
	return a
}

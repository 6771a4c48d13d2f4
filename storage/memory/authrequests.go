package memory

import (
	"context"
	"fmt"
	"slices"

	"github.com/admit-idp/admit/storage"
)

// CreateAuthRequest stores r; its ID is unique among unexpired requests.
func (s *Store) CreateAuthRequest(_ context.Context, r storage.AuthRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.maybeSweepLocked(now)
	if _, ok := s.liveAuthRequestLocked(r.ID); ok {
		return fmt.Errorf("memory: create auth request %s: %w", r.ID, storage.ErrAlreadyExists)
	}
	s.authRequests[r.ID] = cloneAuthRequest(r)
	return nil
}

// GetAuthRequest returns the unexpired request.
func (s *Store) GetAuthRequest(_ context.Context, id string) (storage.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.liveAuthRequestLocked(id)
	if !ok {
		return storage.AuthRequest{}, fmt.Errorf("memory: get auth request %s: %w", id, storage.ErrNotFound)
	}
	return cloneAuthRequest(r), nil
}

// CompleteAuthRequest records the finished login on the unexpired request.
func (s *Store) CompleteAuthRequest(_ context.Context, id string, c storage.AuthCompletion) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.liveAuthRequestLocked(id)
	if !ok {
		return fmt.Errorf("memory: complete auth request %s: %w", id, storage.ErrNotFound)
	}
	r.Done = true
	r.UserID, r.AuthTime, r.ACR, r.SessionID = c.UserID, c.AuthTime, c.ACR, c.SessionID
	r.AMR = slices.Clone(c.AMR)
	s.authRequests[id] = r
	return nil
}

// DeleteAuthRequest removes the request if it exists.
func (s *Store) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.authRequests, id)
	return nil
}

// liveAuthRequestLocked returns the request unless it is missing or expired;
// an expired one is dropped on the way.
func (s *Store) liveAuthRequestLocked(id string) (storage.AuthRequest, bool) {
	r, ok := s.authRequests[id]
	if ok && expired(s.now(), r.ExpiresAt) {
		delete(s.authRequests, id)
		return storage.AuthRequest{}, false
	}
	return r, ok
}

func cloneAuthRequest(r storage.AuthRequest) storage.AuthRequest {
	r.Scopes = slices.Clone(r.Scopes)
	r.Resources = slices.Clone(r.Resources)
	r.Prompt = slices.Clone(r.Prompt)
	r.ACRValues = slices.Clone(r.ACRValues)
	r.UILocales = slices.Clone(r.UILocales)
	r.AMR = slices.Clone(r.AMR)
	return r
}

package memory

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"time"

	"github.com/admit-idp/admit/storage"
)

// dpopParState holds the DPoP replay cache and the pushed authorization
// requests; created on first use so New needs no knowledge of them.
type dpopParState struct {
	proofs    map[string]time.Time             // replay key → until
	pushed    map[string]storage.PushedRequest // by hash
	lastSweep time.Time
}

// dpopParLocked returns the state, creating it, and drops expired records
// at most once per sweepInterval (reads check expiry themselves). Callers
// hold s.mu.
func (s *Store) dpopParLocked(now time.Time) *dpopParState {
	if s.dpopPar == nil {
		s.dpopPar = &dpopParState{proofs: map[string]time.Time{}, pushed: map[string]storage.PushedRequest{}}
	}
	if st := s.dpopPar; now.Sub(st.lastSweep) >= sweepInterval {
		st.lastSweep = now
		deleteExpired(st.proofs, now, func(until time.Time) time.Time { return until })
		deleteExpired(st.pushed, now, func(r storage.PushedRequest) time.Time { return r.ExpiresAt })
	}
	return s.dpopPar
}

// UseDPoPProof implements storage.DPoPProofs.
func (s *Store) UseDPoPProof(_ context.Context, key string, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	st := s.dpopParLocked(now)
	if prev, ok := st.proofs[key]; ok && !expired(now, prev) {
		return fmt.Errorf("memory: use dpop proof: %w", storage.ErrAlreadyUsed)
	}
	st.proofs[key] = until
	return nil
}

// PushRequest implements storage.PushedRequests.
func (s *Store) PushRequest(_ context.Context, r storage.PushedRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	st := s.dpopParLocked(now)
	if prev, ok := st.pushed[r.Hash]; ok && !expired(now, prev.ExpiresAt) {
		return fmt.Errorf("memory: push request: %w", storage.ErrAlreadyExists)
	}
	r.Params = cloneValues(r.Params)
	st.pushed[r.Hash] = r
	return nil
}

// ConsumePushedRequest implements storage.PushedRequests.
func (s *Store) ConsumePushedRequest(_ context.Context, hash, clientID string) (storage.PushedRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	st := s.dpopParLocked(now)
	r, ok := st.pushed[hash]
	if !ok || expired(now, r.ExpiresAt) || r.ClientID != clientID {
		return storage.PushedRequest{}, fmt.Errorf("memory: consume pushed request: %w", storage.ErrNotFound)
	}
	delete(st.pushed, hash)
	r.Params = cloneValues(r.Params)
	return r, nil
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range maps.All(v) {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

package memory

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/admit-idp/admit/storage"
)

// ListSigningKeys returns every key, oldest first.
func (s *Store) ListSigningKeys(context.Context) ([]storage.SigningKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]storage.SigningKey, 0, len(s.keys))
	for _, k := range s.keys {
		out = append(out, cloneKey(k))
	}
	slices.SortFunc(out, func(a, b storage.SigningKey) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// CreateSigningKey stores k. There is at most one active and one next key
// per algorithm; retired keys are unlimited.
func (s *Store) CreateSigningKey(_ context.Context, k storage.SigningKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[k.ID]; ok {
		return fmt.Errorf("memory: create signing key %s: %w", k.ID, storage.ErrAlreadyExists)
	}
	if k.State != storage.KeyRetired {
		if _, ok := s.keyInStateLocked(k.Algorithm, k.State); ok {
			return fmt.Errorf("memory: create signing key %s: %s %s key exists: %w", k.ID, k.State, k.Algorithm, storage.ErrAlreadyExists)
		}
	}
	s.keys[k.ID] = cloneKey(k)
	return nil
}

// RotateSigningKeys retires the active key of newNext's algorithm, promotes
// the next key and stores newNext as the next key, all under one lock.
func (s *Store) RotateSigningKeys(ctx context.Context, newNext storage.SigningKey, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next, ok := s.keyInStateLocked(newNext.Algorithm, storage.KeyNext)
	if !ok {
		return fmt.Errorf("memory: rotate %s signing keys: no next key: %w", newNext.Algorithm, storage.ErrNotFound)
	}
	if _, taken := s.keys[newNext.ID]; taken {
		return fmt.Errorf("memory: rotate %s signing keys: new key %s: %w", newNext.Algorithm, newNext.ID, storage.ErrAlreadyExists)
	}
	if active, ok := s.keyInStateLocked(newNext.Algorithm, storage.KeyActive); ok {
		active.State, active.RetiredAt = storage.KeyRetired, at
		s.keys[active.ID] = active
	}
	next.State, next.ActivatedAt = storage.KeyActive, at
	s.keys[next.ID] = next
	newNext.State = storage.KeyNext
	s.keys[newNext.ID] = cloneKey(newNext)
	s.announceLocked(ctx)
	return nil
}

// DeleteRetiredSigningKeys removes keys retired strictly before the cutoff.
func (s *Store) DeleteRetiredSigningKeys(_ context.Context, retiredBefore time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, k := range s.keys {
		if k.State == storage.KeyRetired && k.RetiredAt.Before(retiredBefore) {
			delete(s.keys, id)
		}
	}
	return nil
}

// keyInStateLocked finds the key of the algorithm in a single-valued state
// (active or next).
func (s *Store) keyInStateLocked(alg, state string) (storage.SigningKey, bool) {
	for _, k := range s.keys {
		if k.Algorithm == alg && k.State == state {
			return k, true
		}
	}
	return storage.SigningKey{}, false
}

func cloneKey(k storage.SigningKey) storage.SigningKey {
	k.PrivateKey = bytes.Clone(k.PrivateKey)
	return k
}

package memory

import (
	"context"
	"time"

	"github.com/admit-idp/admit/storage"
)

// In development the memory store is both the durable record and the
// ephemeral deny-list, so the record is the deny-list itself: nothing can
// be lost between the two.

// RecordRevocation implements storage.RevocationRecords (same map as Revoke).
func (s *Store) RecordRevocation(ctx context.Context, key string, until time.Time) error {
	return s.Revoke(ctx, key, until)
}

// ListRevocations implements storage.RevocationRecords.
func (s *Store) ListRevocations(_ context.Context, now time.Time) ([]storage.Revocation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []storage.Revocation
	for key, until := range s.revoked {
		if !expired(now, until) {
			out = append(out, storage.Revocation{Key: key, Until: until})
		}
	}
	return out, nil
}

// RecordLock implements storage.LockRecords. The memory FailureCounters
// keep their own locks (development mode has no cache to lose); this map
// only serves the durable contract. The events attached to ctx are written
// under s.mu (the outbox's lock) when the lock is set or extended.
func (s *Store) RecordLock(ctx context.Context, key string, until time.Time) error {
	s.mu.Lock() // before d.mu, as everywhere
	defer s.mu.Unlock()
	d := s.def()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.locks == nil {
		d.locks = map[string]time.Time{}
	}
	deleteExpired(d.locks, s.now(), func(until time.Time) time.Time { return until })
	if until.After(d.locks[key]) {
		d.locks[key] = until
		s.announceLocked(ctx)
	}
	return nil
}

// ListLocks implements storage.LockRecords.
func (s *Store) ListLocks(_ context.Context, now time.Time) ([]storage.Lock, error) {
	d := s.def()
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []storage.Lock
	for key, until := range d.locks {
		if !expired(now, until) {
			out = append(out, storage.Lock{Key: key, Until: until})
		}
	}
	return out, nil
}

// DeleteLock implements storage.LockRecords; lifting a lock in force
// writes the events attached to ctx.
func (s *Store) DeleteLock(ctx context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.def()
	d.mu.Lock()
	defer d.mu.Unlock()
	if until, ok := d.locks[key]; ok {
		delete(d.locks, key)
		if !expired(s.now(), until) {
			s.announceLocked(ctx)
		}
	}
	return nil
}

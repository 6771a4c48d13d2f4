package layered

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/admit-idp/admit/storage"
)

// Record is the durable side (package postgres).
type Record interface {
	storage.RevocationRecords
	storage.LockRecords
}

// Cache is the fast side (package redis): the ephemeral store plus the
// checks that also report whether the cache is complete, and the refills.
type Cache interface {
	storage.Ephemeral
	// CheckRevoked is IsRevoked in one round trip that also reports whether
	// the deny-list is complete (its marker exists).
	CheckRevoked(ctx context.Context, keys ...string) (revoked, loaded bool, err error)
	// CheckRevokedLoaded is CheckRevoked together with the stamps of
	// stampKeys (storage.Stamps), in one round trip.
	CheckRevokedLoaded(ctx context.Context, revocationKeys, stampKeys []string) (revoked, loaded bool, stamps []string, err error)
	// LoadRevocations merges entries and sets the marker for markFor,
	// atomically.
	LoadRevocations(ctx context.Context, entries []storage.Revocation, markFor time.Duration) error
	// CheckFailures is GetFailures in one round trip that also reports
	// whether the locks are complete.
	CheckFailures(ctx context.Context, key string) (storage.FailureState, bool, error)
	// LoadLocks merges locks and sets the marker for markFor, atomically.
	LoadLocks(ctx context.Context, locks []storage.Lock, markFor time.Duration) error
}

// DefaultRefillEvery is how long a filled cache is trusted before the next
// refill from the record.
const DefaultRefillEvery = time.Minute

// refillTimeout bounds a refill, which runs detached from the request that
// triggered it (other requests wait on the same refill).
const refillTimeout = 5 * time.Second

// Store is a storage.Ephemeral whose revocations and locks are durable.
type Store struct {
	storage.Ephemeral // everything else: the cache as it is

	record Record
	cache  Cache
	now    func() time.Time
	log    *slog.Logger
	// RefillEvery is the marker's lifetime (DefaultRefillEvery if zero).
	RefillEvery time.Duration

	refills singleflight.Group
	// Set when a write-through to the cache failed after the record took
	// it: this node refills before trusting the cache again.
	revocationsStale, locksStale atomic.Bool
}

var _ storage.Ephemeral = (*Store)(nil)

// New composes record and cache; now is the clock deciding what is still in
// force (nil: time.Now), log receives cache write failures (nil: discarded).
func New(record Record, cache Cache, now func() time.Time, log *slog.Logger) *Store {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{Ephemeral: cache, record: record, cache: cache, now: now, log: log}
}

func (s *Store) markFor() time.Duration {
	if s.RefillEvery > 0 {
		return s.RefillEvery
	}
	return DefaultRefillEvery
}

// Revoke implements storage.Revocations: the record first, so a revocation
// is reported done only once it is durable; then the cache. A failed cache
// write after a durable record is not an error for the caller (the
// revocation holds): the node refills before its next check.
func (s *Store) Revoke(ctx context.Context, key string, until time.Time) error {
	if err := s.record.RecordRevocation(ctx, key, until); err != nil {
		return err
	}
	if err := s.cache.Revoke(ctx, key, until); err != nil {
		s.revocationsStale.Store(true)
		s.log.WarnContext(ctx, "revocation recorded but not cached; refilling the deny-list before the next check", "error", err)
	}
	return nil
}

// IsRevoked implements storage.Revocations in one cache round trip while
// the cache is complete; otherwise it refills the cache from the record and
// answers from the record's list.
func (s *Store) IsRevoked(ctx context.Context, keys ...string) (bool, error) {
	if len(keys) == 0 {
		return false, nil
	}
	if !s.revocationsStale.Load() {
		revoked, loaded, err := s.cache.CheckRevoked(ctx, keys...)
		if err != nil || revoked || loaded {
			return revoked, err
		}
	}
	live, err := s.refillRevocations(ctx)
	if err != nil {
		return false, err
	}
	now := s.now()
	for _, r := range live {
		for _, k := range keys {
			if r.Key == k && now.Before(r.Until) {
				return true, nil
			}
		}
	}
	return false, nil
}

// CheckRevokedStamped implements storage.Stamps: IsRevoked and the stamps
// in one cache round trip while the deny-list is complete; otherwise the
// revocation answer comes from the record, as in IsRevoked (the stamps are
// the cache's either way: they have no record).
func (s *Store) CheckRevokedStamped(ctx context.Context, revocationKeys, stampKeys []string) (bool, []string, error) {
	revoked, loaded, stamps, err := s.cache.CheckRevokedLoaded(ctx, revocationKeys, stampKeys)
	if err != nil {
		return false, nil, err
	}
	if len(revocationKeys) == 0 || (!s.revocationsStale.Load() && (revoked || loaded)) {
		return revoked, stamps, nil
	}
	revoked, err = s.IsRevoked(ctx, revocationKeys...)
	if err != nil {
		return false, nil, err
	}
	return revoked, stamps, nil
}

// refillRevocations lists the record's live revocations and loads them into
// the cache; concurrent callers in this process share one refill. A failed
// load still returns the list (the answer is right; the cache stays cold).
func (s *Store) refillRevocations(ctx context.Context) ([]storage.Revocation, error) {
	v, err, _ := s.refills.Do("revocations", func() (any, error) {
		ctx, cancel := detached(ctx)
		defer cancel()
		// Cleared before the listing: a cache write failing after this
		// point (its revocation possibly missing from the list) marks the
		// cache stale again and the next check refills. Cleared after the
		// listing, it could hide such a revocation until the marker ends.
		wasStale := s.revocationsStale.Swap(false)
		live, err := s.record.ListRevocations(ctx, s.now())
		if err != nil {
			if wasStale {
				s.revocationsStale.Store(true)
			}
			return nil, fmt.Errorf("refill revocations: %w", err)
		}
		if err := s.cache.LoadRevocations(ctx, live, s.markFor()); err != nil {
			s.revocationsStale.Store(true)
			s.log.WarnContext(ctx, "deny-list not refilled; answering from the database", "error", err)
		} else {
			s.log.DebugContext(ctx, "deny-list refilled from the database", "entries", len(live))
		}
		return live, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]storage.Revocation), nil
}

// RecordFailure implements storage.FailureCounters: the cache counts; the
// failure that sets the lock also records it durably, with its user.locked
// event when ctx names the owner (storage.WithLockOwner): the record writes
// the event in the lock's transaction, and only if the lock is new or
// longer.
func (s *Store) RecordFailure(ctx context.Context, key string, p storage.FailurePolicy) (storage.FailureState, error) {
	st, err := s.cache.RecordFailure(ctx, key, p)
	if err != nil || st.Count < p.Max || !st.Locked(s.now()) {
		return st, err
	}
	if err := s.record.RecordLock(storage.WithLockedEvent(ctx, st.LockedUntil, s.now()), key, st.LockedUntil); err != nil {
		return st, err
	}
	return st, nil
}

// GetFailures implements storage.FailureCounters in one cache round trip
// while the locks are complete; otherwise it refills them from the record
// first.
func (s *Store) GetFailures(ctx context.Context, key string) (storage.FailureState, error) {
	if !s.locksStale.Load() {
		st, loaded, err := s.cache.CheckFailures(ctx, key)
		if err != nil || loaded {
			return st, err
		}
	}
	locks, err := s.refillLocks(ctx)
	if err != nil {
		return storage.FailureState{}, err
	}
	st, err := s.cache.GetFailures(ctx, key)
	if err != nil {
		return storage.FailureState{}, err
	}
	// The refill may not have reached the cache: the record decides.
	for _, l := range locks {
		if l.Key == key && l.Until.After(st.LockedUntil) && s.now().Before(l.Until) {
			st.LockedUntil = l.Until
		}
	}
	return st, nil
}

// refillLocks is refillRevocations for locks.
func (s *Store) refillLocks(ctx context.Context) ([]storage.Lock, error) {
	v, err, _ := s.refills.Do("locks", func() (any, error) {
		ctx, cancel := detached(ctx)
		defer cancel()
		wasStale := s.locksStale.Swap(false) // before the listing, as in refillRevocations
		live, err := s.record.ListLocks(ctx, s.now())
		if err != nil {
			if wasStale {
				s.locksStale.Store(true)
			}
			return nil, fmt.Errorf("refill locks: %w", err)
		}
		if err := s.cache.LoadLocks(ctx, live, s.markFor()); err != nil {
			s.locksStale.Store(true)
			s.log.WarnContext(ctx, "sign-in locks not refilled; answering from the database", "error", err)
		}
		return live, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]storage.Lock), nil
}

// ClearFailures implements storage.FailureCounters. An unlock deletes the
// durable lock first: the other order could leave a lock in the record
// that the next refill would bring back. The events attached to ctx
// (user.unlocked) go with the record's delete, which writes them only if
// it lifted a lock in force.
func (s *Store) ClearFailures(ctx context.Context, key string, unlock bool) error {
	if unlock {
		if err := s.record.DeleteLock(ctx, key); err != nil {
			return err
		}
	}
	return s.cache.ClearFailures(ctx, key, unlock)
}

// detached keeps the caller's values but not its cancellation: other
// requests wait on the same refill, so one caller giving up must not fail
// them all.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), refillTimeout)
}

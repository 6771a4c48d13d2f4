package memory

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/admit-idp/admit/storage"
)

// defences holds rate-limit, failure-counter and audit state. It has its own
// mutex and is created on first use, so Store's constructor needs no
// knowledge of these aggregates.
type defences struct {
	mu       sync.Mutex
	tat      map[string]time.Time // GCRA theoretical arrival time by key
	failures map[string]failureRecord
	locks    map[string]time.Time // durable lock records (records.go), created on first use
	audit    []storage.AuditEvent
	devices  map[string]storage.Device // by ID (devices.go)
}

type failureRecord struct {
	count       int
	windowEnd   time.Time
	lockedUntil time.Time
}

func (s *Store) def() *defences {
	s.defOnce.Do(func() {
		s.defState = &defences{tat: map[string]time.Time{}, failures: map[string]failureRecord{}}
	})
	return s.defState
}

// AllowRate implements storage.RateLimiter with the same GCRA as
// redis_rate (burst = Limit), in process.
func (s *Store) AllowRate(_ context.Context, key string, r storage.Rate) (storage.RateResult, error) {
	d, now := s.def(), s.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	interval := r.Period / time.Duration(r.Limit)
	tat := d.tat[key]
	if tat.Before(now) {
		tat = now
	}
	newTAT := tat.Add(interval)
	diff := now.Sub(newTAT.Add(-interval * time.Duration(r.Limit)))
	if diff < 0 {
		return storage.RateResult{RetryAfter: -diff}, nil
	}
	d.tat[key] = newTAT
	return storage.RateResult{Allowed: true, Remaining: int(diff / interval)}, nil
}

// PeekRate reports whether AllowRate would allow one event for key now,
// without recording it.
func (s *Store) PeekRate(_ context.Context, key string, r storage.Rate) (storage.RateResult, error) {
	d, now := s.def(), s.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	interval := r.Period / time.Duration(r.Limit)
	tat := d.tat[key]
	if tat.Before(now) {
		tat = now
	}
	diff := now.Sub(tat.Add(interval).Add(-interval * time.Duration(r.Limit)))
	if diff < 0 {
		return storage.RateResult{RetryAfter: -diff}, nil
	}
	return storage.RateResult{Allowed: true, Remaining: int(diff / interval)}, nil
}

// RecordFailure implements storage.FailureCounters: a fixed window from the
// first failure (the old INCR + EXPIRE), then a lock. The store is its own
// lock record, so the failure that locks announces user.locked (for the
// owner named by storage.WithLockOwner) under the outbox's lock.
func (s *Store) RecordFailure(ctx context.Context, key string, p storage.FailurePolicy) (storage.FailureState, error) {
	s.mu.Lock() // before d.mu, as everywhere
	defer s.mu.Unlock()
	d, now := s.def(), s.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	rec := d.failures[key]
	if !now.Before(rec.windowEnd) {
		rec.count, rec.windowEnd = 0, now.Add(p.Window)
	}
	rec.count++
	st := storage.FailureState{Count: rec.count}
	if rec.count >= p.Max {
		rec.count, rec.windowEnd, rec.lockedUntil = 0, time.Time{}, now.Add(p.LockFor)
		s.announceLocked(storage.WithLockedEvent(ctx, rec.lockedUntil, now))
	}
	if now.Before(rec.lockedUntil) {
		st.LockedUntil = rec.lockedUntil
	}
	d.failures[key] = rec
	return st, nil
}

// GetFailures implements storage.FailureCounters.
func (s *Store) GetFailures(_ context.Context, key string) (storage.FailureState, error) {
	d, now := s.def(), s.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	rec := d.failures[key]
	var st storage.FailureState
	if now.Before(rec.windowEnd) {
		st.Count = rec.count
	}
	if now.Before(rec.lockedUntil) {
		st.LockedUntil = rec.lockedUntil
	}
	return st, nil
}

// ClearFailures implements storage.FailureCounters. Lifting a lock in
// force writes the events attached to ctx (user.unlocked), as DeleteLock
// does: this store is its own lock record.
func (s *Store) ClearFailures(ctx context.Context, key string, unlock bool) error {
	s.mu.Lock() // before d.mu, as everywhere
	defer s.mu.Unlock()
	d := s.def()
	d.mu.Lock()
	defer d.mu.Unlock()
	rec := d.failures[key]
	rec.count, rec.windowEnd = 0, time.Time{}
	if unlock {
		if s.now().Before(rec.lockedUntil) {
			s.announceLocked(ctx)
		}
		rec.lockedUntil = time.Time{}
	}
	d.failures[key] = rec
	return nil
}

// AppendAudit implements storage.AuditLog.
func (s *Store) AppendAudit(_ context.Context, events []storage.AuditEvent) error {
	d := s.def()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.audit = append(d.audit, events...)
	return nil
}

// ListAudit implements storage.AuditLog.
func (s *Store) ListAudit(_ context.Context, f storage.AuditFilter) ([]storage.AuditEvent, error) {
	d := s.def()
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []storage.AuditEvent
	for _, e := range d.audit {
		if matchAudit(e, f) {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, compareAudit)
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

func matchAudit(e storage.AuditEvent, f storage.AuditFilter) bool {
	after := storage.AuditEvent{Time: f.AfterTime, ID: f.AfterID}
	return (f.UserID == "" || e.UserID == f.UserID) && (f.Event == "" || e.Event == f.Event) &&
		(f.TenantID == "" || e.TenantID == f.TenantID) && (f.ActorID == "" || e.ActorID == f.ActorID) &&
		(f.Since.IsZero() || !e.Time.Before(f.Since)) && (f.Until.IsZero() || e.Time.Before(f.Until)) &&
		(f.AfterTime.IsZero() || compareAudit(e, after) > 0)
}

// compareAudit orders events by (Time, ID).
func compareAudit(a, b storage.AuditEvent) int {
	if c := a.Time.Compare(b.Time); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// PruneAudit implements storage.AuditLog.
func (s *Store) PruneAudit(_ context.Context, before time.Time) (int64, error) {
	d := s.def()
	d.mu.Lock()
	defer d.mu.Unlock()
	n := len(d.audit)
	d.audit = slices.DeleteFunc(d.audit, func(e storage.AuditEvent) bool { return e.Time.Before(before) })
	return int64(n - len(d.audit)), nil
}

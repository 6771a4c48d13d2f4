package storage

import (
	"context"
	"time"
)

// Rate is a rate limit: at most Limit events per Period, with bursts up to
// Limit (GCRA, as github.com/go-redis/redis_rate implements it).
type Rate struct {
	Limit  int
	Period time.Duration
}

// RateResult is the outcome of one RateLimiter.AllowRate call.
type RateResult struct {
	Allowed bool
	// Remaining is how many more events the key may have right now.
	Remaining int
	// RetryAfter is how long to wait before the next event is allowed
	// (zero when Allowed).
	RetryAfter time.Duration
}

// RateLimiter counts events per key atomically (ephemeral: Redis GCRA in
// production so every node shares the count, in-process in development).
type RateLimiter interface {
	// AllowRate records one event for key if it fits rate.
	AllowRate(ctx context.Context, key string, rate Rate) (RateResult, error)
}

// RatePeeker is a RateLimiter that can also tell whether one more event
// would fit, without recording it.
type RatePeeker interface {
	PeekRate(ctx context.Context, key string, rate Rate) (RateResult, error)
}

// FailurePolicy is the old brute-force service's rule: Max failures within
// Window (counted from the first) lock the key for LockFor.
type FailurePolicy struct {
	Max     int
	Window  time.Duration
	LockFor time.Duration
}

// FailureState is a key's failure count in its window and its lock.
type FailureState struct {
	Count       int
	LockedUntil time.Time // zero: not locked
}

// Locked reports whether the lock still holds at now.
func (s FailureState) Locked(now time.Time) bool { return now.Before(s.LockedUntil) }

// FailureCounters hold sign-in failure counters and locks (ephemeral, with
// expiry; keys are opaque to the store, e.g. "acct:<sha256 of e-mail>").
type FailureCounters interface {
	// RecordFailure counts a failure atomically; the Max-th failure within
	// the window sets the lock and clears the counter. It returns the state
	// after the failure (Count is Max when this call locked the key).
	RecordFailure(ctx context.Context, key string, p FailurePolicy) (FailureState, error)
	// GetFailures returns the state (zero when there is none).
	GetFailures(ctx context.Context, key string) (FailureState, error)
	// ClearFailures resets the counter and, when unlock is set, the lock.
	// A store that is its own lock record (memory) writes the events
	// attached to ctx when it lifts a lock in force, as DeleteLock does;
	// one that records locks elsewhere (layered) passes ctx to DeleteLock.
	// Likewise RecordFailure announces user.locked (WithLockOwner) when it
	// sets the lock.
	ClearFailures(ctx context.Context, key string, unlock bool) error
}

// LockOwner is the user whose sign-in failures a key counts (the user the
// sign-in resolved in its tenant).
type LockOwner struct {
	TenantID, UserID string
}

type lockOwnerKey struct{}

// WithLockOwner returns ctx naming the user whose failure the next
// RecordFailure counts. The store that sets or extends the durable lock of
// the key then announces user.locked for that user with the lock, in the
// lock's own transaction (WithLockedEvent). A failure without an owner (an
// unknown e-mail, an IP key) announces nothing.
func WithLockOwner(ctx context.Context, tenantID, userID string) context.Context {
	if userID == "" {
		return ctx
	}
	return context.WithValue(ctx, lockOwnerKey{}, LockOwner{TenantID: tenantID, UserID: userID})
}

// LockedData is the payload of user.locked.
type LockedData struct {
	UserID string    `json:"user_id"`
	Until  time.Time `json:"until"`
}

// UnlockedData is the payload of user.unlocked; How says who lifted it.
type UnlockedData struct {
	UserID string `json:"user_id"`
	How    string `json:"how"`
}

// How a lock was lifted (UnlockedData.How).
const (
	UnlockByLink  = "link"  // the signed link of the lockout e-mail
	UnlockByAdmin = "admin" // the admin API or the operator console
)

// WithLockedEvent attaches (WithEvents) the user.locked event of a lock
// ending at until, if ctx names its owner (WithLockOwner); otherwise it
// returns ctx unchanged. The backends' RecordLock (and the memory failure
// counters, which are their own record) write it only if the lock was set
// or extended.
func WithLockedEvent(ctx context.Context, until, at time.Time) context.Context {
	o, ok := ctx.Value(lockOwnerKey{}).(LockOwner)
	if !ok {
		return ctx
	}
	until = until.UTC().Truncate(time.Microsecond)
	return WithEvents(ctx, NewEvent(EventUserLocked, o.TenantID, o.UserID, LockedData{o.UserID, until}, at))
}

package storagetest

import (
	"sync"
	"time"
)

// Clock is a settable fake clock, safe for concurrent use. Backends under
// test take Clock.Now as their injected clock so that expiry is exercised by
// Advance instead of by sleeping.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock at the current time, in UTC and truncated to the
// second so that every derived timestamp survives backends that store only
// microseconds (Postgres) or seconds.
func NewClock() *Clock {
	return &Clock{now: time.Now().UTC().Truncate(time.Second)}
}

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

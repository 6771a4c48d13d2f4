package idletrim

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"time"
)

// ErrUnsupported: the kernel cannot page out on request (before Linux 5.4)
// or the system is not Linux.
var ErrUnsupported = errors.New("idletrim: paging out needs Linux 5.4 or later")

// Trimmer calls trim once whenever the server has been quiet for after.
type Trimmer struct {
	after    time.Duration
	trim     func()
	probes   map[string]bool
	requests atomic.Uint64

	// Only check (the Run goroutine) reads and writes these.
	seen    uint64
	changed time.Time
	trimmed bool
}

// New returns a Trimmer that calls trim after `after` without requests;
// requests to the probes paths (health checks, metrics scrapes) do not
// count.
func New(after time.Duration, trim func(), probes ...string) *Trimmer {
	t := &Trimmer{after: after, trim: trim, probes: make(map[string]bool, len(probes))}
	for _, p := range probes {
		t.probes[p] = true
	}
	return t
}

// Middleware counts the requests that end a quiet spell.
func (t *Trimmer) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !t.probes[r.URL.Path] {
			t.requests.Add(1)
		}
		next.ServeHTTP(w, r)
	})
}

// Run checks for a quiet spell every after/4 (at least every second)
// until ctx ends. check takes the time as an argument, so that tests drive
// it with their own clock.
func (t *Trimmer) Run(ctx context.Context) {
	tick := time.NewTicker(t.every())
	defer tick.Stop()
	t.check(time.Now()) // the first quiet spell starts now
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			t.check(now)
		}
	}
}

// every is how often Run checks; a request is seen at the first check
// after it, so a trim comes after to after+every past the last request.
func (t *Trimmer) every() time.Duration { return max(t.after/4, time.Second) }

// check trims when no request arrived since after before now, once per
// quiet spell, and reports whether it did. The first check only starts
// the count: a server that just started has not been quiet yet.
func (t *Trimmer) check(now time.Time) bool {
	n := t.requests.Load()
	if t.changed.IsZero() || n != t.seen {
		t.seen, t.changed, t.trimmed = n, now, false
		return false
	}
	// The checks come every after/4 from one ticker: the spell is after
	// long at the fourth, give or take the ticker's jitter, hence the
	// tolerance of a tenth of a tick (a request seen at a check came
	// after the previous one, so the spell is never shorter than this).
	if t.trimmed || now.Sub(t.changed) < t.after-t.every()/10 {
		return false
	}
	t.trimmed = true
	t.trim()
	return true
}

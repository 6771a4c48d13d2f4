package password

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/admit-idp/admit/storage"
)

// ErrBusy is returned when a hash could not get a slot of the hash budget
// within the budget's maximum wait (or before the caller went away): the
// request was shed, nothing was verified and nothing should be counted
// against the user. It wraps storage.ErrUnavailable, so every caller that
// already answers an unavailable backend with 503 and Retry-After (and
// logs it once per outage, not per request) does so for a full budget too.
var ErrBusy = fmt.Errorf("password: hash budget exhausted: %w", storage.ErrUnavailable)

// DefaultQueueWait is how long a hash waits for a slot by default.
const DefaultQueueWait = 5 * time.Second

// DefaultConcurrency is the default number of hashes run at once: one per
// core but one, so that a login surge leaves a core to the CPU-bound
// protocol endpoints (token signing, JWKS, userinfo); at least one. See
// cmd/admit/loadbench for the measurements behind it.
func DefaultConcurrency() int { return max(1, runtime.GOMAXPROCS(0)-1) }

// Budget bounds how many password hashes run at once. Each argon2id
// computation holds Params.Memory KiB (19 MiB with OWASP) for its whole
// run, so the budget is also the bound on hashing memory: concurrency ×
// 19 MiB. Hashes past the budget wait in a FIFO queue (first come, first
// admitted) for at most the budget's maximum wait, then fail with ErrBusy.
//
// The zero value is not usable; use NewBudget.
type Budget struct {
	slots   int
	maxWait time.Duration
	now     func() time.Time

	mu      sync.Mutex
	running int
	queue   list.List // of *waiter, oldest first
	stats   BudgetStats
	// observe, when set, is told every wait (metrics).
	observe func(wait time.Duration, admitted bool)
	// onIdle, when set, is called once the budget has stayed idle (nothing
	// running, nothing waiting) for idleAfter; idleTimer is its debounce
	// (guarded by mu, created on the first idle transition).
	onIdle    func()
	idleAfter time.Duration
	idleTimer *time.Timer
}

type waiter struct {
	ready chan struct{} // closed when the slot is handed over
}

// BudgetStats is a snapshot of a Budget's counters.
type BudgetStats struct {
	Running  int    // hashes running now
	Queued   int    // hashes waiting now
	Admitted uint64 // hashes that got a slot (at once or after waiting)
	Waited   uint64 // of those, how many had to queue
	Shed     uint64 // hashes refused with ErrBusy after the maximum wait
	Canceled uint64 // waits ended because the caller went away
}

// NewBudget returns a budget of concurrency slots (at least 1) where a hash
// waits at most maxWait (0: DefaultQueueWait).
func NewBudget(concurrency int, maxWait time.Duration) *Budget {
	if maxWait <= 0 {
		maxWait = DefaultQueueWait
	}
	return &Budget{slots: max(1, concurrency), maxWait: maxWait, now: time.Now}
}

// Run runs f, a hash, within the budget: it waits for a slot (ErrBusy as
// Acquire), runs f and gives the slot back.
func (b *Budget) Run(ctx context.Context, f func()) error {
	release, err := b.Acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	f()
	return nil
}

// Concurrency is the number of slots; MaxWait the longest wait.
func (b *Budget) Concurrency() int       { return b.slots }
func (b *Budget) MaxWait() time.Duration { return b.maxWait }

// Observe sets a function told the wait of every hash (admitted or not);
// call it before the budget is used.
func (b *Budget) Observe(f func(wait time.Duration, admitted bool)) { b.observe = f }

// OnIdle sets a function called once the budget has had no hash running or
// waiting for d, after each busy spell: the server returns the hashes'
// memory (19 MiB each with OWASP) to the OS then, rather than keeping it
// until the runtime's next collection. Hashes arriving within d restart
// the wait, so a steady stream of logins never triggers it. Call it before
// the budget is used.
func (b *Budget) OnIdle(d time.Duration, f func()) { b.idleAfter, b.onIdle = d, f }

// armIdle (re)starts the idle debounce; b.mu is held.
func (b *Budget) armIdle() {
	if b.onIdle == nil {
		return
	}
	if b.idleTimer == nil {
		b.idleTimer = time.AfterFunc(b.idleAfter, b.fireIdle)
		return
	}
	b.idleTimer.Reset(b.idleAfter)
}

// fireIdle calls onIdle unless a hash started since the timer was armed
// (its release re-arms the timer).
func (b *Budget) fireIdle() {
	b.mu.Lock()
	idle := b.running == 0 && b.queue.Len() == 0
	b.mu.Unlock()
	if idle {
		b.onIdle()
	}
}

// Stats returns the current counters.
func (b *Budget) Stats() BudgetStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.stats
	s.Running, s.Queued = b.running, b.queue.Len()
	return s
}

// Acquire waits for a slot, in arrival order, for at most the budget's
// maximum wait. It returns the slot's release (call it exactly once), or
// ErrBusy when the wait ran out or ctx ended first; a caller that went
// away leaves the queue at once, so its place goes to the next in line.
func (b *Budget) Acquire(ctx context.Context) (release func(), err error) {
	start := b.now()
	b.mu.Lock()
	if b.running < b.slots && b.queue.Len() == 0 {
		b.running++
		b.stats.Admitted++
		b.mu.Unlock()
		b.report(0, true)
		return b.releaseOnce(), nil
	}
	w := &waiter{ready: make(chan struct{})}
	el := b.queue.PushBack(w)
	b.mu.Unlock()

	timer := time.NewTimer(b.maxWait)
	defer timer.Stop()
	var cause error
	select {
	case <-w.ready:
		b.report(b.now().Sub(start), true)
		return b.releaseOnce(), nil
	case <-timer.C:
		cause = ErrBusy
	case <-ctx.Done():
		cause = ctx.Err()
	}
	b.mu.Lock()
	select {
	case <-w.ready:
		// The slot was handed over as the wait ended: take it after all.
		b.mu.Unlock()
		b.report(b.now().Sub(start), true)
		return b.releaseOnce(), nil
	default:
	}
	b.queue.Remove(el)
	if cause == ErrBusy {
		b.stats.Shed++
	} else {
		b.stats.Canceled++
	}
	b.mu.Unlock()
	b.report(b.now().Sub(start), false)
	if cause == ErrBusy {
		return nil, ErrBusy
	}
	return nil, errors.Join(ErrBusy, cause)
}

// releaseOnce returns a release that hands the slot to the oldest waiter,
// or frees it; a second call does nothing.
func (b *Budget) releaseOnce() func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			if front := b.queue.Front(); front != nil {
				// The slot passes straight to the next in line: running
				// stays the same and nobody can overtake it.
				b.queue.Remove(front)
				b.stats.Admitted++
				b.stats.Waited++
				close(front.Value.(*waiter).ready)
				return
			}
			b.running--
			if b.running == 0 {
				b.armIdle()
			}
		})
	}
}

func (b *Budget) report(wait time.Duration, admitted bool) {
	if b.observe != nil {
		b.observe(wait, admitted)
	}
}

// UseBudget makes h hash within b; every Hasher has one (New gives it a
// budget of DefaultConcurrency slots and DefaultQueueWait). Call it before
// h is used.
func (h *Hasher) UseBudget(b *Budget) { h.budget = b }

// Budget is the hash budget h hashes within.
func (h *Hasher) Budget() *Budget { return h.budget }

// HashContext is Hash within the budget: ErrBusy when no slot came free in
// time or ctx ended while waiting.
func (h *Hasher) HashContext(ctx context.Context, pw string) (hash string, err error) {
	if berr := h.budget.Run(ctx, func() { hash, err = h.runHash(pw) }); berr != nil {
		return "", berr
	}
	return hash, err
}

// VerifyContext is Verify within the budget (ErrBusy as HashContext).
func (h *Hasher) VerifyContext(ctx context.Context, pw, hash string) (Result, error) {
	// Every verification, bcrypt and imported formats included, takes a
	// slot first.
	var res Result
	var err error
	if berr := h.budget.Run(ctx, func() { res, err = h.runVerify(pw, hash) }); berr != nil {
		return Result{}, berr
	}
	return res, err
}

// VerifyUnknownContext is VerifyUnknown within the budget: it returns
// ErrMismatch after the work of one verification, or ErrBusy when it got
// no slot (as a real verification would not have either, so the answer
// still does not tell an unknown e-mail from a known one).
func (h *Hasher) VerifyUnknownContext(ctx context.Context, pw string) error {
	if err := h.budget.Run(ctx, func() { _, _ = h.runVerify(pw, h.dummyHash) }); err != nil {
		return err
	}
	return ErrMismatch
}

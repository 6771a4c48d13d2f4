package password

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// queueUp starts n Acquire calls one after another, each only once the
// previous one is queued, and returns their results in arrival order.
func queueUp(t *testing.T, b *Budget, ctxs []context.Context) []chan error {
	t.Helper()
	out := make([]chan error, len(ctxs))
	for i, ctx := range ctxs {
		out[i] = make(chan error, 1)
		before := b.Stats().Queued
		go func(i int, ctx context.Context) {
			release, err := b.Acquire(ctx)
			if err == nil {
				out[i] <- nil
				// Hold the slot until the test hands it on.
				<-holds[b]
				release()
				return
			}
			out[i] <- err
		}(i, ctx)
		waitFor(t, func() bool { return b.Stats().Queued == before+1 })
	}
	return out
}

// holds lets a test release the slots taken by queueUp's goroutines one at
// a time.
var holds = map[*Budget]chan struct{}{}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestBudget(t *testing.T) {
	bg := context.Background()
	canceled, cancel := context.WithCancel(bg)
	defer cancel()
	for _, c := range []struct {
		name string
		// slots, maxWait: the budget; waiters queue behind slots held by
		// the test; cancelAfterQueue cancels the canceled context once all
		// have queued; releases is how many held slots the test frees.
		slots    int
		maxWait  time.Duration
		ctxs     []context.Context
		cancelIt bool
		releases int
		// want: for each waiter, "admitted" or the error it must get, and
		// in which order admissions must happen.
		wantAdmitOrder []int
		wantShed       []int
		wantCanceled   []int
		wantStats      BudgetStats
	}{
		{
			name:  "FIFO: waiters are admitted in arrival order as slots free",
			slots: 1, maxWait: 5 * time.Second, ctxs: []context.Context{bg, bg, bg}, releases: 1,
			wantAdmitOrder: []int{0, 1, 2},
			wantStats:      BudgetStats{Admitted: 4, Waited: 3},
		},
		{
			name:  "bound: nobody frees a slot, every waiter is shed after maxWait",
			slots: 1, maxWait: 30 * time.Millisecond, ctxs: []context.Context{bg, bg},
			wantShed:  []int{0, 1},
			wantStats: BudgetStats{Admitted: 1, Shed: 2, Running: 1},
		},
		{
			name:  "cancellation: a caller that went away leaves the queue, the next takes its place",
			slots: 1, maxWait: 5 * time.Second, ctxs: []context.Context{canceled, bg}, cancelIt: true, releases: 1,
			wantCanceled:   []int{0},
			wantAdmitOrder: []int{1},
			wantStats:      BudgetStats{Admitted: 2, Waited: 1, Canceled: 1},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := NewBudget(c.slots, c.maxWait)
			holds[b] = make(chan struct{})
			var waits []time.Duration
			var mu sync.Mutex
			b.Observe(func(w time.Duration, _ bool) { mu.Lock(); waits = append(waits, w); mu.Unlock() })
			// The test holds every slot.
			var held []func()
			for range c.slots {
				r, err := b.Acquire(bg)
				if err != nil {
					t.Fatal(err)
				}
				held = append(held, r)
			}
			res := queueUp(t, b, c.ctxs)
			if c.cancelIt {
				cancel()
			}
			for _, i := range c.wantCanceled {
				if err := <-res[i]; !errors.Is(err, ErrBusy) || !errors.Is(err, context.Canceled) {
					t.Fatalf("waiter %d: %v; want ErrBusy and context.Canceled", i, err)
				}
			}
			for _, i := range c.wantShed {
				if err := <-res[i]; !errors.Is(err, ErrBusy) {
					t.Fatalf("waiter %d: %v; want ErrBusy", i, err)
				}
			}
			// Free the test's slots one by one; each must go to the next
			// waiter in arrival order, which frees it in turn.
			for k := 0; k < c.releases && k < len(held); k++ {
				held[k]()
				held[k]() // a second release must not free another slot
			}
			for _, i := range c.wantAdmitOrder {
				for j := range res {
					if j == i {
						continue
					}
					select {
					case err := <-res[j]:
						if slicesIndex(c.wantAdmitOrder, j) > slicesIndex(c.wantAdmitOrder, i) {
							t.Fatalf("waiter %d (%v) was admitted before waiter %d", j, err, i)
						}
						res[j] <- err
					default:
					}
				}
				if err := <-res[i]; err != nil {
					t.Fatalf("waiter %d: %v; want a slot", i, err)
				}
				holds[b] <- struct{}{}
			}
			waitFor(t, func() bool {
				s := b.Stats()
				return s.Admitted == c.wantStats.Admitted && s.Running == c.wantStats.Running
			})
			got := b.Stats()
			if got != c.wantStats {
				t.Fatalf("stats %+v; want %+v", got, c.wantStats)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(waits) != 1+len(c.ctxs) {
				t.Fatalf("observed %d waits; want %d", len(waits), 1+len(c.ctxs))
			}
			for _, i := range c.wantShed {
				_ = i
				if waits[len(waits)-1] < c.maxWait {
					t.Fatalf("a shed wait lasted %s, less than the bound %s", waits[len(waits)-1], c.maxWait)
				}
			}
		})
	}
}

func slicesIndex(s []int, v int) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// TestHasherUsesBudget: Hash, Verify and VerifyUnknown (the timing floor
// for unknown users) all wait for the same budget, and give ErrBusy when it
// stays full past its bound.
func TestHasherUsesBudget(t *testing.T) {
	h, err := New(fastParams())
	if err != nil {
		t.Fatal(err)
	}
	stored, err := h.Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	b := NewBudget(1, 20*time.Millisecond)
	h.UseBudget(b)
	release, err := b.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"Hash":          func() error { _, err := h.Hash("x"); return err },
		"Verify":        func() error { _, err := h.Verify("correct horse", stored); return err },
		"VerifyUnknown": func() error { return h.VerifyUnknown("x") },
		"VerifyContext canceled": func() error {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, err := h.VerifyContext(ctx, "correct horse", stored)
			return err
		},
	} {
		if err := call(); !errors.Is(err, ErrBusy) {
			t.Errorf("%s with the budget full = %v; want ErrBusy", name, err)
		}
	}
	release()
	if _, err := h.Verify("correct horse", stored); err != nil {
		t.Fatalf("Verify with a free slot: %v", err)
	}
	if err := h.VerifyUnknown("x"); !errors.Is(err, ErrMismatch) {
		t.Fatalf("VerifyUnknown with a free slot: %v; want ErrMismatch", err)
	}
	if s := b.Stats(); s.Shed != 3 || s.Canceled != 1 || s.Running != 0 {
		t.Fatalf("stats %+v; want 3 shed, 1 canceled, none running", s)
	}
}

// TestBudgetOnIdle: the idle function runs once after a busy spell ends
// (not per hash, not while a hash runs or waits) and again after the next.
func TestBudgetOnIdle(t *testing.T) {
	const idleAfter = 20 * time.Millisecond
	b := NewBudget(1, time.Second)
	var mu sync.Mutex
	calls := 0
	count := func() int { mu.Lock(); defer mu.Unlock(); return calls }
	b.OnIdle(idleAfter, func() { mu.Lock(); calls++; mu.Unlock() })

	// A spell of back-to-back hashes, one of them waiting in line.
	first, err := b.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	second := make(chan func(), 1)
	go func() {
		release, err := b.Acquire(context.Background())
		if err != nil {
			t.Error(err)
		}
		second <- release
	}()
	waitFor(t, func() bool { return b.Stats().Queued == 1 })
	time.Sleep(3 * idleAfter)
	if n := count(); n != 0 {
		t.Fatalf("idle called %d times while a hash ran", n)
	}
	first() // the slot passes to the waiter: still busy
	release := <-second
	time.Sleep(3 * idleAfter)
	if n := count(); n != 0 {
		t.Fatalf("idle called %d times while the second hash ran", n)
	}
	release()
	waitFor(t, func() bool { return count() == 1 })
	time.Sleep(3 * idleAfter)
	if n := count(); n != 1 {
		t.Fatalf("idle called %d times after one busy spell; want 1", n)
	}

	// The next spell ends in a second call.
	r, err := b.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r()
	waitFor(t, func() bool { return count() == 2 })
}

package layered_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/layered"
	"github.com/admit-idp/admit/storage/memory"
	"github.com/admit-idp/admit/storage/redis"
	"github.com/admit-idp/admit/storage/redis/redistest"
	"github.com/admit-idp/admit/storage/storagetest"
)

// The composed store is a storage.Ephemeral like any other: the shared
// suite runs on it (memory as the record, a real Redis as the cache).
func TestConformance(t *testing.T) {
	storagetest.RunEphemeral(t, func(t *testing.T, clock *storagetest.Clock) storage.Ephemeral {
		client, prefix := redistest.NewClient(t)
		return layered.New(memory.New(clock.Now), redis.New(client, prefix, clock.Now), clock.Now, nil)
	})
}

type fixture struct {
	client goredis.UniversalClient
	prefix string
	record *memory.Store
	cache  *redis.Store
	store  *layered.Store
	clock  *storagetest.Clock
}

func newFixture(t *testing.T) *fixture {
	client, prefix := redistest.NewClient(t)
	clock := storagetest.NewClock()
	f := &fixture{client: client, prefix: prefix, record: memory.New(clock.Now), cache: redis.New(client, prefix, clock.Now), clock: clock}
	f.store = layered.New(f.record, f.cache, clock.Now, nil)
	return f
}

// flush deletes every key of the fixture's prefix: what a Redis restart
// without persistence (or FLUSHALL) does to Admit's keys.
func (f *fixture) flush(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	keys, err := f.client.Keys(ctx, f.prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) > 0 {
		if err := f.client.Del(ctx, keys...).Err(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRevocationSurvivesCacheLoss(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	grant, token := "grant:g1", "at:t1"
	if err := f.store.Revoke(ctx, grant, f.clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Revoke(ctx, token, f.clock.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if live, _ := f.record.ListRevocations(ctx, f.clock.Now()); len(live) != 2 {
		t.Fatalf("record holds %v, want both revocations (write-through)", live)
	}
	f.flush(t)
	for _, k := range []string{grant, token} {
		if got, err := f.store.IsRevoked(ctx, "at:other", k); err != nil || !got {
			t.Fatalf("after the cache was lost IsRevoked(%s) = %v, %v; want true", k, got, err)
		}
	}
	// The refill put the entries and the marker back: the cache alone now
	// answers, in one round trip.
	revoked, loaded, err := f.cache.CheckRevoked(ctx, grant)
	if err != nil || !revoked || !loaded {
		t.Fatalf("cache after refill: revoked=%v loaded=%v err=%v; want both true", revoked, loaded, err)
	}
	if got, _ := f.store.IsRevoked(ctx, "grant:unknown"); got {
		t.Fatal("an unknown grant is revoked after the refill")
	}
	// Entries still end on time after a refill.
	f.clock.Advance(2 * time.Minute)
	f.flush(t)
	if got, _ := f.store.IsRevoked(ctx, token); got {
		t.Fatal("an ended revocation came back with the refill")
	}
	if got, _ := f.store.IsRevoked(ctx, grant); !got {
		t.Fatal("a live grant revocation was lost by the second refill")
	}
}

// Many requests noticing the loss at once all get the right answer, and the
// process refills once per wave, not once per request.
func TestConcurrentRefill(t *testing.T) {
	f := newFixture(t)
	counting := &countingRecord{Store: f.record}
	store := layered.New(counting, f.cache, f.clock.Now, nil)
	ctx := t.Context()
	if err := store.Revoke(ctx, "grant:g", f.clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	f.flush(t)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			if got, err := store.IsRevoked(ctx, "grant:g"); err != nil || !got {
				errs <- errors.Join(err, errors.New("IsRevoked false after a cache loss"))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := counting.lists.Load(); n < 1 || n > 10 {
		t.Fatalf("%d refills for 50 concurrent checks; want a handful at most (shared refill)", n)
	}
}

type countingRecord struct {
	*memory.Store
	lists atomicCounter
}

type atomicCounter struct {
	mu sync.Mutex
	n  int
}

func (c *atomicCounter) Add() { c.mu.Lock(); c.n++; c.mu.Unlock() }
func (c *atomicCounter) Load() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func (r *countingRecord) ListRevocations(ctx context.Context, now time.Time) ([]storage.Revocation, error) {
	r.lists.Add()
	time.Sleep(20 * time.Millisecond) // a slow database: the other checks arrive meanwhile
	return r.Store.ListRevocations(ctx, now)
}

// failingCache refuses deny-list writes, as a Redis unreachable from one
// node would, while reads still work.
type failingCache struct {
	*redis.Store
	failRevoke bool
}

func (c *failingCache) Revoke(ctx context.Context, key string, until time.Time) error {
	if c.failRevoke {
		return storage.ErrUnavailable
	}
	return c.Store.Revoke(ctx, key, until)
}

// A revocation the record holds but the cache missed is honoured: the node
// does not trust its (complete-looking) cache until it has refilled it.
func TestFailedWriteThroughIsHonoured(t *testing.T) {
	f := newFixture(t)
	cache := &failingCache{Store: f.cache}
	store := layered.New(f.record, cache, f.clock.Now, nil)
	ctx := t.Context()
	// A first check fills the cache and sets its marker.
	if got, err := store.IsRevoked(ctx, "grant:g"); err != nil || got {
		t.Fatalf("IsRevoked before any revocation = %v, %v", got, err)
	}
	cache.failRevoke = true
	if err := store.Revoke(ctx, "grant:g", f.clock.Now().Add(time.Hour)); err != nil {
		t.Fatalf("Revoke with a durable record but a failed cache write = %v; want nil (it is revoked)", err)
	}
	if got, err := store.IsRevoked(ctx, "grant:g"); err != nil || !got {
		t.Fatalf("IsRevoked after a failed cache write = %v, %v; want true", got, err)
	}
	if revoked, _, _ := f.cache.CheckRevoked(ctx, "grant:g"); !revoked {
		t.Fatal("the refill did not put the missed entry into the cache")
	}
}

// A revocation the record refused is an error: nothing claims a revocation
// that a cache loss would forget.
func TestRecordFailureIsAnError(t *testing.T) {
	f := newFixture(t)
	store := layered.New(brokenRecord{f.record}, f.cache, f.clock.Now, nil)
	if err := store.Revoke(t.Context(), "grant:g", f.clock.Now().Add(time.Hour)); !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("Revoke with the record down = %v; want ErrUnavailable", err)
	}
	if revoked, _, _ := f.cache.CheckRevoked(t.Context(), "grant:g"); revoked {
		t.Fatal("the cache holds a revocation the record does not")
	}
}

type brokenRecord struct{ *memory.Store }

func (brokenRecord) RecordRevocation(context.Context, string, time.Time) error {
	return storage.ErrUnavailable
}

var policy = storage.FailurePolicy{Max: 3, Window: 15 * time.Minute, LockFor: 15 * time.Minute}

func TestLockSurvivesCacheLoss(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	for range policy.Max {
		if _, err := f.store.RecordFailure(ctx, "acct:a", policy); err != nil {
			t.Fatal(err)
		}
	}
	for range policy.Max - 1 { // counts only: no lock
		if _, err := f.store.RecordFailure(ctx, "acct:b", policy); err != nil {
			t.Fatal(err)
		}
	}
	f.flush(t)
	st, err := f.store.GetFailures(ctx, "acct:a")
	if err != nil || !st.Locked(f.clock.Now()) || !st.LockedUntil.Equal(f.clock.Now().Add(policy.LockFor)) {
		t.Fatalf("after the cache was lost GetFailures = %+v, %v; want locked for %v", st, err, policy.LockFor)
	}
	// Counts below the lock are cache only and may be lost (documented).
	if st, _ := f.store.GetFailures(ctx, "acct:b"); st.Locked(f.clock.Now()) {
		t.Fatalf("an unlocked key is locked after the refill: %+v", st)
	}
	// The refill restored the cache: the lock is there, marker set.
	if st, loaded, err := f.cache.CheckFailures(ctx, "acct:a"); err != nil || !loaded || !st.Locked(f.clock.Now()) {
		t.Fatalf("cache after refill: %+v loaded=%v err=%v", st, loaded, err)
	}
	// An unlock lifts the durable lock too: a later loss does not bring it back.
	if err := f.store.ClearFailures(ctx, "acct:a", true); err != nil {
		t.Fatal(err)
	}
	f.flush(t)
	if st, err := f.store.GetFailures(ctx, "acct:a"); err != nil || st.Locked(f.clock.Now()) {
		t.Fatalf("after unlock and a cache loss GetFailures = %+v, %v; want unlocked", st, err)
	}
	// ClearFailures without unlock (a success) keeps the durable lock.
	for range policy.Max {
		if _, err := f.store.RecordFailure(ctx, "acct:c", policy); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.store.ClearFailures(ctx, "acct:c", false); err != nil {
		t.Fatal(err)
	}
	f.flush(t)
	if st, _ := f.store.GetFailures(ctx, "acct:c"); !st.Locked(f.clock.Now()) {
		t.Fatalf("clearing the count lifted the durable lock: %+v", st)
	}
}

// A revocation another node recorded but could not cache (Redis kept its
// marker) is honoured by every node once the marker expires: the periodic
// refill bounds that gap to RefillEvery.
func TestMarkerExpiryBoundsAMissedWrite(t *testing.T) {
	f := newFixture(t)
	f.store.RefillEvery = 300 * time.Millisecond
	ctx := t.Context()
	if got, err := f.store.IsRevoked(ctx, "grant:g"); err != nil || got {
		t.Fatalf("IsRevoked on an empty list = %v, %v", got, err)
	}
	// Another node: the record took the revocation, its Redis write failed.
	if err := f.record.RecordRevocation(ctx, "grant:g", f.clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	if got, err := f.store.IsRevoked(ctx, "grant:g"); err != nil || !got {
		t.Fatalf("after the marker expired IsRevoked = %v, %v; want true", got, err)
	}
}

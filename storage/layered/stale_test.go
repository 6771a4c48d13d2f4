package layered_test

import (
	"context"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/layered"
	"github.com/admit-idp/admit/storage/memory"
)

// hookRecord runs during once, right after ListRevocations has read the
// record, before the refill loads the list into the cache.
type hookRecord struct {
	*memory.Store
	during func()
}

func (r *hookRecord) ListRevocations(ctx context.Context, now time.Time) ([]storage.Revocation, error) {
	live, err := r.Store.ListRevocations(ctx, now)
	if f := r.during; f != nil {
		r.during = nil
		f()
	}
	return live, err
}

// A revocation whose cache write fails while a refill is in flight (after
// the refill listed the record, so the list misses it) keeps the node's
// cache untrusted: the next check refills again instead of answering from
// a cache marked complete without it.
func TestFailedWriteDuringRefillIsHonoured(t *testing.T) {
	f := newFixture(t)
	cache := &failingCache{Store: f.cache}
	record := &hookRecord{Store: f.record}
	store := layered.New(record, cache, f.clock.Now, nil)
	ctx := t.Context()
	record.during = func() {
		cache.failRevoke = true
		if err := store.Revoke(ctx, "grant:g", f.clock.Now().Add(time.Hour)); err != nil {
			t.Errorf("Revoke during the refill: %v", err)
		}
		cache.failRevoke = false
	}
	// The cache is empty and unmarked: this check refills.
	if got, err := store.IsRevoked(ctx, "grant:other"); err != nil || got {
		t.Fatalf("IsRevoked(grant:other) = %v, %v", got, err)
	}
	if got, err := store.IsRevoked(ctx, "grant:g"); err != nil || !got {
		t.Fatalf("IsRevoked after a cache write failed during a refill = %v, %v; want true", got, err)
	}
}

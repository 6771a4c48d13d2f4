package redis_test

import (
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

// TestPeekRate: a peek tells whether one more event fits without counting
// it.
func TestPeekRate(t *testing.T) {
	s, _, _ := newStore(t, newFakeClock())
	ctx, rate := t.Context(), storage.Rate{Limit: 2, Period: time.Minute}
	for i := range 3 {
		want := i < 2
		for range 3 {
			res, err := s.PeekRate(ctx, "k", rate)
			if err != nil {
				t.Fatal(err)
			}
			if res.Allowed != want {
				t.Fatalf("peek after %d events: allowed %v, want %v", i, res.Allowed, want)
			}
		}
		res, err := s.AllowRate(ctx, "k", rate)
		if err != nil {
			t.Fatal(err)
		}
		if res.Allowed != want {
			t.Fatalf("event %d: allowed %v, want %v", i+1, res.Allowed, want)
		}
	}
}

package redis_test

import (
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/redis"
	"github.com/admit-idp/admit/storage/redis/redistest"
	"github.com/admit-idp/admit/storage/storagetest"
)

// The marker is read in the same MGET as the entries; a load sets it with
// the entries and never shortens an entry already cached.
func TestCheckAndLoadRevocations(t *testing.T) {
	client, prefix := redistest.NewClient(t)
	clock := storagetest.NewClock()
	s := redis.New(client, prefix, clock.Now)
	ctx := t.Context()
	if revoked, loaded, err := s.CheckRevoked(ctx, "grant:a"); err != nil || revoked || loaded {
		t.Fatalf("empty cache: revoked=%v loaded=%v err=%v; want false, false", revoked, loaded, err)
	}
	long := clock.Now().Add(2 * time.Hour)
	if err := s.Revoke(ctx, "grant:a", long); err != nil {
		t.Fatal(err)
	}
	entries := []storage.Revocation{{Key: "grant:a", Until: clock.Now().Add(time.Minute)}, {Key: "at:b", Until: clock.Now().Add(time.Hour)}}
	if err := s.LoadRevocations(ctx, entries, time.Minute); err != nil {
		t.Fatal(err)
	}
	if revoked, loaded, err := s.CheckRevoked(ctx, "at:b"); err != nil || !revoked || !loaded {
		t.Fatalf("after load: revoked=%v loaded=%v err=%v; want true, true", revoked, loaded, err)
	}
	clock.Advance(time.Hour)
	if revoked, _, _ := s.CheckRevoked(ctx, "grant:a"); !revoked {
		t.Fatal("the load shortened a longer revocation")
	}
	if revoked, _, _ := s.CheckRevoked(ctx, "at:b"); revoked {
		t.Fatal("a loaded entry outlived its end")
	}
}

func TestCheckAndLoadLocks(t *testing.T) {
	client, prefix := redistest.NewClient(t)
	clock := storagetest.NewClock()
	s := redis.New(client, prefix, clock.Now)
	ctx := t.Context()
	p := storage.FailurePolicy{Max: 5, Window: time.Hour, LockFor: time.Hour}
	if _, err := s.RecordFailure(ctx, "acct:counted", p); err != nil {
		t.Fatal(err)
	}
	if st, loaded, err := s.CheckFailures(ctx, "acct:counted"); err != nil || loaded || st.Count != 1 {
		t.Fatalf("before load: %+v loaded=%v err=%v; want count 1, not loaded", st, loaded, err)
	}
	until := clock.Now().Add(30 * time.Minute).Truncate(time.Millisecond)
	locks := []storage.Lock{{Key: "acct:counted", Until: until}, {Key: "acct:new", Until: until}}
	if err := s.LoadLocks(ctx, locks, time.Minute); err != nil {
		t.Fatal(err)
	}
	st, loaded, err := s.CheckFailures(ctx, "acct:counted")
	if err != nil || !loaded || st.Count != 1 || !st.LockedUntil.Equal(until) {
		t.Fatalf("after load: %+v loaded=%v err=%v; want the count kept and locked until %v", st, loaded, err, until)
	}
	if st, _ := s.GetFailures(ctx, "acct:new"); !st.LockedUntil.Equal(until) {
		t.Fatalf("loaded lock of a new key: %+v", st)
	}
}

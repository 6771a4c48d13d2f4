package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

func failureTests() []testCase[storage.FailureCounters] {
	return []testCase[storage.FailureCounters]{
		{"CountsAndLocks", testFailuresLock},
		{"WindowExpires", testFailuresWindow},
		{"ClearKeepsLockUnlessUnlock", testFailuresClear},
	}
}

var testPolicy = storage.FailurePolicy{Max: 5, Window: 15 * time.Minute, LockFor: 15 * time.Minute}

func testFailuresLock(t *testing.T, s storage.FailureCounters, c *Clock) {
	ctx, key := context.Background(), "acct:"+randomID()
	for i := 1; i < 5; i++ {
		st, err := s.RecordFailure(ctx, key, testPolicy)
		if err != nil || st.Count != i || st.Locked(c.Now()) {
			t.Fatalf("failure %d: %+v, %v", i, st, err)
		}
	}
	st, err := s.RecordFailure(ctx, key, testPolicy)
	if err != nil || st.Count != 5 || !st.LockedUntil.Equal(c.Now().Add(15*time.Minute)) {
		t.Fatalf("fifth failure: %+v, %v", st, err)
	}
	got, err := s.GetFailures(ctx, key)
	if err != nil || !got.Locked(c.Now()) || got.Count != 0 {
		t.Fatalf("get after lock: %+v, %v", got, err)
	}
	c.Advance(15 * time.Minute)
	if got, _ := s.GetFailures(ctx, key); got.Locked(c.Now()) {
		t.Fatalf("still locked after 15m: %+v", got)
	}
}

func testFailuresWindow(t *testing.T, s storage.FailureCounters, c *Clock) {
	ctx, key := context.Background(), "ip:"+randomID()
	for range 4 {
		mustRecord(t, s, key)
	}
	c.Advance(15*time.Minute + time.Second)
	if got, _ := s.GetFailures(ctx, key); got.Count != 0 {
		t.Fatalf("count after window: %+v", got)
	}
	if st := mustRecord(t, s, key); st.Count != 1 {
		t.Fatalf("new window starts at 1: %+v", st)
	}
}

func testFailuresClear(t *testing.T, s storage.FailureCounters, c *Clock) {
	ctx, key := context.Background(), "acct:"+randomID()
	for range 5 {
		mustRecord(t, s, key)
	}
	mustRecord(t, s, key) // one more while locked: counted in a new window
	if err := s.ClearFailures(ctx, key, false); err != nil {
		t.Fatal(err)
	}
	got, _ := s.GetFailures(ctx, key)
	if got.Count != 0 || !got.Locked(c.Now()) {
		t.Fatalf("clear without unlock: %+v", got)
	}
	if err := s.ClearFailures(ctx, key, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetFailures(ctx, key); got.Locked(c.Now()) || got.Count != 0 {
		t.Fatalf("clear with unlock: %+v", got)
	}
}

func mustRecord(t *testing.T, s storage.FailureCounters, key string) storage.FailureState {
	t.Helper()
	st, err := s.RecordFailure(context.Background(), key, testPolicy)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func rateTests() []testCase[storage.RateLimiter] {
	return []testCase[storage.RateLimiter]{{"BurstThenRetryAfter", testRateBurst}}
}

// The Redis limiter reads Redis TIME, so this test needs no clock moves:
// a burst of Limit passes, the next is refused with a Retry-After near
// Period/Limit.
func testRateBurst(t *testing.T, s storage.RateLimiter, _ *Clock) {
	ctx, key, rate := context.Background(), "login:"+randomID(), storage.Rate{Limit: 5, Period: time.Minute}
	for i := range 5 {
		res, err := s.AllowRate(ctx, key, rate)
		if err != nil || !res.Allowed || res.Remaining != 4-i {
			t.Fatalf("hit %d: %+v, %v", i, res, err)
		}
	}
	res, err := s.AllowRate(ctx, key, rate)
	if err != nil || res.Allowed || res.RetryAfter <= 0 || res.RetryAfter > 12*time.Second {
		t.Fatalf("sixth: %+v, %v", res, err)
	}
	other, err := s.AllowRate(ctx, key+"x", rate)
	if err != nil || !other.Allowed {
		t.Fatalf("other key: %+v, %v", other, err)
	}
}

func auditTests() []testCase[storage.AuditLog] {
	return []testCase[storage.AuditLog]{
		{"AppendFilterPrune", testAudit},
		{"RoundTrip", testAuditRoundTrip},
		{"TenantAndActorFilters", testAuditTenantActor},
		{"AfterCursor", testAuditCursor},
	}
}

func testAudit(t *testing.T, s storage.AuditLog, c *Clock) {
	ctx, user, ev := context.Background(), randomID(), "test."+randomID()
	t0 := c.Now()
	batch := []storage.AuditEvent{
		{ID: randomID(), Time: t0, Event: ev, Outcome: "failure", Reason: "bad_credentials", UserID: user, IP: "192.0.2.1"},
		{ID: randomID(), Time: t0.Add(time.Minute), Event: ev, Outcome: "success", UserID: user, Details: map[string]string{"method": "password"}},
		{ID: randomID(), Time: t0.Add(2 * time.Minute), Event: ev, Outcome: "success", UserID: randomID()},
	}
	if err := s.AppendAudit(ctx, batch); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListAudit(ctx, storage.AuditFilter{UserID: user})
	if err != nil || len(got) != 2 || got[0].Reason != "bad_credentials" || got[1].Details["method"] != "password" {
		t.Fatalf("by user: %+v, %v", got, err)
	}
	got, _ = s.ListAudit(ctx, storage.AuditFilter{Event: ev, Since: t0.Add(time.Minute)})
	if len(got) != 2 || !got[0].Time.Equal(t0.Add(time.Minute)) {
		t.Fatalf("since: %+v", got)
	}
	got, _ = s.ListAudit(ctx, storage.AuditFilter{Event: ev, Until: t0.Add(time.Minute), Limit: 5})
	if len(got) != 1 || got[0].IP != "192.0.2.1" {
		t.Fatalf("until: %+v", got)
	}
	if n, err := s.PruneAudit(ctx, t0.Add(time.Second)); err != nil || n < 1 {
		t.Fatalf("prune: %d, %v", n, err)
	}
	if got, _ = s.ListAudit(ctx, storage.AuditFilter{Event: ev}); len(got) != 2 {
		t.Fatalf("after prune: %+v", got)
	}
}

package storagetest

import (
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

func revocationRecordTests() []testCase[storage.RevocationRecords] {
	return []testCase[storage.RevocationRecords]{
		{"ListsOnlyLive", testRevocationRecordsLive},
		{"NeverShortens", testRevocationRecordsNeverShorten},
	}
}

func lockRecordTests() []testCase[storage.LockRecords] {
	return []testCase[storage.LockRecords]{
		{"ListsOnlyLive", testLockRecordsLive},
		{"NeverShortens", testLockRecordsNeverShorten},
		{"Delete", testLockRecordsDelete},
	}
}

// sameInstant compares times at the microsecond precision every backend keeps.
func sameInstant(a, b time.Time) bool { return a.UnixMicro() == b.UnixMicro() }

func revocationsByKey(t *testing.T, s storage.RevocationRecords, now time.Time) map[string]time.Time {
	t.Helper()
	list, err := s.ListRevocations(t.Context(), now)
	mustOK(t, err, "ListRevocations")
	out := map[string]time.Time{}
	for _, r := range list {
		out[r.Key] = r.Until
	}
	return out
}

func locksByKey(t *testing.T, s storage.LockRecords, now time.Time) map[string]time.Time {
	t.Helper()
	list, err := s.ListLocks(t.Context(), now)
	mustOK(t, err, "ListLocks")
	out := map[string]time.Time{}
	for _, l := range list {
		out[l.Key] = l.Until
	}
	return out
}

func testRevocationRecordsLive(t *testing.T, s storage.RevocationRecords, c *Clock) {
	if got := revocationsByKey(t, s, c.Now()); len(got) != 0 {
		t.Fatalf("empty store lists %v", got)
	}
	short, long := "at:"+randomID(), "grant:"+randomID()
	mustOK(t, s.RecordRevocation(t.Context(), short, c.Now().Add(time.Minute)), "RecordRevocation short")
	mustOK(t, s.RecordRevocation(t.Context(), long, c.Now().Add(time.Hour)), "RecordRevocation long")
	got := revocationsByKey(t, s, c.Now())
	if len(got) != 2 || !sameInstant(got[short], c.Now().Add(time.Minute)) || !sameInstant(got[long], c.Now().Add(time.Hour)) {
		t.Fatalf("ListRevocations = %v, want both with their ends", got)
	}
	// An entry is gone from its end on (the deny-list's expiry rule).
	got = revocationsByKey(t, s, c.Now().Add(time.Minute))
	if _, ok := got[short]; ok || len(got) != 1 {
		t.Fatalf("ListRevocations at the short entry's end = %v, want only %s", got, long)
	}
}

func testRevocationRecordsNeverShorten(t *testing.T, s storage.RevocationRecords, c *Clock) {
	key := "grant:" + randomID()
	end := c.Now().Add(time.Hour)
	mustOK(t, s.RecordRevocation(t.Context(), key, end), "RecordRevocation")
	mustOK(t, s.RecordRevocation(t.Context(), key, c.Now().Add(time.Minute)), "RecordRevocation shorter")
	if got := revocationsByKey(t, s, c.Now())[key]; !sameInstant(got, end) {
		t.Fatalf("after a shorter revocation the end is %v, want %v", got, end)
	}
	later := c.Now().Add(2 * time.Hour)
	mustOK(t, s.RecordRevocation(t.Context(), key, later), "RecordRevocation longer")
	if got := revocationsByKey(t, s, c.Now())[key]; !sameInstant(got, later) {
		t.Fatalf("after a longer revocation the end is %v, want %v", got, later)
	}
}

func testLockRecordsLive(t *testing.T, s storage.LockRecords, c *Clock) {
	if got := locksByKey(t, s, c.Now()); len(got) != 0 {
		t.Fatalf("empty store lists %v", got)
	}
	short, long := "ip:"+randomID(), "acct:"+randomID()
	mustOK(t, s.RecordLock(t.Context(), short, c.Now().Add(time.Minute)), "RecordLock short")
	mustOK(t, s.RecordLock(t.Context(), long, c.Now().Add(time.Hour)), "RecordLock long")
	got := locksByKey(t, s, c.Now())
	if len(got) != 2 || !sameInstant(got[short], c.Now().Add(time.Minute)) || !sameInstant(got[long], c.Now().Add(time.Hour)) {
		t.Fatalf("ListLocks = %v, want both with their ends", got)
	}
	got = locksByKey(t, s, c.Now().Add(time.Minute))
	if _, ok := got[short]; ok || len(got) != 1 {
		t.Fatalf("ListLocks at the short lock's end = %v, want only %s", got, long)
	}
}

func testLockRecordsNeverShorten(t *testing.T, s storage.LockRecords, c *Clock) {
	key := "acct:" + randomID()
	end := c.Now().Add(time.Hour)
	mustOK(t, s.RecordLock(t.Context(), key, end), "RecordLock")
	mustOK(t, s.RecordLock(t.Context(), key, c.Now().Add(time.Minute)), "RecordLock shorter")
	if got := locksByKey(t, s, c.Now())[key]; !sameInstant(got, end) {
		t.Fatalf("after a shorter lock the end is %v, want %v", got, end)
	}
}

func testLockRecordsDelete(t *testing.T, s storage.LockRecords, c *Clock) {
	gone, kept := "acct:"+randomID(), "acct:"+randomID()
	mustOK(t, s.RecordLock(t.Context(), gone, c.Now().Add(time.Hour)), "RecordLock")
	mustOK(t, s.RecordLock(t.Context(), kept, c.Now().Add(time.Hour)), "RecordLock")
	mustOK(t, s.DeleteLock(t.Context(), gone), "DeleteLock")
	mustOK(t, s.DeleteLock(t.Context(), gone), "DeleteLock again (idempotent)")
	mustOK(t, s.DeleteLock(t.Context(), "acct:"+randomID()), "DeleteLock of an unknown key")
	got := locksByKey(t, s, c.Now())
	if _, ok := got[gone]; ok || len(got) != 1 {
		t.Fatalf("after DeleteLock ListLocks = %v, want only %s", got, kept)
	}
}

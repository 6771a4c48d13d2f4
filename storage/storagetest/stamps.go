package storagetest

import (
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

type stampStore interface {
	storage.Stamps
	storage.Revocations
}

func stampTests() []testCase[stampStore] {
	return []testCase[stampStore]{
		{"NeverStampedIsStable", testStampsStable},
		{"RestampChangesOnlyItsKey", testRestampChanges},
		{"EveryRestampIsNew", testRestampEachTime},
		{"RevokedInTheSameCheck", testStampsWithRevocations},
	}
}

func checkStamps(t *testing.T, s stampStore, rev []string, keys ...string) (bool, []string) {
	t.Helper()
	revoked, got, err := s.CheckRevokedStamped(t.Context(), rev, keys)
	mustOK(t, err, "CheckRevokedStamped")
	if len(got) != len(keys) {
		t.Fatalf("CheckRevokedStamped(%q) returned %d stamps, want %d", keys, len(got), len(keys))
	}
	return revoked, got
}

func testStampsStable(t *testing.T, s stampStore, _ *Clock) {
	a, b := "user:"+randomID(), "tenant:"+randomID()
	_, first := checkStamps(t, s, nil, a, b)
	_, again := checkStamps(t, s, nil, a, b)
	if first[0] != again[0] || first[1] != again[1] {
		t.Errorf("stamps of untouched keys changed: %q then %q", first, again)
	}
	if _, none := checkStamps(t, s, nil); len(none) != 0 {
		t.Errorf("no stamp keys: got %q", none)
	}
}

func testRestampChanges(t *testing.T, s stampStore, _ *Clock) {
	a, b := "user:"+randomID(), "client:"+randomID()
	_, before := checkStamps(t, s, nil, a, b)
	mustOK(t, s.Restamp(t.Context(), a), "Restamp")
	_, after := checkStamps(t, s, nil, a, b)
	if after[0] == before[0] {
		t.Errorf("stamp of %s unchanged by Restamp: %q", a, after[0])
	}
	if after[1] != before[1] {
		t.Errorf("stamp of %s changed by a Restamp of another key: %q → %q", b, before[1], after[1])
	}
	_, again := checkStamps(t, s, nil, b, a)
	if again[1] != after[0] || again[0] != after[1] {
		t.Errorf("stamps not in the order of the keys: %q vs %q", again, after)
	}
}

func testRestampEachTime(t *testing.T, s stampStore, _ *Clock) {
	a, b := "user:"+randomID(), "user:"+randomID()
	seen := map[string]bool{}
	for range 5 {
		mustOK(t, s.Restamp(t.Context(), a, b), "Restamp")
		_, got := checkStamps(t, s, nil, a, b)
		if got[0] == got[1] {
			t.Errorf("two keys restamped together share the stamp %q", got[0])
		}
		if seen[got[0]] {
			t.Fatalf("Restamp repeated the stamp %q", got[0])
		}
		seen[got[0]] = true
	}
}

func testStampsWithRevocations(t *testing.T, s stampStore, c *Clock) {
	token, grant, user := "at:"+randomID(), "grant:"+randomID(), "user:"+randomID()
	if revoked, _ := checkStamps(t, s, []string{token, grant}, user); revoked {
		t.Fatal("revoked before any revocation")
	}
	mustOK(t, s.Revoke(t.Context(), grant, c.Now().Add(time.Hour)), "Revoke")
	if revoked, _ := checkStamps(t, s, []string{token, grant}, user); !revoked {
		t.Error("a revoked grant is not reported by CheckRevokedStamped")
	}
	if revoked, _ := checkStamps(t, s, []string{token}, user); revoked {
		t.Error("an unrevoked token is reported revoked")
	}
	c.Advance(time.Hour + time.Second)
	if revoked, _ := checkStamps(t, s, []string{token, grant}, user); revoked {
		t.Error("an expired revocation is still reported")
	}
}

package storagetest

import (
	"errors"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

// reuseInterval is the reuse interval the ReuseRefreshToken tests assume.
const reuseInterval = 30 * time.Second

func refreshReuseTests() []testCase[storage.RefreshTokens] {
	return []testCase[storage.RefreshTokens]{
		{"ReuseWithinInterval", testRefreshReuseWithin},
		{"ReuseAgain", testRefreshReuseAgain},
		{"ReuseOutsideInterval", testRefreshReuseOutside},
		{"ReuseAfterSuccessorUsed", testRefreshReuseSuccessorUsed},
		{"ReuseRevoked", testRefreshReuseRevoked},
		{"ReuseNeverRotated", testRefreshReuseNeverRotated},
		{"ReuseUnknown", testRefreshReuseUnknown},
		{"ReuseConcurrent", testRefreshReuseConcurrent},
		{"ReuseRacesSuccessorRotation", testRefreshReuseRacesRotation},
		{"ReuseOfSupersededSuccessor", testRefreshReuseSuperseded},
	}
}

// rotated stores a token and rotates it at the clock's time; it returns
// both links.
func rotated(t *testing.T, s storage.RefreshTokens, c *Clock) (old, succ storage.RefreshToken) {
	t.Helper()
	old = sampleRefresh(c)
	mustOK(t, s.CreateRefreshToken(t.Context(), old), "CreateRefreshToken")
	c.Advance(time.Minute)
	succ = successor(old, c)
	mustOK(t, s.RotateRefreshToken(t.Context(), old.Hash, succ), "RotateRefreshToken")
	old.RotatedAt = succ.CreatedAt
	return old, succ
}

// since is the rotatedSince of a reuse at the clock's time.
func since(c *Clock) time.Time { return c.Now().Add(-reuseInterval) }

// assertNotStored checks a rejected reuse left no successor behind.
func assertNotStored(t *testing.T, s storage.RefreshTokens, next storage.RefreshToken) {
	t.Helper()
	_, err := s.GetRefreshToken(t.Context(), next.Hash)
	mustErr(t, err, storage.ErrNotFound, "successor of a rejected reuse")
}

// A retry inside the interval supersedes the successor the client never
// got and stores a new, usable one; the old token itself is unchanged (still
// rotated, not revoked), so nothing of the family is revoked.
func testRefreshReuseWithin(t *testing.T, s storage.RefreshTokens, c *Clock) {
	old, succ := rotated(t, s, c)
	c.Advance(reuseInterval - time.Second)
	next := successor(old, c)
	mustOK(t, s.ReuseRefreshToken(t.Context(), old.Hash, since(c), next), "ReuseRefreshToken")
	assertEqual(t, "reused token", getRefresh(t, s, old.Hash), old)
	succ.RotatedAt = next.CreatedAt
	gotSucc := getRefresh(t, s, succ.Hash)
	assertEqual(t, "superseded successor", gotSucc, succ)
	if gotSucc.Usable(c.Now()) {
		t.Error("superseded successor is still Usable")
	}
	gotNext := getRefresh(t, s, next.Hash)
	assertEqual(t, "new successor", gotNext, next)
	if !gotNext.Usable(c.Now()) {
		t.Error("new successor is not Usable")
	}
}

// A second retry (the first retry's answer was lost too) works the same
// way, superseding the first retry's successor.
func testRefreshReuseAgain(t *testing.T, s storage.RefreshTokens, c *Clock) {
	old, _ := rotated(t, s, c)
	c.Advance(time.Second)
	first := successor(old, c)
	mustOK(t, s.ReuseRefreshToken(t.Context(), old.Hash, since(c), first), "first ReuseRefreshToken")
	c.Advance(time.Second)
	second := successor(old, c)
	mustOK(t, s.ReuseRefreshToken(t.Context(), old.Hash, since(c), second), "second ReuseRefreshToken")
	if getRefresh(t, s, first.Hash).Usable(c.Now()) {
		t.Error("the first retry's successor is still Usable")
	}
	if !getRefresh(t, s, second.Hash).Usable(c.Now()) {
		t.Error("the second retry's successor is not Usable")
	}
}

// A successor that a retry superseded was never delivered to the client:
// presenting it later is replay, not another retry. Otherwise two copies
// of a rotated token could supersede each other's successors forever
// (T0 retried supersedes T1, T1 "retried" supersedes T2, ...), and a public
// client does not authenticate, so whoever stole one could keep minting.
func testRefreshReuseSuperseded(t *testing.T, s storage.RefreshTokens, c *Clock) {
	old, succ := rotated(t, s, c)
	c.Advance(time.Second)
	next := successor(old, c)
	mustOK(t, s.ReuseRefreshToken(t.Context(), old.Hash, since(c), next), "ReuseRefreshToken of the old token")
	c.Advance(time.Second)
	again := successor(succ, c)
	mustErr(t, s.ReuseRefreshToken(t.Context(), succ.Hash, since(c), again), storage.ErrAlreadyUsed, "reuse of the superseded successor")
	assertNotStored(t, s, again)
	if !getRefresh(t, s, next.Hash).Usable(c.Now()) {
		t.Error("the retry's successor was superseded by the superseded token")
	}
}

func testRefreshReuseOutside(t *testing.T, s storage.RefreshTokens, c *Clock) {
	old, succ := rotated(t, s, c)
	c.Advance(reuseInterval + time.Second)
	next := successor(old, c)
	mustErr(t, s.ReuseRefreshToken(t.Context(), old.Hash, since(c), next), storage.ErrAlreadyUsed, "reuse after the interval")
	assertNotStored(t, s, next)
	assertEqual(t, "successor after a rejected reuse", getRefresh(t, s, succ.Hash), succ)
}

// Once the client has used the successor, it did get the response: the old
// token presented again is replay, whenever it comes.
func testRefreshReuseSuccessorUsed(t *testing.T, s storage.RefreshTokens, c *Clock) {
	old, succ := rotated(t, s, c)
	c.Advance(time.Second)
	mustOK(t, s.RotateRefreshToken(t.Context(), succ.Hash, successor(succ, c)), "rotating the successor")
	next := successor(old, c)
	mustErr(t, s.ReuseRefreshToken(t.Context(), old.Hash, since(c), next), storage.ErrAlreadyUsed, "reuse after the successor was used")
	assertNotStored(t, s, next)
}

func testRefreshReuseRevoked(t *testing.T, s storage.RefreshTokens, c *Clock) {
	old, _ := rotated(t, s, c)
	mustOK(t, s.RevokeRefreshFamily(t.Context(), old.FamilyID, c.Now()), "RevokeRefreshFamily")
	c.Advance(time.Second)
	next := successor(old, c)
	mustErr(t, s.ReuseRefreshToken(t.Context(), old.Hash, since(c), next), storage.ErrAlreadyUsed, "reuse of a revoked token")
	assertNotStored(t, s, next)
}

func testRefreshReuseNeverRotated(t *testing.T, s storage.RefreshTokens, c *Clock) {
	old := sampleRefresh(c)
	mustOK(t, s.CreateRefreshToken(t.Context(), old), "CreateRefreshToken")
	next := successor(old, c)
	mustErr(t, s.ReuseRefreshToken(t.Context(), old.Hash, since(c), next), storage.ErrAlreadyUsed, "reuse of an unrotated token")
	assertNotStored(t, s, next)
	assertEqual(t, "unrotated token", getRefresh(t, s, old.Hash), old)
}

func testRefreshReuseUnknown(t *testing.T, s storage.RefreshTokens, c *Clock) {
	next := sampleRefresh(c)
	mustErr(t, s.ReuseRefreshToken(t.Context(), randomHash(), since(c), next), storage.ErrNotFound, "reuse of an unknown token")
	assertNotStored(t, s, next)
}

// Concurrent retries of one token: at least one wins, every loser is told
// ErrAlreadyUsed and stores nothing, and the family does not fork: exactly
// one token is usable afterwards. (A retry that runs after another has
// committed may supersede its successor, as ReuseAgain does.)
func testRefreshReuseConcurrent(t *testing.T, s storage.RefreshTokens, c *Clock) {
	old, succ := rotated(t, s, c)
	c.Advance(time.Second)
	nexts := make([]storage.RefreshToken, rotationRacers)
	for i := range nexts {
		nexts[i] = successor(old, c)
	}
	errs := race(len(nexts), func(i int) error { return s.ReuseRefreshToken(t.Context(), old.Hash, since(c), nexts[i]) })
	assertNoFork(t, s, c, errs, nexts, succ)
}

// A retry of the old token racing the client's use of the successor, and
// each other: the same guarantees.
func testRefreshReuseRacesRotation(t *testing.T, s storage.RefreshTokens, c *Clock) {
	old, succ := rotated(t, s, c)
	c.Advance(time.Second)
	nexts := make([]storage.RefreshToken, rotationRacers)
	for i := range nexts {
		nexts[i] = successor(old, c)
	}
	errs := race(len(nexts), func(i int) error {
		if i%2 == 0 {
			return s.ReuseRefreshToken(t.Context(), old.Hash, since(c), nexts[i])
		}
		return s.RotateRefreshToken(t.Context(), succ.Hash, nexts[i])
	})
	assertNoFork(t, s, c, errs, nexts, succ)
}

// assertNoFork checks the outcome of a race: some racer won, losers got
// ErrAlreadyUsed and stored nothing, and of the first successor and every
// racer's successor exactly one is usable.
func assertNoFork(t *testing.T, s storage.RefreshTokens, c *Clock, errs []error, nexts []storage.RefreshToken, first storage.RefreshToken) {
	t.Helper()
	won, usable := 0, 0
	if getRefresh(t, s, first.Hash).Usable(c.Now()) {
		usable++
	}
	for i, err := range errs {
		_, getErr := s.GetRefreshToken(t.Context(), nexts[i].Hash)
		switch {
		case err == nil:
			won++
			mustOK(t, getErr, "GetRefreshToken of a winner's successor")
			if getRefresh(t, s, nexts[i].Hash).Usable(c.Now()) {
				usable++
			}
		case !errors.Is(err, storage.ErrAlreadyUsed):
			t.Errorf("racer %d: got %v, want ErrAlreadyUsed", i, err)
		case !errors.Is(getErr, storage.ErrNotFound):
			t.Errorf("loser %d's successor: got %v, want ErrNotFound", i, getErr)
		}
	}
	if won == 0 || usable != 1 {
		t.Fatalf("%d racers won and %d tokens of the family are usable; want at least one winner and exactly one usable token", won, usable)
	}
}

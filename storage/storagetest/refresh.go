package storagetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

func refreshTests() []testCase[storage.RefreshTokens] {
	return []testCase[storage.RefreshTokens]{
		{"RoundTrip", testRefreshRoundTrip},
		{"RoundTripAnyState", testRefreshRoundTripAnyState},
		{"DuplicateHash", testRefreshDuplicateHash},
		{"NotFound", testRefreshNotFound},
		{"Rotate", testRefreshRotate},
		{"RotateRotated", testRefreshRotateRotated},
		{"RotateRevoked", testRefreshRotateRevoked},
		{"RotateUnknown", testRefreshRotateUnknown},
		{"RotateConcurrent", testRefreshRotateConcurrent},
		{"RevokeFamily", testRefreshRevokeFamily},
		{"RevokeFamilyUnknown", testRefreshRevokeFamilyUnknown},
		{"RevokeByUser", testRefreshRevokeByUser},
		{"RevokeByUserAndClient", testRefreshRevokeByUserAndClient},
		{"RevokeByUserNone", testRefreshRevokeByUserNone},
		{"RevokeBySession", testRefreshRevokeBySession},
		{"RevokeRacesRotation", testRefreshRevokeRacesRotation},
	}
}

// sampleRefresh returns the first link of a new family, every field set but
// RotatedAt and RevokedAt.
func sampleRefresh(c *Clock) storage.RefreshToken {
	return storage.RefreshToken{
		ID:        randomID(),
		Hash:      randomHash(),
		FamilyID:  randomID(),
		ClientID:  randomID(),
		UserID:    randomID(),
		Scopes:    []string{"openid", "offline_access", "profile"},
		AMR:       []string{"pwd", "otp"},
		ACR:       "urn:admit:acr:mfa",
		AuthTime:  c.Now().Add(-time.Minute),
		SessionID: randomID(),
		CreatedAt: c.Now(),
		ExpiresAt: c.Now().Add(30 * 24 * time.Hour),
		Resources: []string{"https://tickets.example/api", "urn:example:payments"},
		DPoPJKT:   "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
	}
}

// successor returns the link that replaces t when rotated at the clock's
// current time.
func successor(t storage.RefreshToken, c *Clock) storage.RefreshToken {
	next := t
	next.ID, next.Hash = randomID(), randomHash()
	next.Scopes = append([]string(nil), t.Scopes...)
	next.AMR = append([]string(nil), t.AMR...)
	next.CreatedAt = c.Now()
	next.ExpiresAt = c.Now().Add(30 * 24 * time.Hour)
	next.RotatedAt, next.RevokedAt = time.Time{}, time.Time{}
	return next
}

// getRefresh fetches a token that must exist.
func getRefresh(t *testing.T, s storage.RefreshTokens, hash string) storage.RefreshToken {
	t.Helper()
	got, err := s.GetRefreshToken(t.Context(), hash)
	mustOK(t, err, "GetRefreshToken")
	return got
}

func testRefreshRoundTrip(t *testing.T, s storage.RefreshTokens, c *Clock) {
	tok := sampleRefresh(c)
	assertFilled(t, tok, "RotatedAt", "RevokedAt")
	mustOK(t, s.CreateRefreshToken(t.Context(), tok), "CreateRefreshToken")
	assertEqual(t, "GetRefreshToken", getRefresh(t, s, tok.Hash), tok)
}

// GetRefreshToken must return rotated, revoked and expired tokens as they
// are, so the caller can tell replay from an unknown token.
func testRefreshRoundTripAnyState(t *testing.T, s storage.RefreshTokens, c *Clock) {
	tok := sampleRefresh(c)
	tok.CreatedAt = c.Now().Add(-48 * time.Hour)
	tok.ExpiresAt = c.Now().Add(-24 * time.Hour)
	tok.RotatedAt = c.Now().Add(-36 * time.Hour)
	tok.RevokedAt = c.Now().Add(-30 * time.Hour)
	assertFilled(t, tok)
	mustOK(t, s.CreateRefreshToken(t.Context(), tok), "CreateRefreshToken")
	assertEqual(t, "GetRefreshToken of an expired, rotated, revoked token", getRefresh(t, s, tok.Hash), tok)
}

func testRefreshDuplicateHash(t *testing.T, s storage.RefreshTokens, c *Clock) {
	tok := sampleRefresh(c)
	mustOK(t, s.CreateRefreshToken(t.Context(), tok), "CreateRefreshToken")
	dup := sampleRefresh(c)
	dup.Hash = tok.Hash
	mustErr(t, s.CreateRefreshToken(t.Context(), dup), storage.ErrAlreadyExists, "CreateRefreshToken with a taken hash")
	assertEqual(t, "token after rejected duplicate", getRefresh(t, s, tok.Hash), tok)
}

func testRefreshNotFound(t *testing.T, s storage.RefreshTokens, c *Clock) {
	mustOK(t, s.CreateRefreshToken(t.Context(), sampleRefresh(c)), "CreateRefreshToken")
	_, err := s.GetRefreshToken(t.Context(), randomHash())
	mustErr(t, err, storage.ErrNotFound, "GetRefreshToken unknown")
}

func testRefreshRotate(t *testing.T, s storage.RefreshTokens, c *Clock) {
	old := sampleRefresh(c)
	mustOK(t, s.CreateRefreshToken(t.Context(), old), "CreateRefreshToken")
	c.Advance(time.Hour)
	next := successor(old, c)
	mustOK(t, s.RotateRefreshToken(t.Context(), old.Hash, next), "RotateRefreshToken")

	old.RotatedAt = next.CreatedAt
	gotOld := getRefresh(t, s, old.Hash)
	assertEqual(t, "rotated token", gotOld, old)
	if gotOld.Usable(c.Now()) {
		t.Error("rotated token is still Usable")
	}
	gotNext := getRefresh(t, s, next.Hash)
	assertEqual(t, "successor", gotNext, next)
	if !gotNext.Usable(c.Now()) {
		t.Error("successor is not Usable")
	}
}

func testRefreshRotateRotated(t *testing.T, s storage.RefreshTokens, c *Clock) {
	old := sampleRefresh(c)
	mustOK(t, s.CreateRefreshToken(t.Context(), old), "CreateRefreshToken")
	mustOK(t, s.RotateRefreshToken(t.Context(), old.Hash, successor(old, c)), "first RotateRefreshToken")
	c.Advance(time.Second)
	replay := successor(old, c)
	mustErr(t, s.RotateRefreshToken(t.Context(), old.Hash, replay), storage.ErrAlreadyUsed, "rotating a rotated token")
	_, err := s.GetRefreshToken(t.Context(), replay.Hash)
	mustErr(t, err, storage.ErrNotFound, "successor of a rejected rotation")
}

func testRefreshRotateRevoked(t *testing.T, s storage.RefreshTokens, c *Clock) {
	old := sampleRefresh(c)
	mustOK(t, s.CreateRefreshToken(t.Context(), old), "CreateRefreshToken")
	mustOK(t, s.RevokeRefreshFamily(t.Context(), old.FamilyID, c.Now()), "RevokeRefreshFamily")
	next := successor(old, c)
	mustErr(t, s.RotateRefreshToken(t.Context(), old.Hash, next), storage.ErrAlreadyUsed, "rotating a revoked token")
	_, err := s.GetRefreshToken(t.Context(), next.Hash)
	mustErr(t, err, storage.ErrNotFound, "successor of a rejected rotation")
}

func testRefreshRotateUnknown(t *testing.T, s storage.RefreshTokens, c *Clock) {
	next := sampleRefresh(c)
	mustErr(t, s.RotateRefreshToken(t.Context(), randomHash(), next), storage.ErrNotFound, "rotating an unknown token")
	_, err := s.GetRefreshToken(t.Context(), next.Hash)
	mustErr(t, err, storage.ErrNotFound, "successor of a rejected rotation")
}

// rotationRacers is how many goroutines race to rotate one token.
const rotationRacers = 8

// Concurrent rotations of one token: exactly one wins, the others are told
// ErrAlreadyUsed, and only the winner's successor is stored.
func testRefreshRotateConcurrent(t *testing.T, s storage.RefreshTokens, c *Clock) {
	old := sampleRefresh(c)
	mustOK(t, s.CreateRefreshToken(t.Context(), old), "CreateRefreshToken")
	nexts := make([]storage.RefreshToken, rotationRacers)
	for i := range nexts {
		nexts[i] = successor(old, c)
		nexts[i].CreatedAt = c.Now().Add(time.Duration(i+1) * time.Second) // identifies the winner
	}
	errs := race(len(nexts), func(i int) error { return s.RotateRefreshToken(t.Context(), old.Hash, nexts[i]) })

	winner := singleWinner(t, errs, storage.ErrAlreadyUsed)
	for i, next := range nexts {
		_, err := s.GetRefreshToken(t.Context(), next.Hash)
		if i == winner {
			mustOK(t, err, "GetRefreshToken of the winner's successor")
		} else if !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("loser %d's successor: got %v, want ErrNotFound", i, err)
		}
	}
	if got := getRefresh(t, s, old.Hash).RotatedAt; !got.Equal(nexts[winner].CreatedAt) {
		t.Errorf("RotatedAt = %v, want the winner's CreatedAt %v", got, nexts[winner].CreatedAt)
	}
}

// race runs f(0..n-1) in n goroutines released at once and returns their
// errors by index.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// singleWinner checks that exactly one error is nil and every other wraps
// loss; it returns the winner's index.
func singleWinner(t *testing.T, errs []error, loss error) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("racers %d and %d both won", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, loss):
			t.Errorf("racer %d: got %v, want one wrapping %q", i, err, loss)
		}
	}
	if winner < 0 {
		t.Fatal("no racer won")
	}
	return winner
}

func testRefreshRevokeFamily(t *testing.T, s storage.RefreshTokens, c *Clock) {
	first := sampleRefresh(c)
	mustOK(t, s.CreateRefreshToken(t.Context(), first), "CreateRefreshToken")
	c.Advance(time.Minute)
	second := successor(first, c)
	mustOK(t, s.RotateRefreshToken(t.Context(), first.Hash, second), "RotateRefreshToken")
	first.RotatedAt = second.CreatedAt
	other := sampleRefresh(c)
	mustOK(t, s.CreateRefreshToken(t.Context(), other), "CreateRefreshToken (other family)")

	c.Advance(time.Minute)
	at := c.Now()
	mustOK(t, s.RevokeRefreshFamily(t.Context(), first.FamilyID, at), "RevokeRefreshFamily")
	mustOK(t, s.RevokeRefreshFamily(t.Context(), first.FamilyID, at), "RevokeRefreshFamily (again)")

	for _, want := range []storage.RefreshToken{first, second} {
		want.RevokedAt = at
		got := getRefresh(t, s, want.Hash)
		assertEqual(t, "revoked link", got, want)
		if got.Usable(c.Now()) {
			t.Errorf("revoked link %s is still Usable", want.ID)
		}
	}
	assertEqual(t, "token of another family", getRefresh(t, s, other.Hash), other)
}

func testRefreshRevokeFamilyUnknown(t *testing.T, s storage.RefreshTokens, c *Clock) {
	mustOK(t, s.RevokeRefreshFamily(t.Context(), randomID(), c.Now()), "RevokeRefreshFamily of an unknown family")
}

// userGrants creates, for one user, a rotated family and a fresh family at
// two different clients, plus the same for another user at the first
// client. It returns the user's tokens by client and the other user's token.
func userGrants(t *testing.T, s storage.RefreshTokens, c *Clock) (atA, atB []storage.RefreshToken, stranger storage.RefreshToken) {
	t.Helper()
	a1 := sampleRefresh(c)
	a2 := successor(a1, c)
	b := sampleRefresh(c)
	b.UserID = a1.UserID
	stranger = sampleRefresh(c)
	stranger.ClientID = a1.ClientID
	for _, tok := range []storage.RefreshToken{a1, b, stranger} {
		mustOK(t, s.CreateRefreshToken(t.Context(), tok), "CreateRefreshToken")
	}
	mustOK(t, s.RotateRefreshToken(t.Context(), a1.Hash, a2), "RotateRefreshToken")
	a1.RotatedAt = a2.CreatedAt
	return []storage.RefreshToken{a1, a2}, []storage.RefreshToken{b}, stranger
}

// assertRevoked checks that each token is stored revoked at at, otherwise
// unchanged.
func assertRevoked(t *testing.T, s storage.RefreshTokens, at time.Time, toks ...storage.RefreshToken) {
	t.Helper()
	for _, want := range toks {
		want.RevokedAt = at
		assertEqual(t, "revoked token", getRefresh(t, s, want.Hash), want)
	}
}

// assertUntouched checks that each token is stored unchanged.
func assertUntouched(t *testing.T, s storage.RefreshTokens, toks ...storage.RefreshToken) {
	t.Helper()
	for _, want := range toks {
		assertEqual(t, "untouched token", getRefresh(t, s, want.Hash), want)
	}
}

func testRefreshRevokeByUser(t *testing.T, s storage.RefreshTokens, c *Clock) {
	atA, atB, stranger := userGrants(t, s, c)
	c.Advance(time.Minute)
	families, err := s.RevokeRefreshTokens(t.Context(), atA[0].UserID, "", c.Now())
	mustOK(t, err, "RevokeRefreshTokens")
	assertSameSet(t, "revoked families", families, []string{atA[0].FamilyID, atB[0].FamilyID})
	assertRevoked(t, s, c.Now(), append(atA, atB...)...)
	assertUntouched(t, s, stranger)

	_, err = s.RevokeRefreshTokens(t.Context(), atA[0].UserID, "", c.Now())
	mustOK(t, err, "RevokeRefreshTokens (again)")
}

func testRefreshRevokeByUserAndClient(t *testing.T, s storage.RefreshTokens, c *Clock) {
	atA, atB, stranger := userGrants(t, s, c)
	c.Advance(time.Minute)
	families, err := s.RevokeRefreshTokens(t.Context(), atA[0].UserID, atA[0].ClientID, c.Now())
	mustOK(t, err, "RevokeRefreshTokens")
	assertSameSet(t, "revoked families", families, []string{atA[0].FamilyID})
	assertRevoked(t, s, c.Now(), atA...)
	assertUntouched(t, s, append(atB, stranger)...)
}

func testRefreshRevokeByUserNone(t *testing.T, s storage.RefreshTokens, c *Clock) {
	_, _, stranger := userGrants(t, s, c)
	families, err := s.RevokeRefreshTokens(t.Context(), randomID(), "", c.Now())
	mustOK(t, err, "RevokeRefreshTokens for a user without tokens")
	if len(families) != 0 {
		t.Errorf("revoked families = %q, want none", families)
	}
	assertUntouched(t, s, stranger)
}

// Signing one browser session out revokes the tokens issued under it, its
// rotations included, and nothing else: not the user's other sessions, and
// not another user's tokens even given the same session ID.
func testRefreshRevokeBySession(t *testing.T, s storage.RefreshTokens, c *Clock) {
	atA, atB, stranger := userGrants(t, s, c)
	c.Advance(time.Minute)
	none, err := s.RevokeSessionRefreshTokens(t.Context(), stranger.UserID, atA[0].SessionID, c.Now())
	mustOK(t, err, "RevokeSessionRefreshTokens of another user")
	if len(none) != 0 {
		t.Fatalf("another user's session ID revoked %q", none)
	}
	families, err := s.RevokeSessionRefreshTokens(t.Context(), atA[0].UserID, atA[0].SessionID, c.Now())
	mustOK(t, err, "RevokeSessionRefreshTokens")
	assertSameSet(t, "revoked families", families, []string{atA[0].FamilyID})
	assertRevoked(t, s, c.Now(), atA...)
	assertUntouched(t, s, append(atB, stranger)...)
	_, err = s.RevokeSessionRefreshTokens(t.Context(), atA[0].UserID, atA[0].SessionID, c.Now().Add(time.Minute))
	mustOK(t, err, "RevokeSessionRefreshTokens (again)")
	assertRevoked(t, s, c.Now(), atA...)
}

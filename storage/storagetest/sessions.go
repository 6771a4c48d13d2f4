package storagetest

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

func sessionTests() []testCase[storage.Sessions] {
	return []testCase[storage.Sessions]{
		{"RoundTrip", testSessionRoundTrip},
		{"DuplicateID", testSessionDuplicateID},
		{"DuplicateTokenHash", testSessionDuplicateHash},
		{"NotFound", testSessionNotFound},
		{"Expiry", testSessionExpiry},
		{"Touch", testSessionTouch},
		{"TouchUnknown", testSessionTouchUnknown},
		{"Delete", testSessionDelete},
		{"DeleteUserSessions", testSessionDeleteUser},
		{"ListNewestFirst", testSessionList},
		{"ListNone", testSessionListNone},
		{"ListPages", testSessionListPages},
		{"DeleteUserSession", testSessionDeleteOfUser},
	}
}

// sessionLifetime is the samples' absolute lifetime.
const sessionLifetime = 8 * time.Hour

func sampleSession(c *Clock) storage.Session {
	return storage.Session{
		ID:         randomID(),
		TokenHash:  randomHash(),
		UserID:     randomID(),
		AuthTime:   c.Now().Add(-time.Second),
		AMR:        []string{"pwd", "hwk"},
		ACR:        "urn:admit:acr:mfa",
		IP:         "2001:db8::1",
		UserAgent:  "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
		CreatedAt:  c.Now(),
		LastSeenAt: c.Now(),
		ExpiresAt:  c.Now().Add(sessionLifetime),
		MFAAt:      c.Now().Add(-time.Second),
	}
}

// getSession fetches a session that must be live.
func getSession(t *testing.T, s storage.Sessions, tokenHash string) storage.Session {
	t.Helper()
	got, err := s.GetSessionByTokenHash(t.Context(), tokenHash)
	mustOK(t, err, "GetSessionByTokenHash")
	return got
}

func testSessionRoundTrip(t *testing.T, s storage.Sessions, c *Clock) {
	sess := sampleSession(c)
	assertFilled(t, sess)
	mustOK(t, s.CreateSession(t.Context(), sess), "CreateSession")
	assertEqual(t, "GetSessionByTokenHash", getSession(t, s, sess.TokenHash), sess)
}

func testSessionDuplicateID(t *testing.T, s storage.Sessions, c *Clock) {
	sess := sampleSession(c)
	mustOK(t, s.CreateSession(t.Context(), sess), "CreateSession")
	dup := sampleSession(c)
	dup.ID = sess.ID
	mustErr(t, s.CreateSession(t.Context(), dup), storage.ErrAlreadyExists, "CreateSession with a taken ID")
	_, err := s.GetSessionByTokenHash(t.Context(), dup.TokenHash)
	mustErr(t, err, storage.ErrNotFound, "GetSessionByTokenHash of the rejected duplicate")
	assertEqual(t, "session after rejected duplicate", getSession(t, s, sess.TokenHash), sess)
}

func testSessionDuplicateHash(t *testing.T, s storage.Sessions, c *Clock) {
	sess := sampleSession(c)
	mustOK(t, s.CreateSession(t.Context(), sess), "CreateSession")
	dup := sampleSession(c)
	dup.TokenHash = sess.TokenHash
	mustErr(t, s.CreateSession(t.Context(), dup), storage.ErrAlreadyExists, "CreateSession with a taken token hash")
	assertEqual(t, "session after rejected duplicate", getSession(t, s, sess.TokenHash), sess)
}

func testSessionNotFound(t *testing.T, s storage.Sessions, c *Clock) {
	mustOK(t, s.CreateSession(t.Context(), sampleSession(c)), "CreateSession")
	_, err := s.GetSessionByTokenHash(t.Context(), randomHash())
	mustErr(t, err, storage.ErrNotFound, "GetSessionByTokenHash unknown")
}

func testSessionExpiry(t *testing.T, s storage.Sessions, c *Clock) {
	sess := sampleSession(c)
	mustOK(t, s.CreateSession(t.Context(), sess), "CreateSession")
	c.Advance(sessionLifetime - time.Second)
	getSession(t, s, sess.TokenHash)
	c.Advance(2 * time.Second)
	_, err := s.GetSessionByTokenHash(t.Context(), sess.TokenHash)
	mustErr(t, err, storage.ErrNotFound, "GetSessionByTokenHash after ExpiresAt")
}

func testSessionTouch(t *testing.T, s storage.Sessions, c *Clock) {
	sess := sampleSession(c)
	mustOK(t, s.CreateSession(t.Context(), sess), "CreateSession")
	c.Advance(10 * time.Minute)
	sess.LastSeenAt, sess.IP, sess.UserAgent = c.Now(), "198.51.100.7", "curl/8.15.0"
	mustOK(t, s.TouchSession(t.Context(), sess.ID, sess.LastSeenAt, sess.IP, sess.UserAgent), "TouchSession")
	assertEqual(t, "session after TouchSession", getSession(t, s, sess.TokenHash), sess)
}

func testSessionTouchUnknown(t *testing.T, s storage.Sessions, c *Clock) {
	err := s.TouchSession(t.Context(), randomID(), c.Now(), "192.0.2.1", "ua")
	mustErr(t, err, storage.ErrNotFound, "TouchSession unknown")
}

func testSessionDelete(t *testing.T, s storage.Sessions, c *Clock) {
	gone, kept := sampleSession(c), sampleSession(c)
	kept.UserID = gone.UserID
	mustOK(t, s.CreateSession(t.Context(), gone), "CreateSession")
	mustOK(t, s.CreateSession(t.Context(), kept), "CreateSession")
	mustOK(t, s.DeleteSession(t.Context(), gone.ID), "DeleteSession")

	_, err := s.GetSessionByTokenHash(t.Context(), gone.TokenHash)
	mustErr(t, err, storage.ErrNotFound, "GetSessionByTokenHash after delete")
	assertEqual(t, "other session", getSession(t, s, kept.TokenHash), kept)
	mustOK(t, s.DeleteSession(t.Context(), gone.ID), "second DeleteSession")
	mustOK(t, s.DeleteSession(t.Context(), randomID()), "DeleteSession unknown")
}

func testSessionDeleteUser(t *testing.T, s storage.Sessions, c *Clock) {
	a1, a2, other := sampleSession(c), sampleSession(c), sampleSession(c)
	a2.UserID = a1.UserID
	for _, sess := range []storage.Session{a1, a2, other} {
		mustOK(t, s.CreateSession(t.Context(), sess), "CreateSession")
	}
	mustOK(t, s.DeleteUserSessions(t.Context(), a1.UserID), "DeleteUserSessions")
	for _, sess := range []storage.Session{a1, a2} {
		_, err := s.GetSessionByTokenHash(t.Context(), sess.TokenHash)
		mustErr(t, err, storage.ErrNotFound, "GetSessionByTokenHash after DeleteUserSessions")
	}
	assertEqual(t, "other user's session", getSession(t, s, other.TokenHash), other)
	mustOK(t, s.DeleteUserSessions(t.Context(), a1.UserID), "second DeleteUserSessions")
}

// The list holds only the user's live sessions, newest (by CreatedAt) first,
// whatever the insertion order.
func testSessionList(t *testing.T, s storage.Sessions, c *Clock) {
	userID := randomID()
	byAge := make([]storage.Session, 4) // oldest first
	for i := range byAge {
		byAge[i] = sampleSession(c)
		byAge[i].UserID = userID
		byAge[i].CreatedAt = c.Now().Add(time.Duration(i-4) * time.Minute)
	}
	byAge[2].ExpiresAt = c.Now().Add(time.Minute) // expires before the list call
	other := sampleSession(c)
	for _, sess := range []storage.Session{byAge[1], byAge[3], other, byAge[0], byAge[2]} {
		mustOK(t, s.CreateSession(t.Context(), sess), "CreateSession")
	}
	c.Advance(2 * time.Minute)

	got, err := s.ListUserSessions(t.Context(), userID, storage.PageRequest{})
	mustOK(t, err, "ListUserSessions")
	assertEqual(t, "ListUserSessions", got.Items, []storage.Session{byAge[3], byAge[1], byAge[0]})
	if got.Next != "" {
		t.Errorf("a list that fits one page has a next cursor %q", got.Next)
	}
}

func testSessionListNone(t *testing.T, s storage.Sessions, c *Clock) {
	mustOK(t, s.CreateSession(t.Context(), sampleSession(c)), "CreateSession")
	got, err := s.ListUserSessions(t.Context(), randomID(), storage.PageRequest{})
	mustOK(t, err, "ListUserSessions")
	if len(got.Items) != 0 || got.Next != "" {
		t.Errorf("ListUserSessions of a user without sessions returned %d (next %q)", len(got.Items), got.Next)
	}
}

// Pages of a user's sessions: Limit at a time, newest first, ties (same
// CreatedAt) by greater ID first, each session exactly once, and Next
// empty on the last page. A cursor that no store issued is ErrBadCursor.
func testSessionListPages(t *testing.T, s storage.Sessions, c *Clock) {
	userID := randomID()
	var want []storage.Session
	for i := range 7 {
		ss := sampleSession(c)
		ss.UserID = userID
		ss.CreatedAt = c.Now().Add(-time.Duration(i/2) * time.Minute) // pairs share a time
		want = append(want, ss)
		mustOK(t, s.CreateSession(t.Context(), ss), "CreateSession")
	}
	slices.SortFunc(want, func(a, b storage.Session) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	var got []storage.Session
	pages := 0
	for after := ""; ; pages++ {
		page, err := s.ListUserSessions(t.Context(), userID, storage.PageRequest{After: after, Limit: 3})
		mustOK(t, err, "ListUserSessions page")
		if len(page.Items) > 3 {
			t.Fatalf("page of %d sessions, limit 3", len(page.Items))
		}
		got = append(got, page.Items...)
		if after = page.Next; after == "" || pages > 5 {
			break
		}
	}
	assertEqual(t, "sessions over all pages", got, want)
	if pages != 2 {
		t.Errorf("7 sessions 3 at a time took %d pages after the first, want 2", pages)
	}
	for _, bad := range []string{"x", "not-a-time|id", "2026-01-01T00:00:00Z|"} {
		_, err := s.ListUserSessions(t.Context(), userID, storage.PageRequest{After: bad, Limit: 3})
		mustErr(t, err, storage.ErrBadCursor, "ListUserSessions with cursor "+bad)
	}
}

// DeleteUserSession deletes only the named user's session.
func testSessionDeleteOfUser(t *testing.T, s storage.Sessions, c *Clock) {
	mine, theirs := sampleSession(c), sampleSession(c)
	for _, ss := range []storage.Session{mine, theirs} {
		mustOK(t, s.CreateSession(t.Context(), ss), "CreateSession")
	}
	mustErr(t, s.DeleteUserSession(t.Context(), mine.UserID, theirs.ID), storage.ErrNotFound, "DeleteUserSession of another user's session")
	assertEqual(t, "the other user's session", getSession(t, s, theirs.TokenHash), theirs)
	mustOK(t, s.DeleteUserSession(t.Context(), mine.UserID, mine.ID), "DeleteUserSession")
	_, err := s.GetSessionByTokenHash(t.Context(), mine.TokenHash)
	mustErr(t, err, storage.ErrNotFound, "GetSessionByTokenHash after DeleteUserSession")
	mustErr(t, s.DeleteUserSession(t.Context(), mine.UserID, mine.ID), storage.ErrNotFound, "second DeleteUserSession")
}

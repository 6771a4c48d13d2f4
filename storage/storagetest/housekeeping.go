package storagetest

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

// housekeepingStore is what the housekeeping cases need: the outbox and
// the sweep of expired rows (both backends have one).
type housekeepingStore interface {
	outboxStore
	SweepExpired(ctx context.Context, before time.Time) (int64, error)
}

func housekeepingTests() []testCase[housekeepingStore] {
	return []testCase[housekeepingStore]{
		{"SweepAnnouncesExpiredSessions", testSweepAnnouncesExpiredSessions},
	}
}

// testSweepAnnouncesExpiredSessions: the sweep deletes the sessions past
// their end and writes one session.ended per session, with its clients
// (back-channel logout) and "reason": "expired", in the user's tenant; a
// live session stays, and a second sweep announces nothing more.
func testSweepAnnouncesExpiredSessions(t *testing.T, s housekeepingStore, c *Clock) {
	ctx := context.Background()
	u := sampleUser(c)
	mustOK(t, s.CreateUser(ctx, u), "CreateUser")
	session := func(ttl time.Duration, clients ...string) storage.Session {
		t.Helper()
		sess := storage.Session{ID: randomID(), TokenHash: randomHash(), UserID: u.ID, AuthTime: c.Now(),
			CreatedAt: c.Now(), LastSeenAt: c.Now(), ExpiresAt: c.Now().Add(ttl)}
		mustOK(t, s.CreateSession(ctx, sess), "CreateSession")
		for _, cl := range clients {
			mustOK(t, s.AddSessionClient(ctx, sess.ID, cl, c.Now()), "AddSessionClient")
		}
		return sess
	}
	gone1, gone2 := session(time.Minute, "shop", "app"), session(time.Minute)
	live := session(2*time.Hour, "shop")
	c.Advance(2 * time.Minute)
	n, err := s.SweepExpired(ctx, c.Now())
	mustOK(t, err, "SweepExpired")
	if n < 2 {
		t.Fatalf("SweepExpired = %d, want at least the 2 expired sessions", n)
	}
	ended := eventsOfType(t, s, storage.EventSessionEnded)
	if len(ended) != 2 {
		t.Fatalf("session.ended after the sweep = %+v, want 2", ended)
	}
	want := map[string][]string{gone1.ID: {"app", "shop"}, gone2.ID: nil}
	for _, e := range ended {
		var d storage.SessionEndedData
		mustOK(t, json.Unmarshal(e.Data, &d), "payload")
		clients, ok := want[d.SessionID]
		if !ok || d.UserID != u.ID || d.Reason != storage.SessionExpired || !slices.Equal(d.Clients, clients) ||
			e.UserID != u.ID || e.TenantID != u.TenantID {
			t.Fatalf("session.ended %+v (%s), want one of %v with reason expired", e, e.Data, want)
		}
		delete(want, d.SessionID)
	}
	if _, err := s.GetSessionByTokenHash(ctx, live.TokenHash); err != nil {
		t.Fatalf("the live session was swept: %v", err)
	}
	_, err = s.SweepExpired(ctx, c.Now())
	mustOK(t, err, "SweepExpired again")
	if got := eventsOfType(t, s, storage.EventSessionEnded); len(got) != 2 {
		t.Fatalf("a second sweep announced again: %d session.ended", len(got))
	}
}

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
		{"OutboxRetention", testOutboxRetention},
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

// testOutboxRetention: PruneOutbox deletes the old events every sink took
// (with their deliveries and logs), old events with no sink, and old
// events whose dead delivery died before the dead retention; it keeps an
// event with a pending delivery, with a recent dead one, a recent event
// and an undispatched one, and the old log lines of a delivery still
// retrying go while a dead delivery's log stays.
func testOutboxRetention(t *testing.T, s housekeepingStore, c *Clock) {
	ctx := context.Background()
	const week, month = 7 * 24 * time.Hour, 30 * 24 * time.Hour
	ev := func(name string) storage.Event { return newEvent(c, "t."+name, "user-"+name) }
	delivered, noSink, pending, deadOld, deadRecent, undispatched := ev("delivered"), ev("nosink"), ev("pending"),
		ev("deadold"), ev("deadrecent"), ev("undispatched")
	appendDispatched(t, s, c, []string{"x"}, delivered, pending, deadOld, deadRecent)
	appendDispatched(t, s, c, nil, noSink)
	mustOK(t, s.AppendEvents(ctx, []storage.Event{undispatched}), "AppendEvents")
	finish(t, s, c, delivered.ID, "x", storage.DeliveryDelivered, 1, time.Time{})
	finish(t, s, c, pending.ID, "x", storage.DeliveryPending, 1, c.Now().Add(40*24*time.Hour))
	finish(t, s, c, deadOld.ID, "x", storage.DeliveryDead, 1, time.Time{})
	finish(t, s, c, deadRecent.ID, "x", storage.DeliveryPending, 1, c.Now().Add(time.Minute))
	c.Advance(31 * 24 * time.Hour)
	finish(t, s, c, deadRecent.ID, "x", storage.DeliveryDead, 2, time.Time{})
	recent := ev("recent")
	appendDispatched(t, s, c, []string{"x"}, recent)
	finish(t, s, c, recent.ID, "x", storage.DeliveryDelivered, 1, time.Time{})

	n, err := s.PruneOutbox(ctx, c.Now().Add(-week), c.Now().Add(-month))
	mustOK(t, err, "PruneOutbox")
	// 3 events (delivered, no sink, dead long ago) and the retrying
	// delivery's old log line.
	if n != 4 {
		t.Errorf("PruneOutbox = %d, want 4 (3 events, 1 log line)", n)
	}
	all, err := s.ListEvents(ctx, 0, 0)
	mustOK(t, err, "ListEvents")
	var left []string
	for _, e := range all {
		left = append(left, e.Type)
	}
	sameIDs(t, "events kept", left, "t.pending", "t.deadrecent", "t.undispatched", "t.recent")
	if d, _ := s.ListDeliveries(ctx, storage.DeliveryFilter{EventID: delivered.ID}); len(d) != 0 {
		t.Errorf("deliveries of a pruned event: %+v", d)
	}
	if a, _ := s.ListDeliveryAttempts(ctx, delivered.ID, "x"); len(a) != 0 {
		t.Errorf("log of a pruned event: %+v", a)
	}
	if a, _ := s.ListDeliveryAttempts(ctx, pending.ID, "x"); len(a) != 0 {
		t.Errorf("old log lines of a retrying delivery kept: %+v", a)
	}
	if a, _ := s.ListDeliveryAttempts(ctx, deadRecent.ID, "x"); len(a) != 2 {
		t.Errorf("log of a kept dead delivery = %+v, want both attempts", a)
	}
	if a, _ := s.ListDeliveryAttempts(ctx, recent.ID, "x"); len(a) != 1 {
		t.Errorf("log of a recent delivery = %+v, want its attempt", a)
	}
	// The kept ones still work: the dead delivery, replayed, is retrying
	// again (its log line older than the retention goes, the event stays)
	// and claimable.
	mustOK(t, s.ReplayDelivery(ctx, deadRecent.ID, "x", c.Now()), "ReplayDelivery")
	if n, err := s.PruneOutbox(ctx, c.Now().Add(-week), c.Now().Add(-month)); err != nil || n != 1 {
		t.Errorf("PruneOutbox after the replay = %d, %v; want the replayed delivery's old log line", n, err)
	}
	sameIDs(t, "claimable after pruning", claimIDs(t, s, c), deadRecent.ID+"@x")
}

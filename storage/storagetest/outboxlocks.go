package storagetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

// testOutboxLockEvents: RecordLock writes the user.locked attached to its
// context (storage.WithLockedEvent) only when it sets or extends the lock,
// and DeleteLock writes user.unlocked only when it lifts a lock in force;
// the lock owner comes from storage.WithLockOwner, and a context naming
// none announces nothing.
func testOutboxLockEvents(t *testing.T, s outboxStore, c *Clock) {
	u := sampleUser(c)
	mustOK(t, s.CreateUser(context.Background(), u), "CreateUser")
	owned := storage.WithLockOwner(context.Background(), u.TenantID, u.ID)
	key := "acct:" + randomID()
	lock := func(ctx context.Context, until time.Time) {
		t.Helper()
		mustOK(t, s.RecordLock(storage.WithLockedEvent(ctx, until, c.Now()), key, until), "RecordLock")
	}
	until := c.Now().Add(15 * time.Minute)
	lock(owned, until)
	locked := eventsOfType(t, s, storage.EventUserLocked)
	if len(locked) != 1 || locked[0].UserID != u.ID || locked[0].TenantID != u.TenantID {
		t.Fatalf("user.locked after a new lock = %+v, want one for %s", locked, u.ID)
	}
	var data storage.LockedData
	mustOK(t, json.Unmarshal(locked[0].Data, &data), "payload")
	if data.UserID != u.ID || !sameInstant(data.Until, until) {
		t.Fatalf("user.locked payload = %s, want user_id and until %s", locked[0].Data, until)
	}
	lock(owned, until)                                 // the same end: nothing changes
	lock(owned, until.Add(-time.Minute))               // shorter: nothing changes
	lock(context.Background(), until.Add(time.Minute)) // no owner: extended, announces nothing
	if got := eventsOfType(t, s, storage.EventUserLocked); len(got) != 1 {
		t.Fatalf("user.locked after unchanged or ownerless locks = %d, want 1", len(got))
	}
	lock(owned, until.Add(time.Hour)) // extended, with an owner
	if got := eventsOfType(t, s, storage.EventUserLocked); len(got) != 2 {
		t.Fatalf("user.locked after an extension = %d, want 2", len(got))
	}

	unlocked := func() context.Context {
		return storage.WithEvents(context.Background(), storage.NewEvent(storage.EventUserUnlocked, u.TenantID, u.ID,
			storage.UnlockedData{UserID: u.ID, How: storage.UnlockByAdmin}, c.Now()))
	}
	mustOK(t, s.DeleteLock(unlocked(), key), "DeleteLock")
	mustOK(t, s.DeleteLock(unlocked(), key), "DeleteLock again")
	mustOK(t, s.DeleteLock(unlocked(), "acct:"+randomID()), "DeleteLock of no lock")
	// A lock that has ended lifts nothing.
	ended := "acct:" + randomID()
	mustOK(t, s.RecordLock(context.Background(), ended, c.Now().Add(time.Minute)), "RecordLock short")
	c.Advance(2 * time.Minute)
	mustOK(t, s.DeleteLock(unlocked(), ended), "DeleteLock of an ended lock")
	if got := eventsOfType(t, s, storage.EventUserUnlocked); len(got) != 1 || got[0].UserID != u.ID {
		t.Fatalf("user.unlocked = %+v, want one: only the lift of a lock in force", got)
	}
	if got := locksByKey(t, s, c.Now()); len(got) != 0 {
		t.Fatalf("locks after the unlocks = %v", got)
	}
}

// testOutboxTenantFromUser: an event of a user that names no tenant gets
// its user's tenant from the store, in the write itself (the decorator
// need not read the user first); one that names a tenant keeps it, and an
// event of no known user stays without one.
func testOutboxTenantFromUser(t *testing.T, s outboxStore, c *Clock) {
	u := sampleUser(c)
	mustOK(t, s.CreateUser(context.Background(), u), "CreateUser")
	started := newEvent(c, storage.EventSessionStarted, u.ID)
	started.TenantID = ""
	sess := storage.Session{ID: randomID(), TokenHash: randomHash(), UserID: u.ID, AuthTime: c.Now(),
		CreatedAt: c.Now(), LastSeenAt: c.Now(), ExpiresAt: c.Now().Add(time.Hour)}
	mustOK(t, s.CreateSession(storage.WithEvents(context.Background(), started), sess), "CreateSession")
	named, stranger := newEvent(c, "t.named", u.ID), newEvent(c, "t.stranger", randomID())
	named.TenantID, stranger.TenantID = "other-tenant", ""
	mustOK(t, s.AppendEvents(context.Background(), []storage.Event{named, stranger}), "AppendEvents")
	want := map[string]string{started.ID: u.TenantID, named.ID: "other-tenant", stranger.ID: ""}
	got, err := s.ListEvents(context.Background(), 0, 0)
	mustOK(t, err, "ListEvents")
	if len(got) != len(want) {
		t.Fatalf("events = %+v, want %d", got, len(want))
	}
	for _, e := range got {
		if e.TenantID != want[e.ID] {
			t.Errorf("event %s (%s) has tenant %q, want %q", e.ID, e.Type, e.TenantID, want[e.ID])
		}
	}
}

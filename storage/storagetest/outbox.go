package storagetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

// outboxStore is what the outbox cases need: the outbox and a few changes
// that carry events (storage.WithEvents).
type outboxStore interface {
	storage.Outbox
	storage.Users
	storage.Sessions
	storage.Directory
	storage.SigningKeys
	storage.SessionClients
	storage.RoleGrants
	storage.LockRecords
}

func outboxTests() []testCase[outboxStore] {
	return []testCase[outboxStore]{
		{"AppendAndList", testOutboxAppendList},
		{"EventCommitsWithChange", testOutboxWithChange},
		{"FailedOrEmptyChangeWritesNothing", testOutboxNoChange},
		{"TransactionalChange", testOutboxTransaction},
		{"PerUserOrder", testOutboxOrder},
		{"LeaseRetryDeadReplay", testOutboxRetry},
		{"DispatchIdempotent", testOutboxDispatchTwice},
		{"ConcurrentClaimsDisjoint", testOutboxConcurrentClaims},
		{"Webhooks", testOutboxWebhooks},
		{"SessionClients", testSessionClients},
		{"GrantChanges", testOutboxGrants},
		{"LockEvents", testOutboxLockEvents},
		{"EventTenantFromUser", testOutboxTenantFromUser},
	}
}

func newEvent(c *Clock, typ, userID string) storage.Event {
	data, _ := json.Marshal(map[string]string{"user_id": userID})
	return storage.Event{ID: randomID(), Type: typ, TenantID: storage.DefaultTenantID, UserID: userID, Time: c.Now(), Data: data}
}

// eventsOfType lists the stored events of one type.
func eventsOfType(t *testing.T, s storage.Outbox, typ string) []storage.Event {
	t.Helper()
	all, err := s.ListEvents(context.Background(), 0, 0)
	mustOK(t, err, "ListEvents")
	var out []storage.Event
	for _, e := range all {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

func testOutboxAppendList(t *testing.T, s outboxStore, c *Clock) {
	ctx := context.Background()
	a, b := newEvent(c, "t.a", "u1"), newEvent(c, "t.b", "")
	mustOK(t, s.AppendEvents(ctx, []storage.Event{a, b}), "AppendEvents")
	mustErr(t, s.AppendEvents(ctx, []storage.Event{a}), storage.ErrAlreadyExists, "AppendEvents again")
	got, err := s.ListEvents(ctx, 0, 0)
	mustOK(t, err, "ListEvents")
	if len(got) != 2 || got[0].ID != a.ID || got[1].ID != b.ID || got[0].Seq >= got[1].Seq {
		t.Fatalf("ListEvents = %+v, want a then b with increasing Seq", got)
	}
	var d map[string]string
	mustOK(t, json.Unmarshal(got[0].Data, &d), "payload")
	if d["user_id"] != "u1" || got[0].Type != "t.a" || got[0].UserID != "u1" || !got[0].Time.Equal(a.Time) {
		t.Fatalf("event round trip: %+v", got[0])
	}
	after, err := s.ListEvents(ctx, got[0].Seq, 0)
	mustOK(t, err, "ListEvents after")
	if len(after) != 1 || after[0].ID != b.ID {
		t.Fatalf("ListEvents after first = %+v", after)
	}
	und, err := s.UndispatchedEvents(ctx, 1)
	mustOK(t, err, "UndispatchedEvents")
	if len(und) != 1 || und[0].ID != a.ID {
		t.Fatalf("UndispatchedEvents(1) = %+v, want a", und)
	}
	mustOK(t, s.DispatchEvents(ctx, map[string][]string{a.ID: {"x"}}, c.Now()), "DispatchEvents")
	und, err = s.UndispatchedEvents(ctx, 0)
	mustOK(t, err, "UndispatchedEvents")
	if len(und) != 1 || und[0].ID != b.ID {
		t.Fatalf("after dispatching a, undispatched = %+v, want b", und)
	}
}

func testOutboxWithChange(t *testing.T, s outboxStore, c *Clock) {
	u := sampleUser(c)
	ev := newEvent(c, "user.created", u.ID)
	ctx := storage.WithEvents(context.Background(), ev)
	mustOK(t, s.CreateUser(ctx, u), "CreateUser with event")
	if got := eventsOfType(t, s, "user.created"); len(got) != 1 || got[0].ID != ev.ID {
		t.Fatalf("events after the change = %+v, want the one attached", got)
	}
	// Written once: a second change in the same context adds nothing.
	mustOK(t, s.SetUserDisabled(ctx, storage.DefaultTenantID, u.ID, true, c.Now()), "SetUserDisabled")
	if got := eventsOfType(t, s, "user.created"); len(got) != 1 {
		t.Fatalf("events after a second change in the same context = %d, want 1", len(got))
	}
	// A session change carries its own.
	end := newEvent(c, "session.ended", u.ID)
	sess := storage.Session{ID: randomID(), TokenHash: randomHash(), UserID: u.ID, AuthTime: c.Now(),
		CreatedAt: c.Now(), LastSeenAt: c.Now(), ExpiresAt: c.Now().Add(time.Hour)}
	mustOK(t, s.CreateSession(context.Background(), sess), "CreateSession")
	mustOK(t, s.DeleteSession(storage.WithEvents(context.Background(), end), sess.ID), "DeleteSession")
	if got := eventsOfType(t, s, "session.ended"); len(got) != 1 || got[0].UserID != u.ID {
		t.Fatalf("session.ended events = %+v", got)
	}
}

func testOutboxNoChange(t *testing.T, s outboxStore, c *Clock) {
	u := sampleUser(c)
	mustOK(t, s.CreateUser(context.Background(), u), "CreateUser")
	// A failing change (the ID is taken) writes no event.
	dup := newEvent(c, "user.created", u.ID)
	mustErr(t, s.CreateUser(storage.WithEvents(context.Background(), dup), u), storage.ErrAlreadyExists, "CreateUser again")
	// A change that changes nothing (no such session) writes none either.
	gone := newEvent(c, "session.ended", u.ID)
	mustOK(t, s.DeleteSession(storage.WithEvents(context.Background(), gone), randomID()), "DeleteSession of nothing")
	mustErr(t, s.SetUserDisabled(storage.WithEvents(context.Background(), newEvent(c, "user.disabled", "x")),
		storage.DefaultTenantID, randomID(), true, c.Now()), storage.ErrNotFound, "SetUserDisabled of nobody")
	if got, _ := s.ListEvents(context.Background(), 0, 0); len(got) != 0 {
		t.Fatalf("events after failed or empty changes = %+v, want none", got)
	}
}

func testOutboxTransaction(t *testing.T, s outboxStore, c *Clock) {
	ctx := context.Background()
	mustOK(t, s.CreateSigningKey(ctx, storage.SigningKey{ID: randomID(), Algorithm: "RS256", State: storage.KeyActive,
		PrivateKey: randomBytes(8), CreatedAt: c.Now(), ActivatedAt: c.Now()}), "active key")
	next := storage.SigningKey{ID: randomID(), Algorithm: "RS256", State: storage.KeyNext,
		PrivateKey: randomBytes(8), CreatedAt: c.Now()}
	// Without a next key the rotation fails and its event is not written.
	ev := newEvent(c, "key.rotated", "")
	mustErr(t, s.RotateSigningKeys(storage.WithEvents(ctx, ev), next, c.Now()), storage.ErrNotFound, "rotate without next")
	if got := eventsOfType(t, s, "key.rotated"); len(got) != 0 {
		t.Fatalf("a failed rotation wrote %+v", got)
	}
	mustOK(t, s.CreateSigningKey(ctx, next), "next key")
	newNext := next
	newNext.ID = randomID()
	mustOK(t, s.RotateSigningKeys(storage.WithEvents(ctx, ev), newNext, c.Now()), "rotate")
	if got := eventsOfType(t, s, "key.rotated"); len(got) != 1 || got[0].ID != ev.ID {
		t.Fatalf("key.rotated events = %+v, want the one attached", got)
	}
}

// appendDispatched appends events and dispatches each to sinks.
func appendDispatched(t *testing.T, s storage.Outbox, c *Clock, sinks []string, events ...storage.Event) {
	t.Helper()
	mustOK(t, s.AppendEvents(context.Background(), events), "AppendEvents")
	m := map[string][]string{}
	for _, e := range events {
		m[e.ID] = sinks
	}
	mustOK(t, s.DispatchEvents(context.Background(), m, c.Now()), "DispatchEvents")
}

func claimIDs(t *testing.T, s storage.Outbox, c *Clock) []string {
	t.Helper()
	got, err := s.ClaimDeliveries(context.Background(), c.Now(), time.Minute, 0)
	mustOK(t, err, "ClaimDeliveries")
	var ids []string
	for _, cl := range got {
		if cl.Event.ID != cl.Delivery.EventID {
			t.Fatalf("claimed delivery %+v with event %+v", cl.Delivery, cl.Event)
		}
		ids = append(ids, cl.Delivery.EventID+"@"+cl.Delivery.Sink)
	}
	return ids
}

func finish(t *testing.T, s storage.Outbox, c *Clock, id, sink, state string, attempt int, retryAt time.Time) {
	t.Helper()
	mustOK(t, s.FinishDelivery(context.Background(), storage.DeliveryAttempt{EventID: id, Sink: sink, Attempt: attempt,
		At: c.Now(), Status: 200, Latency: 3 * time.Millisecond}, state, retryAt), "FinishDelivery")
}

func sameIDs(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s = %v, want %v", what, got, want)
		}
	}
}

func testOutboxOrder(t *testing.T, s outboxStore, c *Clock) {
	e1, e2, e3, e4 := newEvent(c, "t", "alice"), newEvent(c, "t", "alice"), newEvent(c, "t", "bob"), newEvent(c, "t", "")
	appendDispatched(t, s, c, []string{"s1"}, e1, e2, e3, e4)
	// alice's second waits for her first; bob and the platform event go.
	sameIDs(t, "first claim", claimIDs(t, s, c), e1.ID+"@s1", e3.ID+"@s1", e4.ID+"@s1")
	// Claimed ones are leased: nothing is due until they finish.
	sameIDs(t, "claim during the lease", claimIDs(t, s, c))
	finish(t, s, c, e1.ID, "s1", storage.DeliveryDelivered, 1, time.Time{})
	sameIDs(t, "after e1 delivered", claimIDs(t, s, c), e2.ID+"@s1")
	// A second sink has its own order.
	e5 := newEvent(c, "t", "alice")
	appendDispatched(t, s, c, []string{"s1", "s2"}, e5)
	sameIDs(t, "e5 to s2 while e2 is in flight to s1", claimIDs(t, s, c), e5.ID+"@s2")
}

func testOutboxRetry(t *testing.T, s outboxStore, c *Clock) {
	ctx := context.Background()
	e1, e2 := newEvent(c, "t", "alice"), newEvent(c, "t", "alice")
	appendDispatched(t, s, c, []string{"hook"}, e1, e2)
	sameIDs(t, "claim", claimIDs(t, s, c), e1.ID+"@hook")
	// The worker died: after the lease another claim gets it again.
	c.Advance(2 * time.Minute)
	sameIDs(t, "claim after the lease", claimIDs(t, s, c), e1.ID+"@hook")
	// A failed attempt retries later, and e2 still waits.
	finish(t, s, c, e1.ID, "hook", storage.DeliveryPending, 1, c.Now().Add(10*time.Second))
	sameIDs(t, "before the retry", claimIDs(t, s, c))
	c.Advance(10 * time.Second)
	sameIDs(t, "at the retry", claimIDs(t, s, c), e1.ID+"@hook")
	// Dead: e2 may go; the dead one is listed and can be replayed.
	finish(t, s, c, e1.ID, "hook", storage.DeliveryDead, 2, time.Time{})
	sameIDs(t, "after dead", claimIDs(t, s, c), e2.ID+"@hook")
	dead, err := s.ListDeliveries(ctx, storage.DeliveryFilter{State: storage.DeliveryDead})
	mustOK(t, err, "ListDeliveries dead")
	if len(dead) != 1 || dead[0].EventID != e1.ID || dead[0].Attempts != 2 || dead[0].LastStatus != 200 || dead[0].TenantID != storage.DefaultTenantID {
		t.Fatalf("dead deliveries = %+v", dead)
	}
	log, err := s.ListDeliveryAttempts(ctx, e1.ID, "hook")
	mustOK(t, err, "ListDeliveryAttempts")
	if len(log) != 2 || log[0].Attempt != 1 || log[1].Attempt != 2 || log[0].Latency != 3*time.Millisecond {
		t.Fatalf("attempts = %+v", log)
	}
	mustErr(t, s.ReplayDelivery(ctx, e1.ID, "nope", c.Now()), storage.ErrNotFound, "replay unknown")
	mustErr(t, s.FinishDelivery(ctx, storage.DeliveryAttempt{EventID: e1.ID, Sink: "nope", At: c.Now()}, storage.DeliveryDelivered, time.Time{}),
		storage.ErrNotFound, "finish unknown")
	finish(t, s, c, e2.ID, "hook", storage.DeliveryDelivered, 1, time.Time{})
	mustOK(t, s.ReplayDelivery(ctx, e1.ID, "hook", c.Now()), "replay")
	sameIDs(t, "after replay", claimIDs(t, s, c), e1.ID+"@hook")
	all, err := s.ListDeliveries(ctx, storage.DeliveryFilter{Sink: "hook"})
	mustOK(t, err, "ListDeliveries")
	if len(all) != 2 || all[0].EventID != e2.ID || all[1].Attempts != 0 || all[1].State != storage.DeliveryPending ||
		all[0].DeliveredAt.IsZero() {
		t.Fatalf("deliveries after replay (newest first) = %+v", all)
	}
}

func testOutboxDispatchTwice(t *testing.T, s outboxStore, c *Clock) {
	e := newEvent(c, "t", "u")
	appendDispatched(t, s, c, []string{"a", "b"}, e)
	mustOK(t, s.DispatchEvents(context.Background(), map[string][]string{e.ID: {"a", "c"}}, c.Now()), "dispatch again")
	got, err := s.ListDeliveries(context.Background(), storage.DeliveryFilter{EventID: e.ID})
	mustOK(t, err, "ListDeliveries")
	if len(got) != 2 || got[0].Sink != "a" || got[1].Sink != "b" {
		t.Fatalf("deliveries after a second dispatch = %+v, want a and b only", got)
	}
}

func testOutboxWebhooks(t *testing.T, s outboxStore, c *Clock) {
	ctx := context.Background()
	w := storage.Webhook{ID: randomID(), TenantID: storage.DefaultTenantID, URL: "https://hooks.example.com/admit",
		Events: []string{"user.created"}, SealedSecret: randomBytes(40), CreatedAt: c.Now()}
	mustOK(t, s.CreateWebhook(ctx, w), "CreateWebhook")
	mustErr(t, s.CreateWebhook(ctx, w), storage.ErrAlreadyExists, "CreateWebhook again")
	other := w
	other.ID, other.TenantID = randomID(), "no-such-tenant-"+randomID()
	mustErr(t, s.CreateWebhook(ctx, other), storage.ErrNotFound, "CreateWebhook in no tenant")
	got, err := s.GetWebhook(ctx, w.TenantID, w.ID)
	mustOK(t, err, "GetWebhook")
	assertEqual(t, "webhook", got, w)
	_, err = s.GetWebhook(ctx, "other", w.ID)
	mustErr(t, err, storage.ErrNotFound, "GetWebhook of another tenant")
	all := storage.Webhook{ID: randomID(), TenantID: w.TenantID, URL: "https://b.example.com/", SealedSecret: randomBytes(8), CreatedAt: c.Now()}
	mustOK(t, s.CreateWebhook(ctx, all), "CreateWebhook without filter")
	list, err := s.ListWebhooks(ctx, w.TenantID)
	mustOK(t, err, "ListWebhooks")
	if len(list) != 2 || !list[0].Wants("user.created") || list[0].ID > list[1].ID {
		t.Fatalf("ListWebhooks = %+v", list)
	}
	for _, h := range list {
		if h.ID == w.ID && h.Wants("user.deleted") || h.ID == all.ID && !h.Wants("anything") {
			t.Fatalf("filter of %s: %v", h.ID, h.Events)
		}
	}
	mustErr(t, s.DeleteWebhook(ctx, "other", w.ID), storage.ErrNotFound, "DeleteWebhook of another tenant")
	mustOK(t, s.DeleteWebhook(ctx, w.TenantID, w.ID), "DeleteWebhook")
	_, err = s.GetWebhook(ctx, w.TenantID, w.ID)
	mustErr(t, err, storage.ErrNotFound, "GetWebhook after delete")
}

func testSessionClients(t *testing.T, s outboxStore, c *Clock) {
	ctx := context.Background()
	u := sampleUser(c)
	mustOK(t, s.CreateUser(ctx, u), "CreateUser")
	mk := func() storage.Session {
		sess := storage.Session{ID: randomID(), TokenHash: randomHash(), UserID: u.ID, AuthTime: c.Now(),
			CreatedAt: c.Now(), LastSeenAt: c.Now(), ExpiresAt: c.Now().Add(time.Hour)}
		mustOK(t, s.CreateSession(ctx, sess), "CreateSession")
		return sess
	}
	a, b := mk(), mk()
	mustErr(t, s.AddSessionClient(ctx, randomID(), "shop", c.Now()), storage.ErrNotFound, "AddSessionClient to no session")
	mustOK(t, s.AddSessionClient(ctx, a.ID, "shop", c.Now()), "add shop")
	mustOK(t, s.AddSessionClient(ctx, a.ID, "app", c.Now()), "add app")
	mustOK(t, s.AddSessionClient(ctx, a.ID, "shop", c.Now()), "add shop again")
	mustOK(t, s.AddSessionClient(ctx, b.ID, "wallet", c.Now()), "add wallet to b")
	one, err := s.SessionLinks(ctx, "", a.ID)
	mustOK(t, err, "SessionLinks of a")
	if len(one) != 1 || one[0].SessionID != a.ID || one[0].UserID != u.ID || len(one[0].Clients) != 2 ||
		one[0].Clients[0] != "app" || one[0].Clients[1] != "shop" {
		t.Fatalf("SessionLinks(a) = %+v, want a of the user with [app shop]", one)
	}
	c3 := mk() // no clients
	all, err := s.SessionLinks(ctx, u.ID, "")
	mustOK(t, err, "SessionLinks of the user")
	if len(all) != 3 {
		t.Fatalf("SessionLinks(user) = %+v, want 3 sessions", all)
	}
	for _, l := range all {
		if l.SessionID == b.ID && (len(l.Clients) != 1 || l.Clients[0] != "wallet") || l.SessionID == c3.ID && len(l.Clients) != 0 {
			t.Fatalf("SessionLinks(user) = %+v", all)
		}
	}
	mustOK(t, s.DeleteSession(ctx, a.ID), "DeleteSession")
	all, err = s.SessionLinks(ctx, u.ID, "")
	mustOK(t, err, "SessionLinks after delete")
	if len(all) != 2 || all[0].SessionID == a.ID || all[1].SessionID == a.ID {
		t.Fatalf("SessionLinks after deleting a = %+v, want b and c3", all)
	}
	mustOK(t, s.CreateSession(ctx, storage.Session{ID: a.ID, TokenHash: randomHash(), UserID: u.ID, AuthTime: c.Now(),
		CreatedAt: c.Now(), LastSeenAt: c.Now(), ExpiresAt: c.Now().Add(time.Hour)}), "a session with a's ID again")
	again, err := s.SessionLinks(ctx, "", a.ID)
	mustOK(t, err, "SessionLinks of the new a")
	if len(again) != 1 || len(again[0].Clients) != 0 {
		t.Fatalf("a new session inherited the clients of a deleted one: %+v", again)
	}
}

func testOutboxGrants(t *testing.T, s outboxStore, c *Clock) {
	u := sampleUser(c)
	mustOK(t, s.CreateUser(context.Background(), u), "CreateUser")
	g := storage.RoleGrant{ID: randomID(), TenantID: storage.DefaultTenantID, UserID: u.ID, Role: "tenant_admin",
		GrantedBy: "cli", GrantedAt: c.Now()}
	granted := newEvent(c, "role.granted", u.ID)
	_, err := s.PutRoleGrant(storage.WithEvents(context.Background(), granted), g)
	mustOK(t, err, "PutRoleGrant")
	f := storage.GrantFilter{TenantID: storage.DefaultTenantID, UserID: u.ID}
	revoked := newEvent(c, "role.revoked", u.ID)
	got, err := s.RevokeRoleGrants(storage.WithEvents(context.Background(), revoked), f, "cli", c.Now())
	mustOK(t, err, "RevokeRoleGrants")
	if len(got) != 1 {
		t.Fatalf("revoked %d grants, want 1", len(got))
	}
	// Nothing left to revoke: no event.
	_, err = s.RevokeRoleGrants(storage.WithEvents(context.Background(), newEvent(c, "role.revoked", u.ID)), f, "cli", c.Now())
	mustOK(t, err, "RevokeRoleGrants of nothing")
	if g := eventsOfType(t, s, "role.granted"); len(g) != 1 || g[0].ID != granted.ID {
		t.Fatalf("role.granted events = %+v", g)
	}
	if r := eventsOfType(t, s, "role.revoked"); len(r) != 1 || r[0].ID != revoked.ID {
		t.Fatalf("role.revoked events = %+v, want only the one of the revoking call", r)
	}
}

// testOutboxConcurrentClaims: several workers (nodes) claiming at once
// never get the same delivery, and together get every due one.
func testOutboxConcurrentClaims(t *testing.T, s outboxStore, c *Clock) {
	var evs []storage.Event
	for i := range 40 {
		evs = append(evs, newEvent(c, "t", fmt.Sprintf("user-%d", i)))
	}
	appendDispatched(t, s, c, []string{"hook"}, evs...)
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				got, err := s.ClaimDeliveries(context.Background(), c.Now(), time.Minute, 3)
				if err != nil {
					t.Errorf("ClaimDeliveries: %v", err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, cl := range got {
					seen[cl.Delivery.EventID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != len(evs) {
		t.Fatalf("claimed %d distinct deliveries, want %d", len(seen), len(evs))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("delivery %s claimed %d times", id, n)
		}
	}
}

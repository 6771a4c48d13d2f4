package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/admit-idp/admit/keys"
	"github.com/admit-idp/admit/op/events"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/memory"
	"github.com/admit-idp/admit/storage/storagetest"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func sealer(t testing.TB) *keys.Sealer {
	t.Helper()
	mk, err := keys.GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	s, err := keys.NewSealer(mk)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// receiver is a webhook endpoint that verifies every request with the
// Standard Webhooks Go library and records the envelopes it accepted.
type receiver struct {
	t      testing.TB
	wh     *standardwebhooks.Webhook
	mu     sync.Mutex
	down   bool
	got    []events.Envelope
	hits   int
	srv    *httptest.Server
	status int // answer while down (default 503)
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hits++
	if r.down {
		w.WriteHeader(max(r.status, http.StatusServiceUnavailable))
		return
	}
	if err := r.wh.Verify(body, req.Header); err != nil {
		r.t.Errorf("signature does not verify: %v", err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var env events.Envelope
	if err := json.Unmarshal(body, &env); err != nil || env.ID != req.Header.Get("webhook-id") {
		r.t.Errorf("envelope %s (err %v) does not match webhook-id %q", body, err, req.Header.Get("webhook-id"))
	}
	r.got = append(r.got, env)
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) setDown(down bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down = down
}

func (r *receiver) envelopes() []events.Envelope {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

type fixture struct {
	store  *memory.Store
	clock  *storagetest.Clock
	sealer *keys.Sealer
	worker *events.Worker
	ann    events.Announcing
}

func newFixture(t testing.TB) *fixture {
	c := storagetest.NewClock()
	st := memory.New(c.Now)
	s := sealer(t)
	f := &fixture{store: st, clock: c, sealer: s, ann: events.Announcing{Durable: st, Now: c.Now}}
	client := events.NewHTTPClient(2*time.Second, true)
	f.worker = &events.Worker{
		Store: st, Now: c.Now, Logger: quiet(),
		Webhooks: &events.Webhooks{Store: st, Secrets: s, Client: client, Now: c.Now},
		Backoff:  events.Backoff{Base: time.Second, Max: 8 * time.Second, Attempts: 30},
		Lease:    30 * time.Second,
	}
	return f
}

// addWebhook registers a webhook of the default tenant and returns its secret.
func (f *fixture) addWebhook(t testing.TB, url string, types ...string) (storage.Webhook, string) {
	t.Helper()
	id, secret, sealed, err := keys.NewWebhookSecret(f.sealer)
	if err != nil {
		t.Fatal(err)
	}
	w := storage.Webhook{ID: id, TenantID: storage.DefaultTenantID, URL: url, Events: types, SealedSecret: sealed, CreatedAt: f.clock.Now()}
	if err := f.store.CreateWebhook(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	return w, secret
}

func (f *fixture) createUser(t testing.TB, id string) {
	t.Helper()
	u := storage.User{ID: id, Email: id + "@example.com", CreatedAt: f.clock.Now(), UpdatedAt: f.clock.Now()}
	if err := f.ann.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
}

// drain runs passes, advancing the clock a second each, until nothing is
// due and nothing is pending, or the budget of passes is spent.
func (f *fixture) drain(t testing.TB, passes int, each func(pass int)) {
	t.Helper()
	for i := range passes {
		if each != nil {
			each(i)
		}
		if _, err := f.worker.RunOnce(context.Background()); err != nil {
			t.Fatalf("RunOnce: %v", err)
		}
		f.clock.Advance(time.Second)
	}
}

func TestBackoffDelay(t *testing.T) {
	b := events.Backoff{Base: 10 * time.Second, Max: time.Minute, Attempts: 5}
	for n, want := range map[int]time.Duration{1: 10 * time.Second, 2: 20 * time.Second, 3: 40 * time.Second, 4: time.Minute, 9: time.Minute} {
		if got := b.Delay(n); got != want {
			t.Errorf("Delay(%d) = %v, want %v", n, got, want)
		}
	}
}

// TestWebhookDelivery: changes through the announcing store reach the
// webhook signed (verified with the Standard Webhooks library), filtered
// by type, once each, and the delivery log records the attempt.
func TestWebhookDelivery(t *testing.T) {
	f := newFixture(t)
	rcv := f.newReceiverFor(t, storage.EventUserCreated, storage.EventUserDisabled)
	f.createUser(t, "alice")
	if err := f.ann.SetUserDisabled(context.Background(), storage.DefaultTenantID, "alice", true, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := f.ann.UpdateProfile(context.Background(), "alice", storage.Profile{GivenName: "Alice"}, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	f.drain(t, 3, nil)
	got := rcv.envelopes()
	if len(got) != 2 || got[0].Type != storage.EventUserCreated || got[1].Type != storage.EventUserDisabled {
		t.Fatalf("received %+v, want user.created then user.disabled (user.updated filtered out)", got)
	}
	var data map[string]any
	if err := json.Unmarshal(got[0].Data, &data); err != nil || data["user_id"] != "alice" || got[0].TenantID != storage.DefaultTenantID {
		t.Fatalf("payload %s (tenant %q)", got[0].Data, got[0].TenantID)
	}
	dl, err := f.store.ListDeliveries(context.Background(), storage.DeliveryFilter{Sink: rcv.sink})
	if err != nil || len(dl) != 2 || dl[0].State != storage.DeliveryDelivered || dl[0].LastStatus != http.StatusNoContent {
		t.Fatalf("deliveries = %+v (%v)", dl, err)
	}
	log, err := f.store.ListDeliveryAttempts(context.Background(), dl[0].EventID, rcv.sink)
	if err != nil || len(log) != 1 || log[0].Status != http.StatusNoContent || log[0].Latency <= 0 {
		t.Fatalf("attempts = %+v (%v)", log, err)
	}
}

type hookReceiver struct {
	*receiver
	sink string
}

func (f *fixture) newReceiverFor(t testing.TB, types ...string) hookReceiver {
	t.Helper()
	// Register first with a placeholder URL to learn the secret, then
	// point the receiver at it.
	r := &receiver{t: t}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	w, secret := f.addWebhook(t, r.srv.URL+"/hook?token=x", types...)
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	r.wh = wh
	return hookReceiver{receiver: r, sink: events.WebhookSink(w.ID)}
}

// TestReceiverDownForAMinute: the receiver answers 503 for a minute (on
// the injected clock), then recovers: every event arrives exactly once,
// each user's in order.
func TestReceiverDownForAMinute(t *testing.T) {
	f := newFixture(t)
	rcv := f.newReceiverFor(t)
	rcv.setDown(true)
	users := []string{"u1", "u2", "u3"}
	var want []string // event ids in commit order
	for i := range 4 {
		for _, u := range users {
			if i == 0 {
				f.createUser(t, u)
			} else if err := f.ann.UpdateProfile(context.Background(), u, storage.Profile{GivenName: u + string(rune('a'+i))}, f.clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	all, _ := f.store.ListEvents(context.Background(), 0, 0)
	for _, e := range all {
		want = append(want, e.ID)
	}
	start := f.clock.Now()
	f.drain(t, 200, func(int) {
		if f.clock.Now().Sub(start) >= time.Minute {
			rcv.setDown(false)
		}
	})
	got := rcv.envelopes()
	if len(got) != len(want) {
		t.Fatalf("received %d envelopes, want %d", len(got), len(want))
	}
	seen := map[string]bool{}
	last := map[string]int{} // user → index in want of the last received
	for _, env := range got {
		if seen[env.ID] {
			t.Fatalf("event %s received twice", env.ID)
		}
		seen[env.ID] = true
		var d struct {
			UserID string `json:"user_id"`
		}
		_ = json.Unmarshal(env.Data, &d)
		idx := slices.Index(want, env.ID)
		if prev, ok := last[d.UserID]; ok && idx < prev {
			t.Fatalf("user %s: event %d arrived after %d", d.UserID, idx, prev)
		}
		last[d.UserID] = idx
	}
	if rcv.hits <= len(want) {
		t.Fatalf("the receiver was hit %d times: the outage was never retried", rcv.hits)
	}
	t.Logf("%d events of %d users delivered once each, in order per user; %d requests, %s of outage on the injected clock",
		len(want), len(users), rcv.hits, time.Minute)
}

// TestDeadAndReplay: a receiver that always fails makes the delivery dead
// after the configured attempts, the next event of the same user then
// proceeds, and a replay delivers the dead one.
func TestDeadAndReplay(t *testing.T) {
	f := newFixture(t)
	f.worker.Backoff = events.Backoff{Base: time.Second, Max: time.Second, Attempts: 3}
	rcv := f.newReceiverFor(t)
	rcv.setDown(true)
	f.createUser(t, "bob")
	f.drain(t, 10, nil)
	dead, err := f.store.ListDeliveries(context.Background(), storage.DeliveryFilter{State: storage.DeliveryDead})
	if err != nil || len(dead) != 1 || dead[0].Attempts != 3 || dead[0].LastStatus != http.StatusServiceUnavailable || dead[0].LastError == "" {
		t.Fatalf("dead deliveries = %+v (%v)", dead, err)
	}
	if rcv.hits != 3 {
		t.Fatalf("receiver hit %d times, want 3", rcv.hits)
	}
	rcv.setDown(false)
	if err := f.store.ReplayDelivery(context.Background(), dead[0].EventID, dead[0].Sink, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	f.drain(t, 2, nil)
	if got := rcv.envelopes(); len(got) != 1 || got[0].ID != dead[0].EventID {
		t.Fatalf("after replay received %+v", got)
	}
}

// TestDeletedWebhookIsDead: a delivery to a webhook deleted while it was
// being retried is dead at once, not retried for a day.
func TestDeletedWebhookIsDead(t *testing.T) {
	f := newFixture(t)
	rcv := f.newReceiverFor(t)
	rcv.setDown(true)
	f.createUser(t, "carol")
	f.drain(t, 1, nil) // dispatched, first attempt failed
	hooks, _ := f.store.ListWebhooks(context.Background(), "")
	if err := f.store.DeleteWebhook(context.Background(), storage.DefaultTenantID, hooks[0].ID); err != nil {
		t.Fatal(err)
	}
	f.drain(t, 5, nil)
	dead, _ := f.store.ListDeliveries(context.Background(), storage.DeliveryFilter{State: storage.DeliveryDead})
	if len(dead) != 1 || dead[0].Attempts != 2 || dead[0].LastStatus != 0 {
		t.Fatalf("dead = %+v, want carol's after its second attempt", dead)
	}
	if rcv.hits != 1 {
		t.Fatalf("receiver hit %d times, want 1 (before the deletion)", rcv.hits)
	}
}

func TestCheckURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://hooks.example.com/a": true, "http://127.0.0.1:9/x": true, "ftp://x/": false,
		"javascript:alert(1)": false, "https://user:pw@x.example/": false, "/relative": false,
		"https://x.example/#frag": false, "": false,
	} {
		if err := events.CheckURL(raw); (err == nil) != ok {
			t.Errorf("CheckURL(%q) = %v, want ok=%v", raw, err, ok)
		}
	}
}

// TestPrivateTargetsRefused: with AllowPrivate off, loopback (and so any
// internal) targets are refused before a connection is made.
func TestPrivateTargetsRefused(t *testing.T) {
	hit := false
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hit = true }))
	defer srv.Close()
	c := events.NewHTTPClient(time.Second, false)
	_, err := c.Get(srv.URL)
	if !errors.Is(err, events.ErrForbiddenTarget) || hit {
		t.Fatalf("GET loopback with AllowPrivate off: %v (hit %v), want ErrForbiddenTarget", err, hit)
	}
	// No redirect is followed either.
	redir := httptest.NewServer(http.RedirectHandler(srv.URL, http.StatusFound))
	defer redir.Close()
	resp, err := events.NewHTTPClient(time.Second, true).Get(redir.URL)
	if err != nil || resp.StatusCode != http.StatusFound || hit {
		t.Fatalf("redirect: %v %v (hit %v), want the 302 itself", resp, err, hit)
	}
	resp.Body.Close()
}

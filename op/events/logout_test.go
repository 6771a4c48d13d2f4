package events_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/admit-idp/admit/keys"
	"github.com/admit-idp/admit/op"
	"github.com/admit-idp/admit/op/events"
	"github.com/admit-idp/admit/storage"
)

const issuer = "https://id.example.com"

// rp is a relying party's back-channel logout endpoint: it validates the
// logout token as Back-Channel Logout 1.0 §2.6 says, against the
// provider's JWKS, and records the valid ones.
type rp struct {
	t        testing.TB
	clientID string
	jwks     jose.JSONWebKeySet
	fail     bool
	mu       sync.Mutex
	tokens   []map[string]any
	hits     int
	srv      *httptest.Server
}

func newRP(t testing.TB, clientID string, jwks jose.JSONWebKeySet) *rp {
	r := &rp{t: t, clientID: clientID, jwks: jwks}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *rp) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hits++
	if r.fail {
		http.Error(w, "down", http.StatusInternalServerError)
		return
	}
	if ct := req.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		r.t.Errorf("content type %q", ct)
	}
	raw := req.PostFormValue("logout_token")
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil || len(jws.Signatures) != 1 {
		r.t.Errorf("parse logout token: %v", err)
		http.Error(w, "bad", http.StatusBadRequest)
		return
	}
	hdr := jws.Signatures[0].Protected
	if typ, _ := hdr.ExtraHeaders[jose.HeaderType].(string); typ != op.LogoutTokenType {
		r.t.Errorf("typ = %q, want %s", typ, op.LogoutTokenType)
	}
	keys := r.jwks.Key(hdr.KeyID)
	if len(keys) != 1 {
		r.t.Errorf("kid %q not in the JWKS", hdr.KeyID)
		http.Error(w, "bad", http.StatusBadRequest)
		return
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		r.t.Errorf("verify: %v", err)
		http.Error(w, "bad", http.StatusBadRequest)
		return
	}
	var c map[string]any
	_ = json.Unmarshal(payload, &c)
	ev, _ := c["events"].(map[string]any)
	now := float64(time.Now().Unix())
	switch {
	case c["iss"] != issuer, c["aud"] != r.clientID:
		r.t.Errorf("iss/aud = %v/%v", c["iss"], c["aud"])
	case ev == nil || ev[op.BackChannelLogoutEvent] == nil:
		r.t.Errorf("events = %v", c["events"])
	case c["nonce"] != nil:
		r.t.Errorf("a logout token carries a nonce: %v", c)
	case c["sid"] == nil || c["sub"] == nil || c["jti"] == nil:
		r.t.Errorf("sid/sub/jti missing: %v", c)
	case c["iat"].(float64) > now+60 || c["exp"].(float64) < now:
		r.t.Errorf("iat/exp = %v/%v", c["iat"], c["exp"])
	}
	r.tokens = append(r.tokens, c)
	w.WriteHeader(http.StatusOK)
}

func (r *rp) got() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.tokens...)
}

// bclFixture adds signing keys, op's logout tokens and two RPs.
func bclFixture(t *testing.T) (*fixture, *rp, *rp) {
	f := newFixture(t)
	m := &keys.Manager{Store: f.store, Sealer: f.sealer, Now: f.clock.Now, Logger: quiet()}
	if err := m.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	pubs, err := m.PublicKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var jwks jose.JSONWebKeySet
	for _, k := range pubs {
		jwks.Keys = append(jwks.Keys, jose.JSONWebKey{Key: k.Key(), KeyID: k.ID(), Algorithm: string(k.Algorithm()), Use: "sig"})
	}
	tokens := &op.Storage{Keys: m, Issuer: issuer, Now: f.clock.Now}
	f.worker.Logout = &events.BackChannel{Clients: f.store, Tokens: tokens, Client: events.NewHTTPClient(2*time.Second, true)}
	shop, app := newRP(t, "shop", jwks), newRP(t, "app", jwks)
	for _, r := range []*rp{shop, app} {
		c := storage.Client{ID: r.clientID, Name: r.clientID, RedirectURIs: []string{"https://x.example/cb"},
			BackchannelLogoutURI: r.srv.URL + "/bcl", BackchannelLogoutSessionRequired: true, CreatedAt: f.clock.Now()}
		if err := f.store.CreateClient(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	// A third client got a code but registered no logout URI.
	if err := f.store.CreateClient(context.Background(), storage.Client{ID: "quiet", Name: "q", CreatedAt: f.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	return f, shop, app
}

func (f *fixture) session(t *testing.T, userID string, clients ...string) string {
	t.Helper()
	s := storage.Session{ID: "sid-" + userID, TokenHash: "h-" + userID, UserID: userID, AuthTime: f.clock.Now(),
		CreatedAt: f.clock.Now(), LastSeenAt: f.clock.Now(), ExpiresAt: f.clock.Now().Add(time.Hour)}
	if err := f.ann.CreateSession(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	for _, c := range clients {
		if err := f.store.AddSessionClient(context.Background(), s.ID, c, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	return s.ID
}

// TestBackChannelLogoutToTwoClients: signing out ends the session and
// both clients that got a code through it receive a valid logout token
// (typ, events, sid, no nonce), verified against the JWKS.
func TestBackChannelLogoutToTwoClients(t *testing.T) {
	f, shop, app := bclFixture(t)
	f.createUser(t, "erin")
	sid := f.session(t, "erin", "shop", "app", "quiet")
	if err := f.ann.DeleteSession(context.Background(), sid); err != nil {
		t.Fatal(err)
	}
	f.drain(t, 2, nil)
	for _, r := range []*rp{shop, app} {
		got := r.got()
		if len(got) != 1 || got[0]["sid"] != sid || got[0]["sub"] != "erin" {
			t.Fatalf("%s received %v, want one logout token for %s", r.clientID, got, sid)
		}
	}
	dl, _ := f.store.ListDeliveries(context.Background(), storage.DeliveryFilter{})
	for _, d := range dl {
		if d.Sink == events.LogoutSink("quiet") {
			t.Fatalf("a client without a logout URI got a delivery: %+v", d)
		}
	}
}

// TestBackChannelLogoutFailureVisible: a failing logout endpoint is
// retried with backoff, then marked dead with its status, and the other
// client is not held back.
func TestBackChannelLogoutFailureVisible(t *testing.T) {
	f, shop, app := bclFixture(t)
	f.worker.Backoff = events.Backoff{Base: time.Second, Max: 2 * time.Second, Attempts: 4}
	shop.fail = true
	f.createUser(t, "fay")
	sid := f.session(t, "fay", "shop", "app")
	if err := f.ann.DeleteUserSessions(context.Background(), "fay"); err != nil {
		t.Fatal(err)
	}
	f.drain(t, 20, nil)
	if got := app.got(); len(got) != 1 || got[0]["sid"] != sid {
		t.Fatalf("app got %v, want one logout token for %s", got, sid)
	}
	dead, err := f.store.ListDeliveries(context.Background(), storage.DeliveryFilter{State: storage.DeliveryDead})
	if err != nil || len(dead) != 1 || dead[0].Sink != events.LogoutSink("shop") || dead[0].Attempts != 4 ||
		dead[0].LastStatus != http.StatusInternalServerError {
		t.Fatalf("dead = %+v (%v), want shop's after 4 attempts with 500", dead, err)
	}
	if shop.hits != 4 {
		t.Fatalf("shop was tried %d times, want 4", shop.hits)
	}
	log, _ := f.store.ListDeliveryAttempts(context.Background(), dead[0].EventID, dead[0].Sink)
	if len(log) != 4 || log[3].Error == "" {
		t.Fatalf("attempt log = %+v", log)
	}
}

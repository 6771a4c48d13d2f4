package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/op"
	"github.com/admit-idp/admit/op/events"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
)

func init() {
	validBodies["createWebhook"] = map[string]any{"url": "https://hooks.example.com/admit"}
	validBodies["replayDelivery"] = map[string]any{"event_id": "x", "sink": "nats"}
}

// allowLoopback lets webhooks and logout URIs reach the tests' local
// receivers on every backend (production's default refuses them).
func allowLoopback(c *app.Config) {
	on := true
	c.Events.AllowPrivateTargets = &on
}

// newEventsAdminEnv is newAdminEnv with loopback targets allowed.
func newEventsAdminEnv(t *testing.T, b backend) *adminEnv {
	t.Helper()
	return adminEnvOn(t, newEnvWith(t, b, envOptions{configure: allowLoopback}))
}

// hookReceiver is a webhook endpoint verifying Standard Webhooks
// signatures with the specification's Go library.
type hookReceiver struct {
	t    testing.TB
	mu   sync.Mutex
	wh   *standardwebhooks.Webhook
	down bool
	got  []events.Envelope
	srv  *httptest.Server
}

func newHookReceiver(t testing.TB) *hookReceiver {
	r := &hookReceiver{t: t}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.down || r.wh == nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if err := r.wh.Verify(body, req.Header); err != nil {
			r.t.Errorf("webhook signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var env events.Envelope
		_ = json.Unmarshal(body, &env)
		r.got = append(r.got, env)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *hookReceiver) setSecret(secret string) {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		r.t.Fatalf("secret %q: %v", secret, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.wh = wh
}

func (r *hookReceiver) setDown(d bool) { r.mu.Lock(); r.down = d; r.mu.Unlock() }

func (r *hookReceiver) envelopes() []events.Envelope {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]events.Envelope(nil), r.got...)
}

func (e *env) deliver() {
	e.t.Helper()
	for range 3 {
		if _, err := e.app.Events.RunOnce(context.Background()); err != nil {
			e.t.Fatalf("event worker: %v", err)
		}
	}
}

// TestWebhooksThroughTheAdminAPI: a webhook registered through the admin
// API (secret shown once, whsec_) receives the user.created of a user
// created through the API, signed (verified with the Standard Webhooks
// library); a failed attempt is visible in the delivery log with its
// status, and a replay delivers it.
func TestWebhooksThroughTheAdminAPI(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEventsAdminEnv(t, b)
			rcv := newHookReceiver(t)
			base := tenantPath(storage.DefaultTenantID)
			// The seeded demo data's events predate the webhook: it does not
			// get that backlog.
			e.clock.Advance(time.Second)
			created := e.must(http.StatusCreated, e.call(e.platform, http.MethodPost, base+"/webhooks",
				map[string]any{"url": rcv.srv.URL + "/admit", "events": []string{storage.EventUserCreated, storage.EventUserDisabled}}))
			secret, _ := created.body["secret"].(string)
			hook, _ := created.body["webhook"].(map[string]any)
			if !strings.HasPrefix(secret, "whsec_") || hook["id"] == nil {
				t.Fatalf("created: %s", created.raw)
			}
			hookID := hook["id"].(string)
			rcv.setSecret(secret)
			list := e.must(http.StatusOK, e.call(e.platform, http.MethodGet, base+"/webhooks", nil))
			if strings.Contains(list.raw, secret) || !strings.Contains(list.raw, hookID) {
				t.Fatalf("the list shows the secret or misses the webhook: %s", list.raw)
			}
			e.must(http.StatusUnprocessableEntity, e.call(e.platform, http.MethodPost, base+"/webhooks",
				map[string]any{"url": "ftp://x.example/", "events": []string{"no.such"}}))

			u := e.must(http.StatusCreated, e.call(e.platform, http.MethodPost, base+"/users", map[string]any{"email": "hooked@example.com"}))
			userID := u.str("id")
			e.deliver()
			got := rcv.envelopes()
			if len(got) != 1 || got[0].Type != storage.EventUserCreated || !strings.Contains(string(got[0].Data), userID) {
				t.Fatalf("received %+v, want user.created of %s", got, userID)
			}

			rcv.setDown(true)
			e.must(http.StatusOK, e.call(e.platform, http.MethodPost, base+"/users/"+userID+"/disable", nil))
			e.env.deliver()
			log := e.must(http.StatusOK, e.call(e.platform, http.MethodGet, base+"/webhooks/"+hookID+"/deliveries?state=pending", nil))
			items, _ := log.body["items"].([]any)
			if len(items) != 1 {
				t.Fatalf("pending deliveries: %s", log.raw)
			}
			d := items[0].(map[string]any)
			if d["last_status"] != float64(http.StatusServiceUnavailable) || len(d["log"].([]any)) != 1 {
				t.Fatalf("the failed attempt is not in the log: %s", log.raw)
			}
			rcv.setDown(false)
			e.must(http.StatusNoContent, e.call(e.platform, http.MethodPost,
				base+"/webhooks/"+hookID+"/deliveries/"+d["event_id"].(string)+"/replay", nil))
			e.env.deliver()
			if got := rcv.envelopes(); len(got) != 2 || got[1].Type != storage.EventUserDisabled {
				t.Fatalf("after the replay received %+v", got)
			}
			all := e.must(http.StatusOK, e.call(e.platform, http.MethodGet, "/deliveries?state=delivered", nil))
			if n := len(all.body["items"].([]any)); n != 2 {
				t.Fatalf("platform delivery list: %d delivered, want 2: %s", n, all.raw)
			}
			e.must(http.StatusNoContent, e.call(e.platform, http.MethodDelete, base+"/webhooks/"+hookID, nil))
			e.must(http.StatusNotFound, e.call(e.platform, http.MethodGet, base+"/webhooks/"+hookID+"/deliveries", nil))
		})
	}
}

// logoutRP is a relying party's back-channel logout endpoint: it verifies
// each logout token with go-oidc's remote key set (the provider's JWKS)
// and checks the claims Back-Channel Logout 1.0 §2.6 requires.
type logoutRP struct {
	t        testing.TB
	clientID string
	keys     *oidc.RemoteKeySet
	issuer   string
	mu       sync.Mutex
	claims   []map[string]any
	srv      *httptest.Server
}

func newLogoutRP(t testing.TB, e *env, clientID string) *logoutRP {
	p, err := oidc.NewProvider(context.Background(), e.issuer)
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		JWKS string `json:"jwks_uri"`
		BCL  bool   `json:"backchannel_logout_supported"`
		BCLS bool   `json:"backchannel_logout_session_supported"`
	}
	if err := p.Claims(&meta); err != nil || !meta.BCL || !meta.BCLS {
		t.Fatalf("discovery does not announce back-channel logout with sessions: %+v %v", meta, err)
	}
	r := &logoutRP{t: t, clientID: clientID, keys: oidc.NewRemoteKeySet(context.Background(), meta.JWKS), issuer: e.issuer}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *logoutRP) serve(w http.ResponseWriter, req *http.Request) {
	raw := req.PostFormValue("logout_token")
	payload, err := r.keys.VerifySignature(req.Context(), raw)
	if err != nil {
		r.t.Errorf("%s: logout token signature: %v", r.clientID, err)
		http.Error(w, "bad", http.StatusBadRequest)
		return
	}
	jws, _ := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if typ, _ := jws.Signatures[0].Protected.ExtraHeaders[jose.HeaderType].(string); typ != op.LogoutTokenType {
		r.t.Errorf("%s: typ %q", r.clientID, typ)
	}
	var c map[string]any
	_ = json.Unmarshal(payload, &c)
	ev, _ := c["events"].(map[string]any)
	if c["iss"] != r.issuer || c["aud"] != r.clientID || ev[op.BackChannelLogoutEvent] == nil || c["nonce"] != nil ||
		c["sid"] == nil || c["jti"] == nil || c["iat"] == nil || c["exp"] == nil {
		r.t.Errorf("%s: logout token claims %v", r.clientID, c)
	}
	r.mu.Lock()
	r.claims = append(r.claims, c)
	r.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (r *logoutRP) got() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.claims...)
}

// TestBackChannelLogoutOnSignOut: a user signs in to two apps (the second
// through SSO), both registered a backchannel_logout_uri; signing out
// (RP-initiated, with id_token_hint) delivers to each a logout token
// whose sid is the one in the ID tokens, verified against the JWKS.
func TestBackChannelLogoutOnSignOut(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnvWith(t, b, envOptions{configure: allowLoopback})
			var rps []*logoutRP
			var clients []*rp
			for _, id := range []string{"bcl-shop", "bcl-app"} {
				lr := newLogoutRP(t, e, id)
				_, secret, err := e.app.Admin.CreateClient(context.Background(), admin.CLI(), storage.DefaultTenantID, admin.ClientSpec{
					ID: id, RedirectURIs: []string{rpCallback}, PostLogoutURIs: []string{rpCallback},
					Grants: []string{"authorization_code"}, Scopes: []string{"openid", "profile", "email"}, FirstParty: true,
					BackchannelLogoutURI: lr.srv.URL + "/backchannel", BackchannelLogoutSessionRequired: true})
				if err != nil {
					t.Fatal(err)
				}
				rps, clients = append(rps, lr), append(clients, e.rp(id, secret))
			}
			br := e.browser()
			ar := clients[0].start()
			tok, err := clients[0].exchange(br.login(ar, app.DemoUserEmail, app.DemoUserPassword).Query().Get("code"), ar)
			if err != nil {
				t.Fatal(err)
			}
			ar2 := clients[1].start()
			tok2, err := clients[1].exchange(br.callback(br.consent(br.get(ar2.url), "allow"), ar2).Query().Get("code"), ar2)
			if err != nil {
				t.Fatal(err)
			}
			var sids []string
			for i, tk := range []any{tok.Extra("id_token"), tok2.Extra("id_token")} {
				idt, err := clients[i].verifier.Verify(context.Background(), tk.(string))
				if err != nil {
					t.Fatal(err)
				}
				var c struct {
					SID string `json:"sid"`
				}
				_ = idt.Claims(&c)
				sids = append(sids, c.SID)
			}
			if sids[0] == "" || sids[0] != sids[1] {
				t.Fatalf("ID token sids %v: want the same SSO session in both", sids)
			}
			q := url.Values{"id_token_hint": {tok.Extra("id_token").(string)}, "post_logout_redirect_uri": {rpCallback}, "state": {"bye"}}
			p := br.get(e.issuer + "/end_session?" + q.Encode())
			for p.location != nil && p.location.Host != "127.0.0.1:5555" {
				p = br.get(p.location.String())
			}
			if p.location == nil {
				t.Fatalf("sign-out did not return to the RP: %d %s", p.status, p.body)
			}
			e.deliver()
			for _, lr := range rps {
				got := lr.got()
				if len(got) != 1 || got[0]["sid"] != sids[0] {
					t.Fatalf("%s received %v, want one logout token with sid %s", lr.clientID, got, sids[0])
				}
			}
		})
	}
}

// TestEventsSurviveAKilledNode: a change committed while no worker ran
// (the node died before delivering) is delivered by a new node started on
// the same database.
func TestEventsSurviveAKilledNode(t *testing.T) {
	e := newEnvWith(t, postgresBackend, envOptions{configure: allowLoopback})
	rcv := newHookReceiver(t)
	ctx := context.Background()
	e.clock.Advance(time.Second) // after the seeded demo data's events
	hook, secret, err := e.app.Admin.CreateWebhook(ctx, admin.CLI(), storage.DefaultTenantID, admin.WebhookInput{URL: rcv.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	rcv.setSecret(secret)
	u, err := e.app.Admin.CreateUser(ctx, admin.CLI(), storage.DefaultTenantID, admin.NewUser{Email: "survivor@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	// The first node goes away without delivering. A second node on the
	// same database and master key picks the event up.
	cfg := e.app.Config
	second := newEnvWith(t, memoryBackend, envOptions{configure: func(c *app.Config) {
		c.DatabaseURL, c.RedisURL, c.RedisPrefix, c.MasterKey = cfg.DatabaseURL, cfg.RedisURL, cfg.RedisPrefix, cfg.MasterKey
		allowLoopback(c)
	}})
	second.deliver()
	got := rcv.envelopes()
	if len(got) != 1 || got[0].Type != storage.EventUserCreated || !strings.Contains(string(got[0].Data), u.ID) {
		t.Fatalf("the second node delivered %+v, want only user.created of %s", got, u.ID)
	}
	dl, err := second.app.Stores.Durable.ListDeliveries(ctx, storage.DeliveryFilter{Sink: events.WebhookSink(hook.ID)})
	if err != nil || len(dl) != len(got) || dl[len(dl)-1].State != storage.DeliveryDelivered {
		t.Fatalf("deliveries %+v (%v)", dl, err)
	}
}

// TestDevEventsPage: development mode shows the in-memory outbox at
// /dev/events under the pages' CSP; production does not serve it.
func TestDevEventsPage(t *testing.T) {
	e := newEnv(t, memoryBackend)
	if _, err := e.app.Admin.CreateUser(context.Background(), admin.CLI(), storage.DefaultTenantID, admin.NewUser{Email: "shown@example.com"}); err != nil {
		t.Fatal(err)
	}
	p := e.browser().get(e.issuer + "/dev/events")
	if p.status != http.StatusOK || !strings.Contains(p.header.Get("Content-Security-Policy"), "default-src") {
		t.Fatalf("/dev/events: %d, CSP %q", p.status, p.header.Get("Content-Security-Policy"))
	}
	if p.testid("event-type").First().Text() != storage.EventUserCreated || !strings.Contains(p.testid("event-data").First().Text(), "user_id") {
		t.Fatalf("/dev/events does not show the user.created: %s", p.body)
	}
	prod := newEnv(t, postgresBackend)
	if p := prod.browser().get(prod.issuer + "/dev/events"); p.status != http.StatusNotFound {
		t.Fatalf("/dev/events in production: %d", p.status)
	}
}

// TestFrontChannelLogout: signing out of a session through which a
// browser-only app got tokens renders the signed-out page with that app's
// frontchannel_logout_uri in an iframe (with iss and sid, §2), a CSP that
// allows frames from exactly its origin on that page only, and the way on
// to the post_logout_redirect_uri.
func TestFrontChannelLogout(t *testing.T) {
	e := newEnv(t, memoryBackend)
	_, secret, err := e.app.Admin.CreateClient(context.Background(), admin.CLI(), storage.DefaultTenantID, admin.ClientSpec{
		ID: "fcl-spa", RedirectURIs: []string{rpCallback, "https://spa.example.com/callback"}, PostLogoutURIs: []string{rpCallback},
		Grants: []string{"authorization_code"}, Scopes: []string{"openid"}, FirstParty: true,
		FrontchannelLogoutURI: "https://spa.example.com/fc-logout?x=1", FrontchannelSessionRequired: true})
	if err != nil {
		t.Fatal(err)
	}
	r := e.rp("fcl-spa", secret, "openid")
	br := e.browser()
	ar := r.start()
	tok, err := r.exchange(br.login(ar, app.DemoUserEmail, app.DemoUserPassword).Query().Get("code"), ar)
	if err != nil {
		t.Fatal(err)
	}
	idt, err := r.verifier.Verify(context.Background(), tok.Extra("id_token").(string))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		SID string `json:"sid"`
	}
	_ = idt.Claims(&c)
	if p := br.get(e.issuer + "/account"); strings.Contains(p.header.Get("Content-Security-Policy"), "frame-src") {
		t.Fatalf("an ordinary page allows frames: %s", p.header.Get("Content-Security-Policy"))
	}
	q := url.Values{"id_token_hint": {tok.Extra("id_token").(string)}, "post_logout_redirect_uri": {rpCallback}, "state": {"bye"}}
	p := br.get(e.issuer + "/end_session?" + q.Encode())
	for p.location != nil && p.testid("frontchannel-frame").Length() == 0 {
		p = br.get(p.location.String())
	}
	frame := p.testid("frontchannel-frame")
	if frame.Length() != 1 {
		t.Fatalf("no front-channel iframe on the signed-out page: %d %s", p.status, p.body)
	}
	src, _ := url.Parse(frame.AttrOr("src", ""))
	if src.Host != "spa.example.com" || src.Query().Get("sid") != c.SID || c.SID == "" || src.Query().Get("iss") != e.issuer || src.Query().Get("x") != "1" {
		t.Fatalf("iframe src %s (ID token sid %q)", src, c.SID)
	}
	if csp := p.header.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "frame-src https://spa.example.com") || !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("signed-out page CSP %q", csp)
	}
	next, _ := url.Parse(p.testid("continue-link").AttrOr("href", ""))
	if next.Host != "127.0.0.1:5555" || next.Query().Get("state") != "bye" {
		t.Fatalf("continue link %s", next)
	}
	if p := br.get(e.issuer + "/account"); p.testid("login-form").Length() == 0 {
		t.Fatal("still signed in")
	}
}

// frontChannelRP is a browser-only app's front-channel logout endpoint
// (Front-Channel Logout 1.0 §2): it records each hit's iss and sid.
type frontChannelRP struct {
	srv  *httptest.Server
	mu   sync.Mutex
	hits []url.Values
}

func newFrontChannelRP(t *testing.T) *frontChannelRP {
	f := &frontChannelRP{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.hits = append(f.hits, r.URL.Query())
		f.mu.Unlock()
		w.Header().Set("Cache-Control", "no-cache, no-store") // §3
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *frontChannelRP) recorded() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.hits...)
}

// loadFrames is the browser loading the page's front-channel iframes
// (the test browser runs no script and loads no subresources itself),
// after checking that the page's CSP lets it frame their origin.
func loadFrames(t *testing.T, br *browser, p page, origin string) {
	t.Helper()
	frames := p.testid("frontchannel-frame")
	if frames.Length() == 0 {
		t.Fatalf("no front-channel iframe on the page: %d %s", p.status, p.body)
	}
	if csp := p.header.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "frame-src "+origin) {
		t.Fatalf("page CSP %q does not allow frames from %s", csp, origin)
	}
	frames.Each(func(_ int, f *goquery.Selection) {
		br.get(f.AttrOr("src", ""))
	})
}

// TestFrontChannelLogoutFromAccount: ending the browser's own session in
// the account area, by "sign out" and by deleting the account, loads the
// front-channel logout URI of each app that got tokens through that
// session, with iss and that session's sid (Front-Channel Logout 1.0 §2,
// §4), as end_session does.
func TestFrontChannelLogoutFromAccount(t *testing.T) {
	e := newAccountsEnv(t, memoryBackend, nil, nil)
	fc := newFrontChannelRP(t)
	ctx := context.Background()
	_, secret, err := e.app.Admin.CreateClient(ctx, admin.CLI(), storage.DefaultTenantID, admin.ClientSpec{
		ID: "fcl-account", RedirectURIs: []string{rpCallback, fc.srv.URL + "/callback"}, Grants: []string{"authorization_code"},
		Scopes: []string{"openid"}, FirstParty: true,
		FrontchannelLogoutURI: fc.srv.URL + "/fc-logout", FrontchannelSessionRequired: true})
	if err != nil {
		t.Fatal(err)
	}
	r := e.rp("fcl-account", secret, "openid")
	signIn := func(br *browser) string {
		t.Helper()
		ar := r.start()
		tok, err := r.exchange(br.login(ar, app.DemoUserEmail, app.DemoUserPassword).Query().Get("code"), ar)
		if err != nil {
			t.Fatal(err)
		}
		idt, err := r.verifier.Verify(ctx, tok.Extra("id_token").(string))
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			SID string `json:"sid"`
		}
		if err := idt.Claims(&c); err != nil || c.SID == "" {
			t.Fatalf("ID token without sid: %v", err)
		}
		return c.SID
	}
	wantHit := func(n int, sid string) {
		t.Helper()
		hits := fc.recorded()
		if len(hits) != n || hits[n-1].Get("iss") != e.issuer || hits[n-1].Get("sid") != sid {
			t.Fatalf("front-channel hits %v, want %d, the last with iss %s and sid %s", hits, n, e.issuer, sid)
		}
	}

	br := e.browser()
	sid := signIn(br)
	p := br.get(e.issuer + "/account")
	p = br.post("/account/logout", url.Values{"csrf_token": {p.hidden("csrf_token")}})
	if p.status != http.StatusOK || p.testid("sign-in-again").Length() == 0 {
		t.Fatalf("account sign-out: %d %s", p.status, p.body)
	}
	loadFrames(t, br, p, fc.srv.URL)
	wantHit(1, sid)
	if p := br.get(e.issuer + "/account"); p.testid("login-form").Length() == 0 {
		t.Fatal("still signed in after the account's sign-out")
	}

	// Deleting the account signs this browser out of the app too.
	sid = signIn(br)
	p = br.get(e.issuer + "/account/danger")
	p = br.post("/account/delete", url.Values{"csrf_token": {p.hidden("csrf_token")}, "password": {app.DemoUserPassword}})
	if p.status != http.StatusOK || p.testid("deleted-home").Length() == 0 {
		t.Fatalf("account deletion: %d %s", p.status, p.body)
	}
	loadFrames(t, br, p, fc.srv.URL)
	wantHit(2, sid)
}

// TestExpiredSessionNotifiesBackChannel: a session that simply expires is
// announced by the sweep (session.ended, "reason": "expired") and its
// client, which registered a backchannel_logout_uri, gets a logout token
// with the session's sid.
func TestExpiredSessionNotifiesBackChannel(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnvWith(t, b, envOptions{configure: allowLoopback})
			lr := newLogoutRP(t, e, "bcl-expiry")
			_, secret, err := e.app.Admin.CreateClient(context.Background(), admin.CLI(), storage.DefaultTenantID, admin.ClientSpec{
				ID: "bcl-expiry", RedirectURIs: []string{rpCallback}, Grants: []string{"authorization_code"},
				Scopes: []string{"openid"}, FirstParty: true, BackchannelLogoutURI: lr.srv.URL + "/backchannel"})
			if err != nil {
				t.Fatal(err)
			}
			c := e.rp("bcl-expiry", secret)
			ar := c.start()
			if _, err := c.exchange(e.browser().login(ar, app.DemoUserEmail, app.DemoUserPassword).Query().Get("code"), ar); err != nil {
				t.Fatal(err)
			}
			e.deliver()
			if got := lr.got(); len(got) != 0 {
				t.Fatalf("logout tokens before the session ended: %v", got)
			}
			e.clock.Advance(8 * 24 * time.Hour) // past the 7-day session lifetime
			if _, err := e.app.Stores.Sweeper.SweepExpired(context.Background(), e.clock.Now()); err != nil {
				t.Fatal(err)
			}
			e.deliver()
			if got := lr.got(); len(got) != 1 || got[0]["sid"] == nil {
				t.Fatalf("after the expiry the client received %v, want one logout token with the session's sid", got)
			}
			var expired int
			evs, _ := e.app.Stores.Durable.ListEvents(context.Background(), 0, 0)
			for _, ev := range evs {
				var d storage.SessionEndedData
				if ev.Type == storage.EventSessionEnded && json.Unmarshal(ev.Data, &d) == nil && d.Reason == storage.SessionExpired {
					expired++
				}
			}
			if expired != 1 {
				t.Fatalf("%d session.ended with reason expired, want 1: %+v", expired, evs)
			}
		})
	}
}

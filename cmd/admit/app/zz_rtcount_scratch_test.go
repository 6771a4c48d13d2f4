package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/login/password"
	"github.com/admit-idp/admit/storage"
)

type rtCounter struct {
	mu  sync.Mutex
	on  bool
	log []string
}

func (c *rtCounter) hit(name string) {
	c.mu.Lock()
	if c.on {
		c.log = append(c.log, name)
	}
	c.mu.Unlock()
}
func (c *rtCounter) start() { c.mu.Lock(); c.on = true; c.log = nil; c.mu.Unlock() }
func (c *rtCounter) stop() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on = false
	return append([]string(nil), c.log...)
}

type cEph struct {
	storage.Ephemeral
	c *rtCounter
}

func (e cEph) GetAuthRequest(ctx context.Context, id string) (storage.AuthRequest, error) {
	e.c.hit("R GetAuthRequest")
	return e.Ephemeral.GetAuthRequest(ctx, id)
}
func (e cEph) CompleteAuthRequest(ctx context.Context, id string, x storage.AuthCompletion) error {
	e.c.hit("R CompleteAuthRequest")
	return e.Ephemeral.CompleteAuthRequest(ctx, id, x)
}
func (e cEph) DeleteAuthRequest(ctx context.Context, id string) error {
	e.c.hit("R DeleteAuthRequest")
	return e.Ephemeral.DeleteAuthRequest(ctx, id)
}
func (e cEph) SaveAuthCode(ctx context.Context, x storage.AuthCode) error {
	e.c.hit("R SaveAuthCode")
	return e.Ephemeral.SaveAuthCode(ctx, x)
}
func (e cEph) GetAuthCode(ctx context.Context, h string) (storage.AuthRequest, error) {
	e.c.hit("R GetAuthCode")
	return e.Ephemeral.GetAuthCode(ctx, h)
}
func (e cEph) ConsumeAuthCode(ctx context.Context, h string) (storage.AuthRequest, error) {
	e.c.hit("R ConsumeAuthCode")
	return e.Ephemeral.ConsumeAuthCode(ctx, h)
}
func (e cEph) GetLoginFlow(ctx context.Context, id string) (storage.LoginFlow, error) {
	e.c.hit("R GetLoginFlow")
	return e.Ephemeral.GetLoginFlow(ctx, id)
}
func (e cEph) PutLoginFlow(ctx context.Context, f storage.LoginFlow) error {
	e.c.hit("R PutLoginFlow")
	return e.Ephemeral.PutLoginFlow(ctx, f)
}
func (e cEph) DeleteLoginFlow(ctx context.Context, id string) error {
	e.c.hit("R DeleteLoginFlow")
	return e.Ephemeral.DeleteLoginFlow(ctx, id)
}
func (e cEph) AllowRate(ctx context.Context, k string, r storage.Rate) (storage.RateResult, error) {
	e.c.hit("R AllowRate")
	return e.Ephemeral.AllowRate(ctx, k, r)
}
func (e cEph) GetFailures(ctx context.Context, k string) (storage.FailureState, error) {
	e.c.hit("R GetFailures")
	return e.Ephemeral.GetFailures(ctx, k)
}
func (e cEph) RecordFailure(ctx context.Context, k string, p storage.FailurePolicy) (storage.FailureState, error) {
	e.c.hit("R RecordFailure")
	return e.Ephemeral.RecordFailure(ctx, k, p)
}
func (e cEph) ClearFailures(ctx context.Context, k string, u bool) error {
	e.c.hit("R ClearFailures")
	return e.Ephemeral.ClearFailures(ctx, k, u)
}
func (e cEph) IsRevoked(ctx context.Context, k ...string) (bool, error) {
	e.c.hit("R IsRevoked")
	return e.Ephemeral.IsRevoked(ctx, k...)
}

type cDur struct {
	storage.Durable
	c *rtCounter
}

func (d cDur) GetClient(ctx context.Context, id string) (storage.Client, error) {
	d.c.hit("P GetClient")
	return d.Durable.GetClient(ctx, id)
}
func (d cDur) GetUser(ctx context.Context, id string) (storage.User, error) {
	d.c.hit("P GetUser")
	return d.Durable.GetUser(ctx, id)
}
func (d cDur) GetUserByEmail(ctx context.Context, e string) (storage.User, error) {
	d.c.hit("P GetUserByEmail")
	return d.Durable.GetUserByEmail(ctx, e)
}
func (d cDur) GetConsent(ctx context.Context, u, c string) (storage.Consent, error) {
	d.c.hit("P GetConsent")
	return d.Durable.GetConsent(ctx, u, c)
}
func (d cDur) CreateSession(ctx context.Context, s storage.Session) error {
	d.c.hit("P CreateSession")
	return d.Durable.CreateSession(ctx, s)
}
func (d cDur) GetSessionByTokenHash(ctx context.Context, h string) (storage.Session, error) {
	d.c.hit("P GetSessionByTokenHash")
	return d.Durable.GetSessionByTokenHash(ctx, h)
}
func (d cDur) GetDevice(ctx context.Context, u, h string) (storage.Device, error) {
	d.c.hit("P GetDevice")
	return d.Durable.GetDevice(ctx, u, h)
}
func (d cDur) SaveDevice(ctx context.Context, x storage.Device) error {
	d.c.hit("P SaveDevice")
	return d.Durable.SaveDevice(ctx, x)
}
func (d cDur) ListUserPasskeys(ctx context.Context, u string) ([]storage.Passkey, error) {
	d.c.hit("P ListUserPasskeys")
	return d.Durable.ListUserPasskeys(ctx, u)
}
func (d cDur) GetTOTPCredential(ctx context.Context, u string) (storage.TOTPCredential, error) {
	d.c.hit("P GetTOTPCredential")
	return d.Durable.GetTOTPCredential(ctx, u)
}
func (d cDur) GetRefreshToken(ctx context.Context, h string) (storage.RefreshToken, error) {
	d.c.hit("P GetRefreshToken")
	return d.Durable.GetRefreshToken(ctx, h)
}
func (d cDur) CreateRefreshToken(ctx context.Context, t storage.RefreshToken) error {
	d.c.hit("P CreateRefreshToken")
	return d.Durable.CreateRefreshToken(ctx, t)
}
func (d cDur) RotateRefreshToken(ctx context.Context, h string, t storage.RefreshToken) error {
	d.c.hit("P RotateRefreshToken")
	return d.Durable.RotateRefreshToken(ctx, h, t)
}
func (d cDur) ListUserWallets(ctx context.Context, u string) ([]storage.Wallet, error) {
	d.c.hit("P ListUserWallets")
	return d.Durable.ListUserWallets(ctx, u)
}
func (d cDur) AppendAudit(ctx context.Context, ev []storage.AuditEvent) error {
	d.c.hit("P AppendAudit(async)")
	return d.Durable.AppendAudit(ctx, ev)
}

func TestZZRoundTrips(t *testing.T) {
	c := &rtCounter{}
	srv := httptest.NewUnstartedServer(nil)
	e := &env{t: t, srv: srv, issuer: "http://" + srv.Listener.Addr().String(), clock: &clock{t: time.Now().UTC()}}
	cfg := app.Defaults()
	cfg.Issuer = e.issuer
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := app.OpenStores(context.Background(), cfg, e.clock.Now, false, log)
	if err != nil {
		t.Fatal(err)
	}
	st.Ephemeral = cEph{st.Ephemeral, c}
	st.Durable = cDur{st.Durable, c}
	hasher, _ := password.New(argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
	a, err := app.New(context.Background(), cfg, st, log, app.Options{Now: e.clock.Now, PasswordHash: hasher})
	if err != nil {
		t.Fatal(err)
	}
	_ = a.SeedDemo(context.Background())
	e.app = a
	srv.Config.Handler = a.Handler()
	srv.Start()
	t.Cleanup(srv.Close)

	r := e.rp(app.DemoClientID, app.DemoClientSecret, oidc.ScopeOpenID, oidc.ScopeOfflineAccess, oidc.ScopeProfile)
	ar := r.start()
	br := e.browser()
	p := br.get(ar.url)
	c.start()
	p2 := br.submitLogin(p, app.DemoUserEmail, app.DemoUserPassword)
	dump(t, "POST /login/password (status "+fmt.Sprint(p2.status)+")", c.stop())
	cb := br.callback(p2, ar)
	code := cb.Query().Get("code")
	c.start()
	tok, err := r.exchange(code, ar)
	dump(t, "token: authorization_code", c.stop())
	if err != nil {
		t.Fatal(err)
	}
	c.start()
	_, err = r.refresh(tok.RefreshToken)
	dump(t, "token: refresh_token", c.stop())
	if err != nil {
		t.Fatal(err)
	}
}

func dump(t *testing.T, title string, l []string) {
	m := map[string]int{}
	for _, s := range l {
		m[s]++
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	t.Logf("== %s: %d calls; order %v", title, len(l), l)
	for _, k := range keys {
		t.Logf("   %-28s x%d", k, m[k])
	}
}

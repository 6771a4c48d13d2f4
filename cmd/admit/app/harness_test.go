package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/alexedwards/argon2id"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/login/password"
	"github.com/admit-idp/admit/storage/postgres/pgtest"
	"github.com/admit-idp/admit/storage/redis/redistest"
)

// clock is a settable clock shared by the App and its stores.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is one running Admit behind httptest, with the demo data seeded.
type env struct {
	t      testing.TB
	app    *app.App
	srv    *httptest.Server
	issuer string
	clock  *clock
}

type backend string

const (
	memoryBackend   backend = "memory"
	postgresBackend backend = "postgres+redis"
)

var backends = []backend{memoryBackend, postgresBackend}

// newEnv starts Admit on the backend. Passwords use cheap argon2id
// parameters: the OWASP cost is measured by the benchmarks, not paid by
// every test.
func newEnv(t testing.TB, b backend) *env {
	return newEnvWith(t, b, envOptions{})
}

// envOptions vary an env.
type envOptions struct {
	hasher     *password.Hasher // nil: fast test parameters
	signingAlg string           // "": RS256
	// configure changes the configuration before the App is built.
	configure func(*app.Config)
	// wrap wraps the handler (the fake Apple token endpoint wraps an Admit).
	wrap func(http.Handler) http.Handler
	// log receives the App's logs (nil: discarded).
	log *slog.Logger
	// host replaces 127.0.0.1 in the issuer ("localhost"): WebAuthn needs a
	// domain name, and a real browser keeps two Admits' cookies apart only
	// by host (cookies ignore ports).
	host string
}

// newEnvWith is newEnv with options.
func newEnvWith(t testing.TB, b backend, o envOptions) *env {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	if o.host != "" {
		issuer = "http://" + o.host + ":" + strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)
	}
	e := &env{t: t, srv: srv, issuer: issuer, clock: &clock{t: time.Now().UTC().Truncate(time.Second)}}
	cfg := e.config(b)
	if o.signingAlg != "" {
		cfg.SigningAlg = o.signingAlg
	}
	if o.configure != nil {
		o.configure(&cfg)
	}
	e.start(b, cfg, o)
	return e
}

// start builds the App on cfg, seeds the demo data and serves it.
func (e *env) start(b backend, cfg app.Config, o envOptions) {
	t := e.t
	t.Helper()
	log := o.log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	st, err := app.OpenStores(context.Background(), cfg, e.clock.Now, b == postgresBackend, log)
	if err != nil {
		t.Fatalf("open stores: %v", err)
	}
	t.Cleanup(st.Close)
	hasher := o.hasher
	if hasher == nil {
		hasher, _ = password.New(argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
	}
	a, err := app.New(context.Background(), cfg, st, log, app.Options{Now: e.clock.Now, PasswordHash: hasher})
	if err != nil {
		t.Fatalf("app: %v", err)
	}
	t.Cleanup(a.Accounts.Close)
	if err := a.SeedDemo(context.Background()); err != nil {
		t.Fatalf("seed: %v", err)
	}
	e.app = a
	h := a.Handler()
	if o.wrap != nil {
		h = o.wrap(h)
	}
	e.srv.Config.Handler = h
	e.srv.Start()
	t.Cleanup(e.srv.Close)
}

func (e *env) config(b backend) app.Config {
	cfg := app.Defaults()
	cfg.Issuer = e.issuer
	if b == postgresBackend {
		cfg.DatabaseURL = pgtest.NewDatabase(e.t)
		client, prefix := redistest.NewClient(e.t)
		_ = client
		cfg.RedisURL, cfg.RedisPrefix = redistest.URL(), prefix
		cfg.MasterKey = base64.StdEncoding.EncodeToString(make([]byte, 32))
	}
	return cfg
}

// rp is a relying party: go-oidc discovery and verification, x/oauth2 for
// the code exchange.
type rp struct {
	e        *env
	provider *oidc.Provider
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
}

const rpCallback = "http://127.0.0.1:5555/callback"

func (e *env) rp(clientID, secret string, scopes ...string) *rp {
	e.t.Helper()
	p, err := oidc.NewProvider(context.Background(), e.issuer)
	if err != nil {
		e.t.Fatalf("discovery: %v", err)
	}
	if len(scopes) == 0 {
		scopes = []string{oidc.ScopeOpenID, "profile", "email"}
	}
	// An explicit auth style: x/oauth2's auto-detection retries a failed
	// exchange with the other style, which would blur which answer a test
	// sees.
	ep := p.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInHeader
	cfg := oauth2.Config{ClientID: clientID, ClientSecret: secret, Endpoint: ep, RedirectURL: rpCallback, Scopes: scopes}
	v := p.Verifier(&oidc.Config{ClientID: clientID, Now: e.clock.Now})
	return &rp{e: e, provider: p, oauth: cfg, verifier: v}
}

// authRequest is one authorization request the RP started.
type authRequest struct {
	url, state, nonce, verifier string
}

func (r *rp) start(extra ...oauth2.AuthCodeOption) authRequest {
	ar := authRequest{state: randomString(), nonce: randomString(), verifier: oauth2.GenerateVerifier()}
	opts := append([]oauth2.AuthCodeOption{oidc.Nonce(ar.nonce), oauth2.S256ChallengeOption(ar.verifier)}, extra...)
	ar.url = r.oauth.AuthCodeURL(ar.state, opts...)
	return ar
}

func (r *rp) exchange(code string, ar authRequest) (*oauth2.Token, error) {
	return r.oauth.Exchange(context.Background(), code, oauth2.VerifierOption(ar.verifier))
}

// browser is a user agent with cookies that stops at the RP's callback.
type browser struct {
	t      testing.TB
	e      *env
	client *http.Client
	// stayOnBusy stops at the "you're in line" page of a login surge
	// (surge_test.go); otherwise the browser follows its Refresh header as
	// a real one does: a slow hash (an imported format on a busy machine)
	// may show it in any test.
	stayOnBusy bool
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if req.URL.Host == "127.0.0.1:5555" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return &browser{t: e.t, e: e, client: c}
}

// page is a fetched HTML page or the redirect to the RP.
type page struct {
	status   int
	url      *url.URL
	location *url.URL // set when the browser was sent to the RP
	doc      *goquery.Document
	body     string
	header   http.Header
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	if req.Method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.e.issuer)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	p := page{status: resp.StatusCode, url: resp.Request.URL, body: string(raw), header: resp.Header}
	if loc, err := resp.Location(); err == nil {
		p.location = loc
	}
	p.doc, _ = goquery.NewDocumentFromReader(strings.NewReader(p.body))
	if delay, target, ok := strings.Cut(p.header.Get("Refresh"), "; url="); ok && p.status == http.StatusAccepted && !b.stayOnBusy {
		if next, err := p.url.Parse(target); err == nil {
			secs, _ := strconv.Atoi(delay)
			time.Sleep(time.Duration(secs) * time.Second)
			follow, _ := http.NewRequest(http.MethodGet, next.String(), nil)
			return b.do(follow)
		}
	}
	if next := refreshTarget(p); next != nil {
		// A ContinuePage: a browser follows its meta refresh, as a new
		// navigation. Like redirects, it stops at the RP.
		if next.Host == "127.0.0.1:5555" {
			p.location = next
			return p
		}
		follow, _ := http.NewRequest(http.MethodGet, next.String(), nil)
		return b.do(follow)
	}
	return p
}

// refreshTarget is the URL of a page's meta refresh (login.Continue), or nil.
func refreshTarget(p page) *url.URL {
	content, ok := p.doc.Find(`meta[http-equiv="refresh"]`).Attr("content")
	if !ok || p.status != http.StatusOK {
		return nil
	}
	_, target, found := strings.Cut(content, "url=")
	if !found {
		return nil
	}
	u, err := p.url.Parse(target)
	if err != nil {
		return nil
	}
	return u
}

func (b *browser) get(u string) page {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	req, _ := http.NewRequest(http.MethodPost, b.e.issuer+path, strings.NewReader(form.Encode()))
	return b.do(req)
}

func (p page) testid(id string) *goquery.Selection { return p.doc.Find(`[data-testid="` + id + `"]`) }

func (p page) hidden(name string) string {
	v, _ := p.doc.Find(`input[name="` + name + `"]`).Attr("value")
	return v
}

// submitLogin posts the login form of p.
func (b *browser) submitLogin(p page, email, pw string) page {
	b.t.Helper()
	if p.testid("login-form").Length() == 0 {
		b.t.Fatalf("not a login page (status %d): %s", p.status, p.body)
	}
	return b.post("/login/password", url.Values{"flow": {p.hidden("flow")}, "csrf_token": {p.hidden("csrf_token")}, "email": {email}, "password": {pw}})
}

// consent answers the consent page if it is shown.
func (b *browser) consent(p page, decision string) page {
	b.t.Helper()
	if p.testid("consent-form").Length() == 0 {
		return p
	}
	return b.post("/login/consent", url.Values{"flow": {p.hidden("flow")}, "csrf_token": {p.hidden("csrf_token")}, "decision": {decision}})
}

// login runs an authorization request through the login page (and consent)
// and returns the RP callback URL.
func (b *browser) login(ar authRequest, email, pw string) *url.URL {
	b.t.Helper()
	p := b.consent(b.submitLogin(b.get(ar.url), email, pw), "allow")
	return b.callback(p, ar)
}

func (b *browser) callback(p page, ar authRequest) *url.URL {
	b.t.Helper()
	if p.location == nil || p.location.Host != "127.0.0.1:5555" {
		b.t.Fatalf("expected a redirect to the RP, got status %d at %s: %s", p.status, p.url, p.body)
	}
	if got := p.location.Query().Get("state"); got != ar.state {
		b.t.Fatalf("state = %q, want %q", got, ar.state)
	}
	return p.location
}

func randomString() string {
	sum := sha256.Sum256([]byte(time.Now().String() + oauth2.GenerateVerifier()))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

func TestMain(m *testing.M) {
	// StartHashProcesses starts this test binary as its hash processes.
	password.ServeHashProcessIfAsked()
	// zitadel's op logs through the default logger; keep test output readable.
	flag.Parse()
	if !testing.Verbose() {
		slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	}
	os.Exit(m.Run())
}

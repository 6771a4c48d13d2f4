package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/login/password"
	"github.com/admit-idp/admit/storage/postgres/pgtest"
)

// logBuffer collects slog text output safely across goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// lines returns the log lines containing every one of parts.
func (l *logBuffer) lines(parts ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for line := range strings.SplitSeq(l.buf.String(), "\n") {
		ok := line != ""
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			out = append(out, line)
		}
	}
	return out
}

func (l *logBuffer) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Reset()
}

// newLoggedEnv is newEnvWith on Postgres+Redis logging (debug and up) to
// the returned buffer.
func newLoggedEnv(t *testing.T, summaryEvery time.Duration, configure func(*app.Config)) (*env, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	e := &env{t: t, clock: &clock{t: time.Now().UTC().Truncate(time.Second)}}
	e.srv = httptest.NewUnstartedServer(nil)
	e.issuer = "http://" + e.srv.Listener.Addr().String()
	cfg := e.config(postgresBackend)
	configure(&cfg)
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st, err := app.OpenStores(context.Background(), cfg, e.clock.Now, true, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open stores: %v", err)
	}
	t.Cleanup(st.Close)
	hasher, _ := password.New(argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
	a, err := app.New(context.Background(), cfg, st, log, app.Options{Now: e.clock.Now, PasswordHash: hasher})
	if err != nil {
		t.Fatalf("app: %v", err)
	}
	t.Cleanup(a.Accounts.Close)
	if err := a.SeedDemo(context.Background()); err != nil {
		t.Fatalf("seed: %v", err)
	}
	a.Outages.Every = summaryEvery
	e.app = a
	e.srv.Config.Handler = a.Handler()
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	return e, logs
}

// stoppableRedis runs a private redis-server on a unix socket (never the shared
// one: the test stops it). It returns its URL and a func that stops it.
func stoppableRedis(t *testing.T) (string, func()) {
	t.Helper()
	dir, err := os.MkdirTemp("", "rds")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	sock := filepath.Join(dir, "r.sock")
	cmd := exec.Command("redis-server", "--port", "0", "--unixsocket", sock, "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatalf("redis-server: %v", err)
	}
	var once sync.Once
	stop := func() { once.Do(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }) }
	t.Cleanup(stop)
	for deadline := time.Now().Add(5 * time.Second); ; {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "unix://" + sock, stop
}

func clientCredentials(t *testing.T, e *env) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(app.DemoClientID, app.DemoClientSecret)
	return mustDo(t, req)
}

func metric(t *testing.T, e *env, name string) string {
	t.Helper()
	resp := mustDo(t, mustRequest(t, e.issuer+"/metrics"))
	body, _ := io.ReadAll(resp.Body)
	for line := range strings.SplitSeq(string(body), "\n") {
		if strings.HasPrefix(line, name) {
			return line
		}
	}
	return ""
}

func mustRequest(t *testing.T, u string) *http.Request {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestRedisOutage stops a real Redis under a running Admit (issue 13
// item 4): introspection answers 503 with Retry-After instead of
// {"active":false}; /authorize redirects temporarily_unavailable (RFC 6749
// 4.1.2.1), not server_error; rate limits fail open, counted by
// admit_rate_limit_fail_open_total and logged once for the outage, not
// once per request.
func TestRedisOutage(t *testing.T) {
	redisURL, stopRedis := stoppableRedis(t)
	e, logs := newLoggedEnv(t, 2*time.Second, func(c *app.Config) { c.RedisURL, c.RedisPrefix = redisURL, "admit:" })
	r, tok := offlineToken(t, e)
	if r.introspect(tok.AccessToken)["active"] != true {
		t.Fatal("introspection before the outage: not active")
	}
	stopRedis()
	logs.reset()

	t.Run("introspection answers 503, not active:false", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth/introspect", strings.NewReader(url.Values{"token": {tok.AccessToken}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(app.DemoClientID, app.DemoClientSecret)
		resp := mustDo(t, req)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || oauthError(t, resp) != "temporarily_unavailable" {
			t.Fatalf("introspection during a Redis outage: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	})
	t.Run("userinfo answers 503, not invalid_token", func(t *testing.T) {
		req := mustRequest(t, e.issuer+"/userinfo")
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp := mustDo(t, req)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("userinfo during a Redis outage: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	})
	t.Run("authorize redirects temporarily_unavailable", func(t *testing.T) {
		ar := r.start()
		p := e.browser().get(ar.url)
		if p.location == nil || p.location.Query().Get("error") != "temporarily_unavailable" || p.location.Query().Get("state") != ar.state {
			t.Fatalf("authorize during a Redis outage: %d %v", p.status, p.location)
		}
	})
	t.Run("rate limits fail open, counted and logged once", func(t *testing.T) {
		const requests = 5
		for i := range requests {
			if resp := clientCredentials(t, e); resp.StatusCode != http.StatusOK {
				t.Fatalf("client_credentials %d with the limiter down: %d, want 200 (fail open)", i, resp.StatusCode)
			}
		}
		if got := metric(t, e, `admit_rate_limit_fail_open_total{action="token"}`); !strings.HasSuffix(got, " 5") {
			t.Fatalf("metric: %q, want 5 token requests let through", got)
		}
		// The introspection above was let through unchecked too: this is
		// one outage of the limiter, so one line, and the other requests
		// are counted in summaries.
		time.Sleep(2*e.app.Outages.Every + 500*time.Millisecond)
		full, summarised := 0, 0
		for _, line := range logs.lines("rate limits unavailable") {
			if n, ok := summaryCount(line); ok {
				summarised += n
			} else {
				full++
			}
		}
		if full != 1 || summarised != requests {
			t.Fatalf("%d full lines and %d summarised for %d requests let through, want 1 and %d:\n%s",
				full, summarised, requests+1, requests, strings.Join(logs.lines("rate limits"), "\n"))
		}
	})
}

// TestDatabaseOutageLogging: during a Postgres stall every request fails
// (503), but the log gets one ERROR line for the outage and a summary of
// the repeats, not lines per request (issue 13 item 7); and a request the
// client cancelled is not logged as an error.
func TestDatabaseOutageLogging(t *testing.T) {
	var proxy *pgtest.Proxy
	// Each kind fails every 2 s (two 1 s requests in turn): a summary
	// interval longer than that keeps it one outage.
	e, logs := newLoggedEnv(t, 3*time.Second, func(c *app.Config) {
		proxy, c.DatabaseURL = pgtest.NewProxy(t, c.DatabaseURL)
		c.Resilience.BackendTimeout = time.Second
	})
	_, tok := offlineToken(t, e)
	login := e.browser()
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	// The login page itself may render during the stall (the client comes
	// from the node's row cache, the request from Redis): the sign-in POST,
	// which needs the user from Postgres, is what meets the outage.
	loginPage := login.get(r.start().url)
	signedIn := e.browser()
	signedIn.login(r.start(), app.DemoUserEmail, app.DemoUserPassword)
	proxy.Stall()
	t.Cleanup(proxy.Resume)
	logs.reset()

	const failures = 3
	for range failures {
		if resp := refreshPost(t, e, tok.RefreshToken); resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("refresh during a stall: %d", resp.StatusCode)
		}
		if p := login.submitLogin(loginPage, app.DemoUserEmail, app.DemoUserPassword); p.status != http.StatusServiceUnavailable {
			t.Fatalf("sign-in during a stall: %d", p.status)
		}
	}
	time.Sleep(2*e.app.Outages.Every + 500*time.Millisecond) // the last summary
	// Lost audit events are written to the log on purpose, one line each
	// (the log is their record of last resort, see storage/audit): they are
	// events, not failed requests, and not counted here.
	for _, kind := range []string{"protocol endpoint: backend unavailable", "login: backend unavailable"} {
		full, summarised := 0, 0
		for _, line := range logs.lines(`msg="` + kind) {
			if n, ok := summaryCount(line); ok {
				summarised += n
			} else {
				full++
			}
		}
		if full != 1 || full+summarised != failures {
			t.Errorf("%q: %d full lines and %d failures summarised for %d failed requests, want 1 line and the rest summarised:\n%s",
				kind, full, summarised, failures, strings.Join(logs.lines(), "\n"))
		}
	}

	t.Run("a cancelled request is not an error", func(t *testing.T) {
		logs.reset()
		// The client gives up before the backend deadline would end it.
		ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
		defer cancel()
		// The account page needs Postgres (the sign-in POST does too, but
		// a parked sign-in runs on after its browser left: login/password's
		// surge handling).
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.issuer+"/account", nil)
		for _, c := range signedIn.client.Jar.Cookies(req.URL) {
			req.AddCookie(c)
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			t.Fatalf("the request was not cancelled: %d", resp.StatusCode)
		}
		time.Sleep(1500 * time.Millisecond) // the handler notices and returns
		if got := logs.lines("canceled", "level=ERROR"); len(got) != 0 {
			t.Fatalf("a cancelled request was logged as an error:\n%s", strings.Join(got, "\n"))
		}
		if got := logs.lines("canceled", "level=DEBUG"); len(got) == 0 {
			t.Fatalf("the cancelled request left no trace at DEBUG:\n%s", strings.Join(logs.lines(), "\n"))
		}
	})
}

// summaryCount reads count=N of a "(repeated)" summary line.
func summaryCount(line string) (int, bool) {
	if !strings.Contains(line, "(repeated)") {
		return 0, false
	}
	_, after, ok := strings.Cut(line, " count=")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.Fields(after)[0])
	return n, err == nil
}

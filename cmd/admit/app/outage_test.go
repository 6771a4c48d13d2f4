package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/storage/postgres/pgtest"
)

// outageTimeout is the backend_timeout of the outage tests: short, so the
// tests are quick, and measurable.
const outageTimeout = time.Second

// newProxiedEnv is newEnv on Postgres+Redis with Postgres reached through a
// pgtest.Proxy and backend_timeout = outageTimeout.
func newProxiedEnv(t *testing.T) (*env, *pgtest.Proxy) {
	t.Helper()
	var proxy *pgtest.Proxy
	e := newEnvWith(t, postgresBackend, envOptions{configure: func(c *app.Config) {
		proxy, c.DatabaseURL = pgtest.NewProxy(t, c.DatabaseURL)
		c.Resilience.BackendTimeout = outageTimeout
	}})
	return e, proxy
}

// offlineToken signs the demo user in and exchanges the code for tokens
// with a refresh token.
func offlineToken(t *testing.T, e *env) (*rp, *oauth2.Token) {
	t.Helper()
	r := e.rp(app.DemoClientID, app.DemoClientSecret, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	code, ar, _ := codeFor(t, e, r)
	tok, err := r.exchange(code, ar)
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("code exchange: %v", err)
	}
	return r, tok
}

// refreshPost presents a refresh token and returns the raw answer.
func refreshPost(t *testing.T, e *env, refreshToken string) *http.Response {
	t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}}
	req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(app.DemoClientID, app.DemoClientSecret)
	return mustDo(t, req)
}

// assert503 checks a retryable outage answer that came within the deadline.
func assert503(t *testing.T, what string, resp *http.Response, took time.Duration) {
	t.Helper()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("%s: status %d, Retry-After %q; want 503 with Retry-After", what, resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Every call has the deadline, and a request makes a few calls before
	// the one that stalls; anything near a client's own timeout is a hang.
	if took > 3*outageTimeout {
		t.Fatalf("%s took %v with backend_timeout %v", what, took, outageTimeout)
	}
	t.Logf("%s: 503 after %v (backend_timeout %v)", what, took.Round(time.Millisecond), outageTimeout)
}

// TestFrozenDatabaseAnswers503WithinTheDeadline: with Postgres not
// answering (the proxy holds every byte, as a SIGSTOPped server does), the
// token endpoint answers 503 temporarily_unavailable with Retry-After, and
// the login page the HTML retry page, within the deadline instead of
// hanging; once the database answers again everything works.
func TestFrozenDatabaseAnswers503WithinTheDeadline(t *testing.T) {
	e, proxy := newProxiedEnv(t)
	r, tok := offlineToken(t, e)
	login := e.browser()
	proxy.Stall()
	t.Cleanup(proxy.Resume)

	start := time.Now()
	resp := refreshPost(t, e, tok.RefreshToken)
	assert503(t, "refresh during a stall", resp, time.Since(start))
	if got := oauthError(t, resp); got != "temporarily_unavailable" {
		t.Fatalf("refresh during a stall: error %q, want temporarily_unavailable", got)
	}

	start = time.Now()
	ar := r.start()
	p := login.get(ar.url)
	if p.location != nil {
		p = login.get(p.location.String())
	}
	// The login page may still be shown: the client comes from the node's
	// row cache and the authorization request lives in Redis. The sign-in
	// itself needs the user from Postgres, so it is what answers the
	// retry page.
	if p.status == http.StatusOK && p.testid("password").Length() > 0 {
		start = time.Now()
		p = login.submitLogin(p, app.DemoUserEmail, app.DemoUserPassword)
	}
	took := time.Since(start)
	presp := &http.Response{StatusCode: p.status, Header: p.header}
	assert503(t, "sign-in during a stall", presp, took)
	if !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") || !strings.Contains(p.testid("error-message").Text(), "try again") {
		t.Fatalf("sign-in during a stall: %q page %q, want the HTML retry page", p.header.Get("Content-Type"), p.testid("error-message").Text())
	}

	proxy.Resume()
	if _, err := r.refresh(tok.RefreshToken); err != nil {
		t.Fatalf("refresh after the stall: %v", err)
	}
}

// TestRefreshRetryAfterALostResponse is the outage of issue 13 item 3: the
// rotation commits in Postgres but its answer never reaches Admit (the proxy
// swallows it), so the client gets a 503 within the deadline. It retries
// with the same refresh token inside the reuse interval: that succeeds and
// the family stays valid. The same token presented after the interval is
// replay and revokes the family as before.
func TestRefreshRetryAfterALostResponse(t *testing.T) {
	e, proxy := newProxiedEnv(t)
	r, tok := offlineToken(t, e)

	proxy.LoseReplyAfter("WITH claimed AS") // the rotation statement
	start := time.Now()
	resp := refreshPost(t, e, tok.RefreshToken)
	assert503(t, "refresh whose answer was lost", resp, time.Since(start))
	assertRotated(t, e, tok.RefreshToken)

	e.clock.Advance(5 * time.Second)
	retried, err := r.refresh(tok.RefreshToken)
	if err != nil {
		t.Fatalf("retry with the same refresh token inside the reuse interval: %v", err)
	}
	if r.introspect(retried.AccessToken)["active"] != true {
		t.Fatal("the retry's access token is not active")
	}
	next, err := r.refresh(retried.RefreshToken)
	if err != nil {
		t.Fatalf("the family is not valid after the retry: %v", err)
	}

	e.clock.Advance(app.Defaults().Resilience.RefreshReuseInterval)
	if _, err := r.refresh(tok.RefreshToken); !isOAuthError(err, "invalid_grant") {
		t.Fatalf("reuse after the interval: %v, want invalid_grant", err)
	}
	if _, err := r.refresh(next.RefreshToken); !isOAuthError(err, "invalid_grant") {
		t.Fatalf("the family survived a reuse after the interval: %v", err)
	}
	if r.introspect(next.AccessToken)["active"] != false {
		t.Fatal("an access token of the revoked family is still active")
	}
}

// TestRefreshRetryWithinTheReuseInterval, on both backends: re-presenting
// a just-rotated token (its answer was lost) gets new tokens and revokes
// nothing; the successor the client never received is superseded; once the
// client has used a successor, the old token is replay even inside the
// interval; and with the interval off, any reuse revokes.
func TestRefreshRetryWithinTheReuseInterval(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnv(t, b)
			r, tok := offlineToken(t, e)
			lost, err := r.refresh(tok.RefreshToken)
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(10 * time.Second)
			retried, err := r.refresh(tok.RefreshToken)
			if err != nil {
				t.Fatalf("retry inside the interval: %v", err)
			}
			if r.introspect(lost.AccessToken)["active"] != true || r.introspect(retried.AccessToken)["active"] != true {
				t.Fatal("a retry revoked the family's access tokens")
			}
			if _, err := r.refresh(retried.RefreshToken); err != nil {
				t.Fatalf("refresh with the retry's token: %v", err)
			}
			// The client has now used a successor: the first token is replay.
			if _, err := r.refresh(tok.RefreshToken); !isOAuthError(err, "invalid_grant") {
				t.Fatalf("reuse after a successor was used: %v, want invalid_grant", err)
			}
			if r.introspect(retried.AccessToken)["active"] != false {
				t.Fatal("replay did not revoke the family")
			}
		})
	}
	t.Run("interval off", func(t *testing.T) {
		e := newEnvWith(t, memoryBackend, envOptions{configure: func(c *app.Config) { c.Resilience.RefreshReuseInterval = 0 }})
		r, tok := offlineToken(t, e)
		next, err := r.refresh(tok.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.refresh(tok.RefreshToken); !isOAuthError(err, "invalid_grant") {
			t.Fatalf("reuse with the interval off: %v, want invalid_grant", err)
		}
		if _, err := r.refresh(next.RefreshToken); !isOAuthError(err, "invalid_grant") {
			t.Fatalf("the family survived a reuse with the interval off: %v", err)
		}
	})
}

// TestConcurrentRefreshRetriesDoNotFork: with the reuse interval, racing
// refreshes of one token may succeed more than once (each retry supersedes
// the previous successor), but the family never forks: afterwards at most
// one of the refresh tokens handed out still works.
func TestConcurrentRefreshRetriesDoNotFork(t *testing.T) {
	e := newEnv(t, postgresBackend)
	r, tok := offlineToken(t, e)
	results := make([]*oauth2.Token, 4)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() { results[i], _ = r.refresh(tok.RefreshToken) })
	}
	wg.Wait()
	var handedOut []string
	for _, res := range results {
		if res != nil {
			handedOut = append(handedOut, res.RefreshToken)
		}
	}
	if len(handedOut) == 0 {
		t.Fatal("no concurrent refresh succeeded")
	}
	usable := 0
	for _, rt := range handedOut {
		e.clock.Advance(time.Minute) // past the interval: no retry succeeds below
		if _, err := r.refresh(rt); err == nil {
			usable++
		}
	}
	if usable > 1 {
		t.Fatalf("%d of %d refresh tokens handed out in a race still work: the family forked", usable, len(handedOut))
	}
}

// TestRefreshRetryByAnotherClientIsReplay: the reuse interval is for the
// token's own client. Another client presenting a just-rotated token (it
// must have stolen it) is replay: refused, and the family is revoked.
func TestRefreshRetryByAnotherClientIsReplay(t *testing.T) {
	e := newEnv(t, memoryBackend)
	spec := app.ClientSpec{ID: "other-app", RedirectURIs: []string{rpCallback}, Grants: []string{"authorization_code", "refresh_token"},
		Scopes: []string{"openid", "offline_access"}, FirstParty: true}
	secret, err := e.app.AddClient(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	r, tok := offlineToken(t, e)
	next, err := r.refresh(tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	other := e.rp("other-app", secret, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	if _, err := other.refresh(tok.RefreshToken); !isOAuthError(err, "invalid_grant") {
		t.Fatalf("another client presenting the rotated token: %v, want invalid_grant", err)
	}
	if _, err := r.refresh(next.RefreshToken); !isOAuthError(err, "invalid_grant") {
		t.Fatalf("the family survived another client's reuse: %v", err)
	}
}

// TestRefreshRetryAfterADroppedConnection: the connection to Postgres is
// reset right after the rotation committed (the proxy hangs up when the
// answer arrives), so the client gets a 503 at once; its retry with the same
// token succeeds and the family stays valid. Connections dropped between
// requests cost at most a 503, never a 500, and the pool recovers.
func TestRefreshRetryAfterADroppedConnection(t *testing.T) {
	e, proxy := newProxiedEnv(t)
	r, tok := offlineToken(t, e)

	proxy.DropReplyAfter("WITH claimed AS") // the rotation statement
	start := time.Now()
	resp := refreshPost(t, e, tok.RefreshToken)
	assert503(t, "refresh whose connection dropped after the commit", resp, time.Since(start))
	assertRotated(t, e, tok.RefreshToken)
	retried, err := r.refresh(tok.RefreshToken)
	if err != nil {
		t.Fatalf("retry after the dropped connection: %v", err)
	}
	if r.introspect(retried.AccessToken)["active"] != true {
		t.Fatal("the retry's access token is not active")
	}

	proxy.Drop()
	for i := range 3 {
		resp := refreshPost(t, e, retried.RefreshToken)
		switch resp.StatusCode {
		case http.StatusOK:
			return
		case http.StatusServiceUnavailable:
			if resp.Header.Get("Retry-After") == "" {
				t.Fatal("503 without Retry-After")
			}
		default:
			t.Fatalf("refresh %d after dropped connections: %d, want 200 or a retryable 503", i, resp.StatusCode)
		}
	}
	t.Fatal("the pool did not recover from dropped connections")
}

// assertRotated checks the rotation whose answer was lost did commit:
// otherwise the test would not test a lost response.
func assertRotated(t *testing.T, e *env, refreshToken string) {
	t.Helper()
	sum := sha256.Sum256([]byte(refreshToken))
	old, err := e.app.Stores.Durable.GetRefreshToken(context.Background(), hex.EncodeToString(sum[:]))
	if err != nil || old.RotatedAt.IsZero() {
		t.Fatalf("the rotation did not commit (rotated at %v, %v)", old.RotatedAt, err)
	}
}

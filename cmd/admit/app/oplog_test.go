package app_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/admit-idp/admit/cmd/admit/app"
)

// lockedBuffer is a log sink safe for concurrent handlers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestUnauthenticatedBadInputLogsNoWarnings: bad requests anyone can send
// (an /authorize without client_id or redirect_uri, an unknown client, a
// made-up code, a wrong secret, a forged access token) are answered with the
// spec's error, and write nothing above INFO, through Admit's logger or
// the default logger op writes to (as `admit serve` sets them up).
func TestUnauthenticatedBadInputLogsNoWarnings(t *testing.T) {
	var sink lockedBuffer
	log := slog.New(slog.NewJSONHandler(&sink, &slog.HandlerOptions{Level: slog.LevelDebug}))
	prev := slog.Default()
	app.SetDefaultLogger(log)
	t.Cleanup(func() { slog.SetDefault(prev) })
	e := newEnvWith(t, memoryBackend, envOptions{log: log})
	startup := len(sink.String()) // start-up notices are not the requests' doing

	authorize := func(q url.Values) int {
		resp, err := http.Get(e.issuer + "/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if p := e.browser().get(e.issuer + "/authorize?response_type=code"); p.status != http.StatusBadRequest || p.testid("error-title").Length() != 1 {
		t.Errorf("/authorize without client_id: status %d, not the error page: %s", p.status, p.body)
	}
	for name, q := range map[string]url.Values{
		"no parameters":   {},
		"no client_id":    {"redirect_uri": {rpCallback}, "response_type": {"code"}, "scope": {"openid"}},
		"no redirect_uri": {"client_id": {app.DemoClientID}, "response_type": {"code"}, "scope": {"openid"}},
		"unknown client":  {"client_id": {"nobody"}, "redirect_uri": {rpCallback}, "response_type": {"code"}, "scope": {"openid"}},
	} {
		if status := authorize(q); status != http.StatusBadRequest {
			t.Errorf("/authorize with %s: status %d, want 400", name, status)
		}
	}
	token := func(form url.Values, secret string) int {
		req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(app.DemoClientID, secret)
		resp := mustDo(t, req)
		return resp.StatusCode
	}
	if s := token(url.Values{"grant_type": {"authorization_code"}, "code": {"made-up"}, "redirect_uri": {rpCallback}}, app.DemoClientSecret); s != http.StatusBadRequest {
		t.Errorf("made-up code: status %d", s)
	}
	if s := token(url.Values{"grant_type": {"client_credentials"}}, "wrong"); s != http.StatusUnauthorized {
		t.Errorf("wrong secret: status %d", s)
	}
	req, _ := http.NewRequest(http.MethodGet, e.issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer forged")
	if resp := mustDo(t, req); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("forged access token: status %d", resp.StatusCode)
	}

	sc := bufio.NewScanner(strings.NewReader(sink.String()[startup:]))
	lines := 0
	for sc.Scan() {
		lines++
		var rec struct{ Level, Msg string }
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		if rec.Level == slog.LevelWarn.String() || rec.Level == slog.LevelError.String() {
			t.Errorf("logged at %s: %s", rec.Level, sc.Text())
		}
	}
	if lines == 0 {
		t.Fatal("nothing was logged at all: the capture is not wired")
	}
}

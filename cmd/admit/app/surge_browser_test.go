package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/cmd/admit/browsertest"
	"github.com/admit-idp/admit/storage"
)

// TestBrowserSurgeBusyPage signs in with Chromium while every hash slot is
// taken: the password POST lands on the busy page, which refreshes itself
// (no script, under the strict CSP: STRICT_CONSOLE fails the script on any
// CSP violation) until a slot frees, and the sign-in then completes once,
// with nobody clicking anything. The page never holds the password.
func TestBrowserSurgeBusyPage(t *testing.T) {
	var waits atomic.Int32
	shown := make(chan struct{}, 1)
	e := newEnvWith(t, memoryBackend, envOptions{configure: func(c *app.Config) { c.Hash.QueueWait = 20 * time.Second }, wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/login/password/wait" {
				waits.Add(1)
				select {
				case shown <- struct{}{}:
				default:
				}
			}
			h.ServeHTTP(w, r)
		})
	}})
	rp := newBrowserRPWith(t, e, browserRPOptions{Hops: 1, FirstParty: true})
	release := fillHashBudget(t, e)
	released := make(chan struct{})
	go func() {
		defer close(released)
		select {
		case <-shown:
			// Free the slots between the page's first and second refresh
			// (2 s, then 3 s later): it must come back twice by itself.
			time.Sleep(2500 * time.Millisecond)
		case <-time.After(60 * time.Second):
		}
		release()
	}()
	t.Cleanup(func() { <-released })
	shots := t.ArtifactDir()
	t.Logf("screenshots: %s", shots)
	results := browsertest.Run(t, "scripts/busy.mjs", map[string]string{
		"START_URL": rp.srv.URL + "/start", "EMAIL": app.DemoUserEmail, "PASSWORD": app.DemoUserPassword,
		"SCREENSHOT_DIR": shots, "STRICT_CONSOLE": "1",
	})
	if len(results) != 1 {
		t.Fatalf("got %d results, want 1: %s", len(results), results)
	}
	var res struct{ URL, Body, BusyURL, BusyHTML string }
	if err := json.Unmarshal(results[0], &res); err != nil {
		t.Fatalf("result: %v", err)
	}
	if !strings.Contains(res.BusyURL, "/login/password/wait?") {
		t.Fatalf("the busy page was at %s", res.BusyURL)
	}
	if strings.Contains(res.BusyHTML, app.DemoUserPassword) || strings.Contains(res.BusyHTML, "<script") || strings.Contains(res.BusyHTML, "<form") {
		t.Fatal("the busy page holds the password, a script or a form")
	}
	if n := waits.Load(); n < 3 {
		t.Fatalf("the busy page was fetched %d times; want it to have come back by itself at least twice", n)
	}
	checkCallback(t, rp, res.URL, res.Body)
	checkPNG(t, filepath.Join(shots, "busy-page.png"))
	u, err := e.app.Stores.Durable.GetUserByEmail(context.Background(), storage.DefaultTenantID, app.DemoUserEmail)
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := e.app.Stores.Durable.ListUserSessions(context.Background(), u.ID, storage.PageRequest{Limit: 10})
	if err != nil || len(sessions.Items) != 1 {
		t.Fatalf("sessions after the queued browser sign-in: %d, %v; want 1", len(sessions.Items), err)
	}
}

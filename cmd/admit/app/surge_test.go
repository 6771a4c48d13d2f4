package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/storage"
)

// fillHashBudget takes every slot of the App's hash budget, as a surge of
// other sign-ins would, and returns their release.
func fillHashBudget(t *testing.T, e *env) func() {
	t.Helper()
	b := e.app.Hasher.Budget()
	var held []func()
	for range b.Concurrency() {
		r, err := b.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, r)
	}
	return func() {
		for _, r := range held {
			r()
		}
	}
}

// lockoutCount is the account-lockout failure count of an e-mail.
func lockoutCount(t *testing.T, e *env, email string) int {
	t.Helper()
	sum := sha256.Sum256([]byte(email))
	st, err := e.app.Defences.Store.GetFailures(context.Background(), "acct:"+hex.EncodeToString(sum[:16]))
	if err != nil {
		t.Fatal(err)
	}
	return st.Count
}

// busyPage asserts p is the "you're in line" page and returns the URL its
// Refresh header names.
func busyPage(t *testing.T, p page) string {
	t.Helper()
	if p.status != http.StatusAccepted || p.testid("busy-title").Length() == 0 {
		t.Fatalf("want the busy page (202), got %d at %s: %.300s", p.status, p.url, p.body)
	}
	if strings.Contains(p.body, "demo-password-1") || strings.Contains(p.body, "wrong-password") {
		t.Fatal("the busy page echoes the password")
	}
	delay, target, ok := strings.Cut(p.header.Get("Refresh"), "; url=")
	if !ok || delay == "" || !strings.HasPrefix(target, "/login/password/wait?") {
		t.Fatalf("busy page Refresh header %q; want a delay and the wait URL", p.header.Get("Refresh"))
	}
	if href, _ := p.testid("busy-retry").Attr("href"); href != target {
		t.Fatalf("busy page link %q; want the Refresh target %q", href, target)
	}
	return target
}

// TestSurgeBusyPageCompletesOnce: with every hash slot taken, a correct
// password gets the busy page, which refreshes itself; once a slot frees it
// completes the sign-in exactly once (one session, one success audit event)
// and a reload of the busy page or a second POST of the form changes
// nothing. A wrong password behind the queue counts once against lockout,
// however often the page refreshed.
func TestSurgeBusyPageCompletesOnce(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnv(t, b)
			ctx := context.Background()
			const email = "demo@example.com"
			u, err := e.app.Stores.Durable.GetUserByEmail(ctx, storage.DefaultTenantID, email)
			if err != nil {
				t.Fatal(err)
			}
			rp := e.rp("demo-app", "demo-secret")

			// A wrong password behind a full budget: +1 failure, once.
			br := e.browser()
			br.stayOnBusy = true
			release := fillHashBudget(t, e)
			login := br.get(rp.start().url)
			waitURL := busyPage(t, br.submitLogin(login, email, "wrong-password"))
			for range 3 {
				busyPage(t, br.get(e.abs(waitURL)))
			}
			release()
			var p page
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				if p = br.get(e.abs(waitURL)); p.status != http.StatusAccepted || time.Now().After(deadline) {
					break
				}
			}
			if p.status != http.StatusUnauthorized || p.testid("login-form").Length() == 0 || p.hidden("email") != "" && p.hidden("email") != email {
				t.Fatalf("after the queue, a wrong password: %d %.300s; want 401 and the form", p.status, p.body)
			}
			if got := lockoutCount(t, e, email); got != 1 {
				t.Fatalf("lockout count %d after one wrong password that refreshed 4 times; want 1", got)
			}
			// The same ticket again (a reload): nothing more is counted.
			if again := br.get(e.abs(waitURL)); again.testid("login-form").Length() == 0 {
				t.Fatalf("a used ticket: %d %.300s; want the form", again.status, again.body)
			}
			if got := lockoutCount(t, e, email); got != 1 {
				t.Fatalf("lockout count %d after reloading a used ticket; want 1", got)
			}
			auditEvents(t, e, storage.AuditFilter{Event: "login"}, func(ev []storage.AuditEvent) bool { return count(ev, "login", "failure") >= 1 })
			time.Sleep(200 * time.Millisecond) // the writer is asynchronous: give a duplicate the time to land
			if ev, err := e.app.Stores.Durable.ListAudit(ctx, storage.AuditFilter{Event: "login"}); err != nil || count(ev, "login", "failure") != 1 {
				t.Fatalf("%d login failure events (%v) for one queued wrong password; want 1", count(ev, "login", "failure"), err)
			}

			// The right password behind a full budget, sent twice.
			br = e.browser()
			br.stayOnBusy = true
			release = fillHashBudget(t, e)
			ar := rp.start()
			login = br.get(ar.url)
			waitURL = busyPage(t, br.submitLogin(login, email, "demo-password-1"))
			if second := busyPage(t, br.submitLogin(login, email, "demo-password-1")); second != waitURL {
				t.Fatalf("a second POST of the form got ticket %s; want the first one's %s", second, waitURL)
			}
			release()
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				if p = br.get(e.abs(waitURL)); p.status != http.StatusAccepted || time.Now().After(deadline) {
					break
				}
			}
			cb := br.callback(br.consent(p, "allow"), ar)
			if _, err := rp.exchange(cb.Query().Get("code"), ar); err != nil {
				t.Fatalf("exchange: %v", err)
			}
			// The flow is over: the used ticket gets "this sign-in link has
			// expired", not a second code.
			if again := br.get(e.abs(waitURL)); again.location != nil || again.status != http.StatusBadRequest {
				t.Fatalf("a used ticket after success: %d %.300s; want 400 and no second sign-in", again.status, again.body)
			}
			sessions, err := e.app.Stores.Durable.ListUserSessions(ctx, u.ID, storage.PageRequest{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(sessions.Items) != 1 {
				t.Fatalf("%d sessions after one queued sign-in; want 1", len(sessions.Items))
			}
			auditEvents(t, e, storage.AuditFilter{UserID: u.ID, Event: "login"}, func(ev []storage.AuditEvent) bool {
				return count(ev, "login", "success") >= 1
			})
			time.Sleep(200 * time.Millisecond) // the writer is asynchronous: give a duplicate the time to land
			events, err := e.app.Stores.Durable.ListAudit(ctx, storage.AuditFilter{UserID: u.ID, Event: "login"})
			if err != nil {
				t.Fatal(err)
			}
			if n := count(events, "login", "success"); n != 1 {
				t.Fatalf("%d login success events; want 1", n)
			}
			if got := lockoutCount(t, e, email); got != 0 {
				t.Fatalf("lockout count %d after the successful sign-in; want 0 (reset)", got)
			}
		})
	}
}

// TestSurgeShedPastBound: a sign-in still in line after hash_queue_wait is
// shed: 503 with Retry-After and the form again with the e-mail kept,
// nothing counted against the account, and the shed shows in /metrics.
func TestSurgeShedPastBound(t *testing.T) {
	e := newEnvWith(t, memoryBackend, envOptions{configure: func(c *app.Config) { c.Hash.QueueWait = 1500 * time.Millisecond }})
	const email = "demo@example.com"
	rp := e.rp("demo-app", "demo-secret")
	br := e.browser()
	br.stayOnBusy = true
	release := fillHashBudget(t, e)
	defer release()
	waitURL := busyPage(t, br.submitLogin(br.get(rp.start().url), email, "demo-password-1"))
	metrics := func() string {
		resp, err := http.Get(e.abs("/metrics"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return string(raw)
	}
	if m := metrics(); !strings.Contains(m, "admit_hash_queue_length 1\n") {
		t.Fatalf("metrics while one sign-in waits: want admit_hash_queue_length 1 in\n%s", grepLines(m, "admit_hash_"))
	}
	var p page
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if p = br.get(e.abs(waitURL)); p.status != http.StatusAccepted || time.Now().After(deadline) {
			break
		}
	}
	if p.status != http.StatusServiceUnavailable || p.header.Get("Retry-After") == "" {
		t.Fatalf("past the bound: %d Retry-After %q; want 503 with Retry-After", p.status, p.header.Get("Retry-After"))
	}
	if p.testid("login-form").Length() == 0 || p.hidden("email") != email && !strings.Contains(p.body, `value="`+email+`"`) {
		t.Fatalf("past the bound: want the form with the e-mail kept, got %.500s", p.body)
	}
	if !strings.Contains(p.body, "could not check your password in time") || strings.Contains(p.body, "demo-password-1") {
		t.Fatalf("past the bound: want the friendly message and no password, got %.500s", p.body)
	}
	if got := lockoutCount(t, e, email); got != 0 {
		t.Fatalf("lockout count %d after a shed sign-in; want 0", got)
	}
	m := metrics()
	for _, want := range []string{"admit_hash_shed_total 1\n", "admit_hash_queue_length 0\n", "admit_hash_queue_wait_seconds_count", "admit_hash_concurrency "} {
		if !strings.Contains(m, want) {
			t.Fatalf("metrics: want %q in\n%s", want, grepLines(m, "admit_hash_"))
		}
	}
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestSurgeOtherHashesShareTheBudget: the account area's password re-entry
// and a sign-up hash within the same budget as the sign-in; when it stays
// full past hash_queue_wait they answer 503 with Retry-After (a service
// page, not "wrong password", nothing counted), and work again once it
// frees.
func TestSurgeOtherHashesShareTheBudget(t *testing.T) {
	e := newAccountsEnv(t, memoryBackend, nil, func(c *app.Config) { c.Hash.QueueWait = 300 * time.Millisecond })
	br, p := e.signIn(app.DemoUserEmail, app.DemoUserPassword)
	csrf := p.hidden("csrf_token")
	release := fillHashBudget(t, e)
	p = br.post("/account/password", url.Values{"csrf_token": {csrf}, "current_password": {"wrong"}, "new_password": {newUserPassword}})
	if p.status != http.StatusServiceUnavailable || p.header.Get("Retry-After") == "" {
		t.Fatalf("re-entered password with the budget full: %d Retry-After %q; want 503 with Retry-After", p.status, p.header.Get("Retry-After"))
	}
	other := e.browser()
	if p := other.signUp(other.get(e.rp(app.DemoClientID, app.DemoClientSecret).start().url), signupFields("surge-new@example.com", newUserPassword)); p.status != http.StatusServiceUnavailable {
		t.Fatalf("sign-up with the budget full: %d; want 503", p.status)
	}
	release()
	if p := br.post("/account/password", url.Values{"csrf_token": {csrf}, "current_password": {"wrong"}, "new_password": {newUserPassword}}); p.status != http.StatusUnauthorized {
		t.Fatalf("re-entered wrong password with a free budget: %d; want 401", p.status)
	}
	if s := e.app.Hasher.Budget().Stats(); s.Shed < 2 {
		t.Fatalf("budget stats %+v; want the two refused hashes shed", s)
	}
}

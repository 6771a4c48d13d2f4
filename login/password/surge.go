package password

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/a-h/templ"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
	"github.com/admit-idp/admit/templates/i18n"
)

// A login surge (an on-sale: thousands sign in within minutes) brings more
// password POSTs than the hash budget can verify at once. The POST does not
// hold the browser while it waits in line: it parks the attempt under a
// one-time ticket and answers 303 to GET /login/password/wait, a calm
// "you're in line" page that comes back by itself (the Refresh header,
// which is the HTTP form of <meta http-equiv=refresh>: no script, so it
// works under the strict CSP and without JavaScript) until the ticket is
// done, then finishes the sign-in in that request.
//
//   - The password stays in this process's memory until its one hash has
//     run; it is never written to a page, a cookie or a store.
//   - The attempt keeps its place in the FIFO queue of the budget; a ticket
//     still waiting past the budget's maximum wait is shed (ErrBusy), and
//     the page then answers 503 with Retry-After and the form with the
//     e-mail kept.
//   - Idempotent: the defences (rate limits) run once, when the attempt is
//     parked; its outcome (a failure counted for lockout, the session) is
//     taken once, by whichever request claims the ticket first. A second
//     POST of the same flow while a ticket is pending joins it instead of
//     hashing again.
//   - A ticket is bound to its flow and to the browser's CSRF cookie, and
//     lives in the memory of the node that parked it: behind a load
//     balancer, route /login/ with session affinity, or the poll reaching
//     another node shows the form again (e-mail kept, nothing counted).

// DefaultInlineWait is how long a password POST waits for its verification
// before it answers with the busy page.
const DefaultInlineWait = time.Second

// ticketTTL is how long a finished ticket waits to be claimed.
const ticketTTL = 2 * time.Minute

// WaitPath is the busy page's path under /login.
const WaitPath = "/password/wait"

type ticket struct {
	id, flowID string
	csrf       [32]byte // SHA-256 of the CSRF token it is bound to
	email      string
	done       chan struct{}
	finished   time.Time
	// user and err are the outcome, set before done is closed.
	user storage.User
	err  error
}

// tickets are the parked attempts of one Method.
type tickets struct {
	mu     sync.Mutex
	byID   map[string]*ticket
	byFlow map[string]*ticket
	// finished holds the tickets in the order they finished, so join
	// forgets the unclaimed expired ones from its front instead of scanning
	// every parked attempt on each password POST.
	finished []*ticket
}

type claim int

const (
	claimUnknown claim = iota // no such ticket here (used, expired, other node, other browser)
	claimPending              // still in line
	claimDone                 // finished, and now the caller's alone
)

// join returns the flow's pending ticket (existing true), or a new one.
func (ts *tickets) join(flowID, csrf, email string, now time.Time) (t *ticket, existing bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.byID == nil {
		ts.byID, ts.byFlow = map[string]*ticket{}, map[string]*ticket{}
	}
	for len(ts.finished) > 0 && now.Sub(ts.finished[0].finished) > ticketTTL {
		ts.remove(ts.finished[0].id) // a no-op for a claimed or dropped one
		ts.finished[0] = nil
		ts.finished = ts.finished[1:]
	}
	if t := ts.byFlow[flowID]; t != nil && subtle.ConstantTimeCompare(t.csrf[:], hashCSRF(csrf)) == 1 {
		return t, true
	}
	t = &ticket{id: rand.Text(), flowID: flowID, email: email, done: make(chan struct{})}
	copy(t.csrf[:], hashCSRF(csrf))
	ts.byID[t.id], ts.byFlow[flowID] = t, t
	return t, false
}

func (ts *tickets) finish(t *ticket, u storage.User, err error, now time.Time) {
	ts.mu.Lock()
	t.user, t.err, t.finished = u, err, now
	ts.finished = append(ts.finished, t)
	ts.mu.Unlock()
	close(t.done)
}

// claim looks a ticket up for its flow and browser; a finished one is
// removed, so exactly one request acts on its outcome.
func (ts *tickets) claim(id, flowID, csrf string) (*ticket, claim) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t := ts.byID[id]
	if t == nil || t.flowID != flowID || subtle.ConstantTimeCompare(t.csrf[:], hashCSRF(csrf)) != 1 {
		return nil, claimUnknown
	}
	select {
	case <-t.done:
		ts.remove(id)
		return t, claimDone
	default:
		return t, claimPending
	}
}

// drop forgets a ticket (a refused or abandoned attempt).
func (ts *tickets) drop(t *ticket) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.remove(t.id)
}

func (ts *tickets) remove(id string) {
	t := ts.byID[id]
	if t == nil {
		return
	}
	delete(ts.byID, id)
	if ts.byFlow[t.flowID] == t {
		delete(ts.byFlow, t.flowID)
	}
}

func hashCSRF(tok string) []byte {
	s := sha256.Sum256([]byte(tok))
	return s[:]
}

// submit verifies a password POST: it parks the attempt and waits for it
// up to the inline wait, then sends the browser to the busy page.
func (m *Method) submit(w http.ResponseWriter, r *http.Request) {
	f, ok := m.Engine.LoadFlow(w, r)
	if !ok {
		return
	}
	email, pw := NormaliseEmail(r.PostFormValue("email")), r.PostFormValue("password")
	if email == "" || pw == "" {
		m.Engine.RenderLogin(w, r, f, http.StatusBadRequest, email, msgMissing)
		return
	}
	csrf := m.Engine.Cookies.CSRFCookie(r)
	t, existing := m.tickets.join(f.ID, csrf, email, m.Now())
	if existing {
		// A second submission while the first is in line: it joins the
		// first rather than hashing and counting again.
		m.redirectToWait(w, r, t, 0)
		return
	}
	if !m.Engine.Guard(w, r, f, login.Attempt{Action: "login", Identifier: email, Lockable: true}) {
		m.tickets.drop(t)
		return
	}
	// The attempt outlives this request if it has to wait in line (its
	// queue wait is bounded by the budget), but not a browser that leaves
	// before it was parked.
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	go func() {
		defer cancel()
		u, err := m.authenticate(ctx, f.TenantID, email, pw)
		m.tickets.finish(t, u, err, m.Now())
	}()
	inline := m.InlineWait
	if inline <= 0 {
		inline = DefaultInlineWait
	}
	timer := time.NewTimer(inline)
	defer timer.Stop()
	select {
	case <-t.done:
		if _, c := m.tickets.claim(t.id, f.ID, csrf); c == claimDone {
			m.conclude(w, r, f, t)
		}
	case <-r.Context().Done():
		cancel()
		m.tickets.drop(t)
	case <-timer.C:
		// In line: keep what Guard noted in the flow for the request that
		// will conclude it.
		if err := m.Engine.SaveFlow(r.Context(), f); err != nil {
			cancel()
			m.tickets.drop(t)
			m.Engine.Unavailable(w, r, err)
			return
		}
		m.redirectToWait(w, r, t, 0)
	}
}

// wait is GET /login/password/wait: the busy page, or the end of the
// sign-in once the ticket is done.
func (m *Method) wait(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	flowID := q.Get("flow")
	n, _ := strconv.Atoi(q.Get("n"))
	t, c := m.tickets.claim(q.Get("ticket"), flowID, m.Engine.Cookies.CSRFCookie(r))
	switch c {
	case claimPending:
		// The page comes back by itself, a little later each time (2 s,
		// then up to 5 s): HTML's "Refresh" header, the HTTP form of
		// <meta http-equiv=refresh> (HTML Living Standard §7.11.1 "shared
		// declarative refresh steps").
		n = min(max(n, 0)+1, 100)
		w.Header().Set("Refresh", strconv.Itoa(min(n+1, 5))+"; url="+m.waitURL(t, n))
		w.Header().Set("Cache-Control", "no-store")
		login.Render(w, r, http.StatusAccepted, templates.BusyPage(templates.BusyView{
			RetryURL: templ.SafeURL(m.waitURL(t, n)),
		}))
	case claimDone:
		f, ok := m.Engine.ResumeFlow(w, r, flowID)
		if !ok {
			return
		}
		m.conclude(w, r, f, t)
	default:
		// Already concluded (a second tab, a reload), expired, or parked on
		// another node: nothing was counted here; ask again.
		f, ok := m.Engine.ResumeFlow(w, r, flowID)
		if !ok {
			return
		}
		m.Engine.RenderLogin(w, r, f, http.StatusOK, "", i18n.T(r.Context(), "busy.lost"))
	}
}

// conclude acts on a ticket's outcome, once.
func (m *Method) conclude(w http.ResponseWriter, r *http.Request, f *login.Flow, t *ticket) {
	u, err := t.user, t.err
	var refused string // the gate's reason, asked once
	if err == nil && m.Gate != nil {
		refused = m.Gate(f, u)
	}
	switch {
	case errors.Is(err, ErrBusy):
		// Shed past the bound: nothing was verified, so nothing counts.
		// RFC 9110 §15.6.4 (503) and §10.2.3 (Retry-After).
		w.Header().Set("Retry-After", "5")
		m.Engine.RenderLogin(w, r, f, http.StatusServiceUnavailable, t.email, i18n.T(r.Context(), "busy.shed"))
	case errors.Is(err, ErrMismatch):
		if m.Engine.Fail(w, r, f, "password", "bad_credentials") {
			m.Engine.RenderLogin(w, r, f, http.StatusUnauthorized, t.email, msgWrong)
		}
	case err != nil:
		m.Engine.Unavailable(w, r, err)
	case refused != "":
		m.Engine.RenderLogin(w, r, f, http.StatusForbidden, t.email, refused)
	default:
		f.User = u
		m.Engine.Succeed(w, r, f, "password", u.ID, "pwd")
	}
}

func (m *Method) redirectToWait(w http.ResponseWriter, r *http.Request, t *ticket, n int) {
	// 303: the browser GETs the busy page, so a reload never re-posts.
	http.Redirect(w, r, m.waitURL(t, n), http.StatusSeeOther)
}

func (m *Method) waitURL(t *ticket, n int) string {
	return "/login" + WaitPath + "?" + url.Values{"flow": {t.flowID}, "ticket": {t.id}, "n": {strconv.Itoa(n)}}.Encode()
}

package app_test

import (
	"encoding/binary"
	"io"
	"net"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/cmd/admit/app"
)

// pgCounter is a TCP proxy in front of Postgres that reads the frontend
// side of the wire protocol (PostgreSQL docs, "Frontend/Backend Protocol",
// 55.7 Message Formats) and counts the statements Admit executes: each
// simple Query ('Q') and each extended-protocol Execute ('E'), the latter
// named by the SQL of the statement its Bind ('B') refers to. Syncs ('S')
// count round trips of the extended protocol. Nothing is changed on the
// way; the proxy only reads.
type pgCounter struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	stmts map[string]int // SQL → executions since reset
	syncs int
}

func newPGCounter(t testing.TB, target string) *pgCounter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &pgCounter{ln: ln, target: target, stmts: map[string]int{}}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go c.serve(conn)
		}
	}()
	return c
}

// proxied returns dbURL pointed at the proxy.
func (c *pgCounter) proxied(t testing.TB, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	c.target = u.Host
	c.mu.Unlock()
	u.Host = c.ln.Addr().String()
	q := u.Query()
	q.Set("sslmode", "disable") // the proxy reads plaintext
	u.RawQuery = q.Encode()
	return u.String()
}

func (c *pgCounter) serve(client net.Conn) {
	defer client.Close()
	c.mu.Lock()
	target := c.target
	c.mu.Unlock()
	server, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer server.Close()
	go func() { _, _ = io.Copy(client, server); _ = client.Close() }()
	// Untyped messages first: SSL/GSS requests, then the startup message.
	for {
		var hdr [8]byte
		if _, err := io.ReadFull(client, hdr[:]); err != nil {
			return
		}
		n := binary.BigEndian.Uint32(hdr[:4])
		rest := make([]byte, n-8)
		if _, err := io.ReadFull(client, rest); err != nil {
			return
		}
		if _, err := server.Write(append(hdr[:], rest...)); err != nil {
			return
		}
		code := binary.BigEndian.Uint32(hdr[4:])
		if code != 80877103 && code != 80877104 { // SSLRequest, GSSENCRequest
			break
		}
	}
	prepared := map[string]string{} // statement name → SQL
	var bound string
	for {
		var hdr [5]byte
		if _, err := io.ReadFull(client, hdr[:]); err != nil {
			return
		}
		n := binary.BigEndian.Uint32(hdr[1:])
		body := make([]byte, n-4)
		if _, err := io.ReadFull(client, body); err != nil {
			return
		}
		switch hdr[0] {
		case 'Q':
			c.count(cstring(body))
		case 'P': // name, query
			name := cstring(body)
			prepared[name] = cstring(body[len(name)+1:])
		case 'B': // portal, statement
			portal := cstring(body)
			bound = prepared[cstring(body[len(portal)+1:])]
		case 'E':
			c.count(bound)
		case 'S':
			c.mu.Lock()
			c.syncs++
			c.mu.Unlock()
		}
		if _, err := server.Write(append(hdr[:], body...)); err != nil {
			return
		}
	}
}

func cstring(b []byte) string {
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		return string(b[:i])
	}
	return string(b)
}

func (c *pgCounter) count(sql string) {
	c.mu.Lock()
	c.stmts[strings.Join(strings.Fields(sql), " ")]++
	c.mu.Unlock()
}

// auditCopy is how the audit writer's COPY begins (storage/postgres).
const auditCopy = `copy "audit_log"`

// executions is how many statements since reset began with prefix.
func (c *pgCounter) executions(prefix string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for sql, k := range c.stmts {
		if strings.HasPrefix(sql, prefix) {
			n += k
		}
	}
	return n
}

// reset starts a new count.
func (c *pgCounter) reset() {
	c.mu.Lock()
	c.stmts, c.syncs = map[string]int{}, 0
	c.mu.Unlock()
}

// total is the statements executed since reset, and a census of them.
func (c *pgCounter) total() (int, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	var lines []string
	for sql, k := range c.stmts {
		n += k
		if len(sql) > 150 {
			sql = sql[:60] + " … " + sql[len(sql)-90:]
		}
		lines = append(lines, "  "+string(rune('0'+k))+"× "+sql)
	}
	sort.Strings(lines)
	return n, strings.Join(lines, "\n")
}

// maxStatementsPerLogin bounds the Postgres statements of one full password
// login (authorize → login page → password → callback → code exchange) of
// a first-party client on a warm node. Raise it only knowingly: issue 20
// keeps logins at the argon2id limit.
//
// 5 are the login's own: user by e-mail, TOTP check, session insert,
// device insert, audit batch (the code exchange reads its user with grants
// through the node's row cache: op.primeGrantUser). The signed events
// (issue 19) add 5 more, because "session started" must commit with the
// session: begin, the outbox's dispatch lock, the outbox insert, commit,
// and the session → client record (back-channel logout). The event's
// tenant is read by the outbox insert itself (it was one more statement, a
// read of the user, before the event).
const maxStatementsPerLogin = 10

// TestPasswordLoginStatementCount counts the Postgres statements of a full
// password login, as BenchmarkPasswordLogin runs it, and fails above the
// bound.
func TestPasswordLoginStatementCount(t *testing.T) {
	var pc *pgCounter
	e := newEnvWith(t, postgresBackend, envOptions{configure: func(c *app.Config) {
		pc = newPGCounter(t, "")
		c.DatabaseURL = pc.proxied(t, c.DatabaseURL)
	}})
	c, err := e.app.Stores.Durable.GetClient(t.Context(), app.DemoClientID)
	if err != nil {
		t.Fatal(err)
	}
	_ = e.app.Stores.Durable.DeleteClient(t.Context(), c.ID)
	c.FirstParty = true
	if err := e.app.Stores.Durable.CreateClient(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	login := func() {
		ar := r.start()
		cb := e.browser().login(ar, app.DemoUserEmail, app.DemoUserPassword)
		if _, err := r.oauth.Exchange(t.Context(), cb.Query().Get("code"), oauth2.VerifierOption(ar.verifier)); err != nil {
			t.Fatal(err)
		}
	}
	login() // warms the node's row cache, as on a running server
	// The audit writer (storage/audit) stores its queue every 200 ms, one
	// COPY per batch: let the first login's batch go before counting, and
	// the counted login's batch land in the count.
	time.Sleep(400 * time.Millisecond)
	pc.reset()
	login()
	time.Sleep(400 * time.Millisecond)
	n, census := pc.total()
	// The audit writer flushes on a 200 ms timer, not per request: the
	// login's rows land in one COPY or, when the timer fires mid-login,
	// two. They are one batch of the login's; count it once.
	if k := pc.executions(auditCopy); k > 1 {
		n -= k - 1
	}
	t.Logf("%d statements per login (%d syncs; audit batch counted once):\n%s", n, pc.syncs, census)
	if n > maxStatementsPerLogin {
		t.Errorf("%d Postgres statements per password login, want ≤ %d", n, maxStatementsPerLogin)
	}
	if n == 0 {
		t.Error("no statements counted: is the proxy in the path?")
	}
}

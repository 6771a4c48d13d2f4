package pgtest

import (
	"bytes"
	"net"
	"net/url"
	"sync"
	"testing"
)

// Proxy is a TCP proxy between a test's client and its PostgreSQL server
// that can misbehave the way a network or a frozen server does:
//
//   - Stall stops forwarding in both directions (bytes are held, nothing is
//     closed), as a SIGSTOPped server or a blackholed route does; Resume
//     forwards again.
//   - Drop closes every open connection, as a restart or a reset does.
//   - LoseReplyAfter lets one statement reach the server (so it commits)
//     and swallows its answer: the client sees the reply never arrive.
//     DropReplyAfter closes the connection when that answer arrives: the
//     client sees the connection reset after the server committed.
type Proxy struct {
	t      testing.TB
	ln     net.Listener
	target string

	mu      sync.Mutex
	cond    *sync.Cond
	stalled bool
	conns   map[net.Conn]struct{}
	// loseAfter is the SQL fragment LoseReplyAfter and DropReplyAfter
	// watch for; drop tells them apart.
	loseAfter []byte
	drop      bool
}

// NewProxy listens on a loopback port and forwards to the server of
// databaseURL. It returns the proxy and databaseURL pointing at the proxy,
// with sslmode=disable so that LoseReplyAfter can read the protocol.
// Cleanup closes everything.
func NewProxy(t testing.TB, databaseURL string) (*Proxy, string) {
	t.Helper()
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatalf("pgtest: proxy: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pgtest: proxy: %v", err)
	}
	p := &Proxy{t: t, ln: ln, target: u.Host, conns: map[net.Conn]struct{}{}}
	p.cond = sync.NewCond(&p.mu)
	go p.accept()
	t.Cleanup(p.close)
	u.Host = ln.Addr().String()
	q := u.Query()
	q.Set("sslmode", "disable")
	u.RawQuery = q.Encode()
	return p, u.String()
}

// Stall holds every byte in both directions until Resume.
func (p *Proxy) Stall() { p.setStalled(true) }

// Resume forwards held and new bytes again.
func (p *Proxy) Resume() { p.setStalled(false) }

func (p *Proxy) setStalled(v bool) {
	p.mu.Lock()
	p.stalled = v
	p.mu.Unlock()
	p.cond.Broadcast()
}

// Drop closes every open connection; new ones are still accepted.
func (p *Proxy) Drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		_ = c.Close()
	}
}

// LoseReplyAfter arms the proxy once: on the connection where a statement
// containing sqlFragment is next prepared (pgx's statement cache sends its
// text in a Parse message), the following execution (Bind) is forwarded
// to the server, and from then on that connection's replies are swallowed.
// The statement runs and commits; the client waits for an answer that never
// comes until its deadline closes the connection. The statement must not
// have been prepared on any pooled connection before.
func (p *Proxy) LoseReplyAfter(sqlFragment string) { p.arm(sqlFragment, false) }

// DropReplyAfter is LoseReplyAfter that closes the connection (both sides)
// as soon as the server's answer to the statement arrives, so the statement
// has certainly run and committed, and the client's read fails at once.
func (p *Proxy) DropReplyAfter(sqlFragment string) { p.arm(sqlFragment, true) }

func (p *Proxy) arm(sqlFragment string, drop bool) {
	p.mu.Lock()
	p.loseAfter, p.drop = []byte(sqlFragment), drop
	p.mu.Unlock()
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.serve(c)
	}
}

func (p *Proxy) serve(client net.Conn) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = client.Close()
		return
	}
	if !p.track(client, server) {
		return
	}
	pc := &proxyConn{}
	go p.pipe(server, client, pc.toServer)
	p.pipe(client, server, pc.toClient)
}

// track registers both ends, or closes them if the proxy is closed.
func (p *Proxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		for _, c := range conns {
			_ = c.Close()
		}
		return false
	}
	for _, c := range conns {
		p.conns[c] = struct{}{}
	}
	return true
}

// proxyConn is the LoseReplyAfter state of one proxied connection.
type proxyConn struct {
	mu       sync.Mutex
	prepared bool // the watched statement was just prepared here
	losing   bool // replies are swallowed
	drop     bool // ... and the connection closed when one arrives
}

// verdict is what pipe does with a chunk.
type verdict int

const (
	forward verdict = iota
	swallow
	hangUp
)

// toServer inspects a client chunk; it is always forwarded.
func (pc *proxyConn) toServer(p *Proxy, chunk []byte) verdict {
	p.mu.Lock()
	watch, drop := p.loseAfter, p.drop
	p.mu.Unlock()
	pc.mu.Lock()
	defer pc.mu.Unlock()
	switch {
	case watch != nil && len(chunk) > 0 && chunk[0] == 'P' && bytes.Contains(chunk, watch):
		pc.prepared = true
	case pc.prepared && len(chunk) > 0 && chunk[0] == 'B':
		pc.prepared, pc.losing, pc.drop = false, true, drop
		p.mu.Lock()
		p.loseAfter = nil
		p.mu.Unlock()
	}
	return forward
}

// toClient decides about a server chunk.
func (pc *proxyConn) toClient(*Proxy, []byte) verdict {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	switch {
	case pc.losing && pc.drop:
		return hangUp
	case pc.losing:
		return swallow
	}
	return forward
}

// pipe copies src to dst, holding while stalled, until either side closes;
// then it closes both.
func (p *Proxy) pipe(dst, src net.Conn, decide func(*Proxy, []byte) verdict) {
	defer p.forget(dst, src)
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.waitOpen()
			switch decide(p, buf[:n]) {
			case hangUp:
				return
			case forward:
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *Proxy) waitOpen() {
	p.mu.Lock()
	for p.stalled {
		p.cond.Wait()
	}
	p.mu.Unlock()
}

func (p *Proxy) forget(conns ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
		delete(p.conns, c)
	}
}

func (p *Proxy) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
	p.stalled = false
	p.mu.Unlock()
	p.cond.Broadcast()
}

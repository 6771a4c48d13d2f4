package postgres

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/admit-idp/admit/storage"
)

// The pool is split in two (issue 20: protocol endpoints must not be
// starved by a login surge). ReserveFor(size) connections are kept for the
// calls whose context carries storage.WithReserve (token, userinfo,
// introspection, revocation); every other call first takes a slot of the
// shared part, so login pages, /authorize, the account area and background
// workers together hold at most size − reserve connections. A surge then
// queues in the shared part, and a protocol call finds a connection at once.
// Nothing is lent back and forth: a reserved connection may sit idle during
// a surge, which is the price of never waiting behind one.

// DefaultMaxConns is the pool size when the URL sets no pool_max_conns:
// twice GOMAXPROCS, at least 8. pgxpool's own default (GOMAXPROCS, at least
// 4) leaves a 2-core node 4 connections, which a login surge's statements
// (authorize, login page, busy-page polls, sign-in POSTs, outbox) fill,
// while most of each call's time is a network round trip, not CPU.
func DefaultMaxConns() int32 {
	return int32(max(8, 2*runtime.GOMAXPROCS(0)))
}

// ReserveFor is how many of a pool of size connections are kept for
// protocol calls: a quarter, at least one, and none for a pool of one
// (which has nothing to spare).
func ReserveFor(size int32) int32 {
	if size < 2 {
		return 0
	}
	return max(1, size/4)
}

// share bounds the connections held at once by calls without the reserve
// mark. A nil share bounds nothing.
type share struct {
	slots chan struct{}
}

// newShare returns the shared part of pool (nil without a pool).
func newShare(pool *pgxpool.Pool) *share {
	if pool == nil {
		return nil
	}
	size := pool.Config().MaxConns
	return &share{slots: make(chan struct{}, size-ReserveFor(size))}
}

func noRelease() {}

// acquire takes a slot for ctx's call, waiting at most until ctx is done
// (the call's deadline: see db.bound). Calls with the reserve mark take
// none. The release it returns gives the slot back and may be called more
// than once; it must be called when the call's connection returns to the
// pool. A wait that outlives the deadline is context.DeadlineExceeded,
// which wrap reports as storage.ErrUnavailable: the login pages show their
// retry page, as for an outage.
func (s *share) acquire(ctx context.Context) (release func(), err error) {
	if s == nil || storage.UsesReserve(ctx) {
		return noRelease, nil
	}
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for one of the %d connections not reserved for protocol calls: %w", cap(s.slots), ctx.Err())
	}
	return sync.OnceFunc(func() { <-s.slots }), nil
}

// inUse is the number of slots taken (tests).
func (s *share) inUse() int { return len(s.slots) }

// setsMaxConns reports whether the connection string chose a pool size.
func setsMaxConns(connString string) bool {
	return strings.Contains(connString, "pool_max_conns")
}

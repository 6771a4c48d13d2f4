package postgres

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/postgres/pgtest"
)

// connectSized opens a pool of size connections on a fresh database.
func connectSized(t *testing.T, size int) *pgxpool.Pool {
	t.Helper()
	u, err := url.Parse(pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("pool_max_conns", strconv.Itoa(size))
	u.RawQuery = q.Encode()
	pool, err := Connect(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// A login surge (calls without the reserve mark) that wants more
// connections than the pool has must leave the reserve free: a protocol
// call (storage.WithReserve) reaches the database at once while the surge's
// calls hold or wait for every other connection, and the surge's extra
// calls end with ErrUnavailable at their deadline, as in an outage, instead
// of taking the reserve. Without the reserve the protocol call queues
// behind the surge until its own deadline.
func TestReserveServesProtocolCallsDuringASurge(t *testing.T) {
	const size, timeout = 4, 2 * time.Second
	pool := connectSized(t, size)
	s := New(pool, nil).WithTimeout(timeout)
	share := size - int(ReserveFor(size))

	stop := make(chan struct{})
	var stopOnce sync.Once
	release := func() { stopOnce.Do(func() { close(stop) }) }
	t.Cleanup(release) // before pool.Close, which waits for the surge's connections
	results := make(chan error, size+2)
	for range size + 2 { // more surge work than the whole pool
		go func() {
			tx, err := s.pool.Begin(context.Background())
			if err != nil {
				results <- err
				return
			}
			<-stop
			results <- tx.Rollback(context.Background())
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for pool.Stat().AcquiredConns() < int32(share) {
		if time.Now().After(deadline) {
			t.Fatalf("the surge holds %d connections, want %d", pool.Stat().AcquiredConns(), share)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // let the rest of the surge line up for a connection

	ctx, cancel := context.WithTimeout(storage.WithReserve(context.Background()), 10*time.Second)
	defer cancel()
	if _, err := s.GetClient(ctx, "no-such-client"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("protocol call during the surge: got %v, want ErrNotFound from the database", err)
	}

	// The surge's calls beyond its share gave up at their deadline.
	for range size + 2 - share {
		select {
		case err := <-results:
			if !errors.Is(wrap("surge", err), storage.ErrUnavailable) {
				t.Errorf("surge call beyond its share: got %v, want ErrUnavailable", err)
			}
		case <-time.After(timeout + 5*time.Second):
			t.Fatal("a surge call beyond its share still waits after its deadline")
		}
	}
	release()
	for range share {
		if err := <-results; err != nil {
			t.Errorf("surge call within its share: %v", err)
		}
	}
	if n := s.pool.shared.inUse(); n != 0 {
		t.Errorf("%d slots of the shared part still taken after the surge", n)
	}
}

// Every kind of call gives its slot of the shared part back: each runs more
// often than the shared part has slots, so a leak would make the last ones
// wait until their deadline.
func TestSharedSlotsAreGivenBack(t *testing.T) {
	const size = 2 // one shared slot: the first leak shows
	s := New(connectSized(t, size), nil).WithTimeout(500 * time.Millisecond)
	ctx := context.Background()
	errBoom := errors.New("boom")
	calls := map[string]func() error{
		"Exec":             func() error { _, err := s.pool.Exec(ctx, "SELECT 1"); return err },
		"QueryRow":         func() error { var n int; return s.pool.QueryRow(ctx, "SELECT 1").Scan(&n) },
		"QueryRow no rows": func() error { _, err := s.GetUser(ctx, "nobody"); return ignore(err, storage.ErrNotFound) },
		"Query":            func() error { _, err := s.ListClients(ctx); return err },
		"Query error":      func() error { _, err := s.pool.Query(ctx, "SELECT nonsense"); return ignore(err, nil) },
		"BeginFunc commit": func() error {
			return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { _, err := tx.Exec(ctx, "SELECT 1"); return err })
		},
		"BeginFunc rollback": func() error {
			return ignore(pgx.BeginFunc(ctx, s.pool, func(pgx.Tx) error { return errBoom }), errBoom)
		},
		"announced Exec": func() error {
			// An event, or WithEvents returns ctx as it was and this is
			// plain Exec. SELECT 1 reports a row: the event is written.
			ctx := storage.WithEvents(ctx, storage.NewEvent("t.share", "", "", nil, time.Now()))
			_, err := s.pool.Exec(ctx, "SELECT 1")
			return err
		},
		"announced Exec changing nothing": func() error {
			ctx := storage.WithEvents(ctx, storage.NewEvent("t.share", "", "", nil, time.Now()))
			_, err := s.pool.Exec(ctx, "DELETE FROM sessions WHERE id = 'nobody'")
			return err
		},
		"SweepExpired": func() error { _, err := s.SweepExpired(ctx, time.Now()); return err },
		"PruneOutbox":  func() error { _, err := s.PruneOutbox(ctx, time.Now(), time.Now()); return err },
	}
	for name, call := range calls {
		for i := range 3 {
			if err := call(); err != nil {
				t.Fatalf("%s, call %d: %v", name, i+1, err)
			}
		}
		if n := s.pool.shared.inUse(); n != 0 {
			t.Fatalf("%s keeps %d slots of the shared part", name, n)
		}
	}
}

// ignore returns nil for the error expected (any error when want is nil).
func ignore(err, want error) error {
	if err != nil && (want == nil || errors.Is(err, want)) {
		return nil
	}
	return err
}

func TestReserveFor(t *testing.T) {
	for size, want := range map[int32]int32{1: 0, 2: 1, 3: 1, 4: 1, 8: 2, 10: 2, 16: 4, 64: 16} {
		if got := ReserveFor(size); got != want {
			t.Errorf("ReserveFor(%d) = %d, want %d", size, got, want)
		}
	}
}

// Connect sizes the pool with DefaultMaxConns unless the URL chose a size.
func TestConnectPoolSize(t *testing.T) {
	base := pgtest.NewDatabase(t)
	for name, tc := range map[string]struct {
		url  string
		want int32
	}{
		"default":        {base, DefaultMaxConns()},
		"pool_max_conns": {base + "?pool_max_conns=3", 3},
	} {
		pool, err := Connect(context.Background(), tc.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := pool.Config().MaxConns; got != tc.want {
			t.Errorf("%s: pool size %d, want %d", name, got, tc.want)
		}
		pool.Close()
	}
}

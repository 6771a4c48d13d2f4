package keys_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/admit-idp/admit/storage"
)

// countingStore counts ListSigningKeys calls and can be made to fail them.
type countingStore struct {
	storage.SigningKeys
	lists atomic.Int64
	fail  atomic.Bool
}

var errDown = errors.New("store down")

func (s *countingStore) ListSigningKeys(ctx context.Context) ([]storage.SigningKey, error) {
	s.lists.Add(1)
	if s.fail.Load() {
		return nil, fmt.Errorf("list: %w", errDown)
	}
	return s.SigningKeys.ListSigningKeys(ctx)
}

// blindStore hides every key from the first ListSigningKeys call, as if
// another node created them between this node's read and its writes.
type blindStore struct {
	storage.SigningKeys
	calls atomic.Int64
}

func (s *blindStore) ListSigningKeys(ctx context.Context) ([]storage.SigningKey, error) {
	if s.calls.Add(1) == 1 {
		return nil, nil
	}
	return s.SigningKeys.ListSigningKeys(ctx)
}

// clock is a settable time source for Manager.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// gateStore blocks ListSigningKeys, once armed, until released, so a test can
// hold a reload in flight.
type gateStore struct {
	storage.SigningKeys
	armed   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func newGateStore(s storage.SigningKeys) *gateStore {
	return &gateStore{SigningKeys: s, entered: make(chan struct{}), release: make(chan struct{})}
}

func (s *gateStore) ListSigningKeys(ctx context.Context) ([]storage.SigningKey, error) {
	if s.armed.CompareAndSwap(true, false) {
		close(s.entered)
		<-s.release
	}
	return s.SigningKeys.ListSigningKeys(ctx)
}

package redis

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/admit-idp/admit/storage"
)

// Client defaults for Connect. They are tight because every caller is an HTTP
// request waiting on a sub-millisecond operation: a Redis that does not answer
// within a second is treated as down (ErrUnavailable → 503) rather than
// letting requests pile up. go-redis' own defaults (5 s timeouts, 5 dial
// attempts per connection, 3 command retries) would hold a request for up to
// a minute and a half against an unreachable host.
const (
	dialTimeout  = 2 * time.Second
	readTimeout  = time.Second
	writeTimeout = time.Second
	// One dial attempt per connection; the single command retry below already
	// covers a dial that fails once.
	dialerRetries = 1
	// One retry re-sends a command that met a connection Redis had closed
	// (restart, idle timeout); more only delays the 503 when Redis is down.
	maxRetries = 1
)

// reclaimSlack is added to every native TTL so Redis never drops a record
// before the injected clock considers it expired (clocks of application
// servers and Redis may disagree slightly).
const reclaimSlack = time.Minute

// Key kinds; see doc.go for the layout.
const (
	kindAuthRequest = "authreq:"
	kindCode        = "code:"
	kindFlow        = "flow:"
	kindRevoked     = "revoked:"
)

var _ storage.Ephemeral = (*Store)(nil)

// Store implements storage.Ephemeral on Redis. It is safe for concurrent use
// and any number of Stores (in one process or many) may share one Redis and
// prefix: all coordination happens in Redis.
type Store struct {
	client  goredis.UniversalClient
	prefix  string
	now     func() time.Time
	scripts scripts
}

// New returns a Store that namespaces every key with prefix (e.g. "admit:")
// and decides expiry with now (nil means time.Now).
func New(client goredis.UniversalClient, prefix string, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{client: client, prefix: prefix, now: now, scripts: newScripts()}
}

// Connect opens a client for redisURL (redis://, rediss:// or unix://) and
// pings it. Timeouts not given in the URL default to dial 2 s, read/write
// 1 s, and commands are retried once. An unreachable server yields an error
// wrapping storage.ErrUnavailable.
func Connect(ctx context.Context, redisURL string) (goredis.UniversalClient, error) {
	opt, err := goredis.ParseURL(redisURL)
	if err != nil {
		return nil, fmt.Errorf("redis: parse url: %w", withoutURL(err))
	}
	applyDefaults(opt)
	client := goredis.NewClient(opt)
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, mapErr("connect to "+opt.Addr, err)
	}
	return client, nil
}

// withoutURL drops the URL from a *url.Error, whose message quotes the input
// verbatim, password included, and would carry it into logs.
func withoutURL(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}

// applyDefaults fills the settings the URL left unset (zero) with the values
// above; the URL (dial_timeout, read_timeout, max_retries, ...) still wins.
func applyDefaults(opt *goredis.Options) {
	opt.DialerRetries = dialerRetries // not settable by URL
	// Let a context deadline (WithDeadline's) cut a socket read or write
	// short; go-redis otherwise waits for ReadTimeout whatever the context.
	opt.ContextTimeoutEnabled = true
	if opt.MaxRetries == 0 {
		opt.MaxRetries = maxRetries
	}
	if opt.DialTimeout == 0 {
		opt.DialTimeout = dialTimeout
	}
	if opt.ReadTimeout == 0 {
		opt.ReadTimeout = readTimeout
	}
	if opt.WriteTimeout == 0 {
		opt.WriteTimeout = writeTimeout
	}
}

// Ping reports whether Redis is reachable (readiness probe).
func (s *Store) Ping(ctx context.Context) error {
	return mapErr("ping", s.client.Ping(ctx).Err())
}

// key builds "<prefix><kind><id>".
func (s *Store) key(kind, id string) string { return s.prefix + kind + id }

// ttl is the native Redis TTL for a record the store considers gone at until:
// the remaining time by the injected clock plus reclaimSlack, at least 1 s.
// It only reclaims memory; expiry itself is always decided by the clock.
func (s *Store) ttl(until time.Time) time.Duration {
	return max(until.Sub(s.now())+reclaimSlack, time.Second)
}

// expired is the single expiry rule of the store, shared with the Lua scripts
// (which compare the same microsecond values): a record is gone from its
// expiry instant on, as in storage.RefreshToken.Usable.
func expired(now, expiresAt time.Time) bool {
	return now.UnixMicro() >= expiresAt.UnixMicro()
}

// nonce identifies one call so a script re-run by go-redis' automatic retry
// (after a lost reply) recognises its own earlier write instead of reporting
// ErrAlreadyExists or ErrAlreadyUsed for it.
func nonce() string { return rand.Text() }

// mapErr wraps err with the operation and the matching sentinel:
// goredis.Nil → ErrNotFound, transport trouble → ErrUnavailable.
func mapErr(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, goredis.Nil):
		return fmt.Errorf("redis: %s: %w", op, storage.ErrNotFound)
	case isUnavailable(err):
		return fmt.Errorf("redis: %s: %w: %w", op, storage.ErrUnavailable, err)
	}
	return fmt.Errorf("redis: %s: %w", op, err)
}

// isUnavailable reports errors that mean "Redis cannot answer right now"
// (retryable) as opposed to a bad command or a cancelled caller.
func isUnavailable(err error) bool {
	var netErr net.Error
	switch {
	case errors.As(err, &netErr),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, goredis.ErrPoolTimeout),
		errors.Is(err, goredis.ErrPoolExhausted),
		errors.Is(err, goredis.ErrClosed),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF):
		return true
	}
	// Server-side states that pass on their own (startup, failover).
	return goredis.IsLoadingError(err) || goredis.IsReadOnlyError(err) ||
		goredis.IsMasterDownError(err) || goredis.IsClusterDownError(err) ||
		goredis.IsTryAgainError(err) || goredis.IsMaxClientsError(err)
}

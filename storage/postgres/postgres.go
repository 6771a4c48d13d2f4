package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/admit-idp/admit/storage"
)

// Store implements storage.Durable on a pgx connection pool. It holds no
// state of its own beyond the pool and the clock, so any number of Stores
// (and nodes) may share one database.
type Store struct {
	// pool puts a deadline on every call (see db).
	pool db
	// now decides expiry; it is passed to queries as a parameter rather than
	// using SQL now() so tests can move time.
	now func() time.Time
}

var _ storage.Durable = (*Store)(nil)

// New returns a Store on pool whose every call is bounded by
// DefaultTimeout, and which keeps ReserveFor(pool size) connections for
// calls marked storage.WithReserve (share.go). A nil now means time.Now.
// The caller keeps ownership of pool (and closes it); make one Store per
// pool (copies made with WithTimeout share its reserve).
func New(pool *pgxpool.Pool, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{pool: db{pool: pool, timeout: DefaultTimeout, shared: newShare(pool)}, now: now}
}

// WithTimeout returns a copy of s whose every call is bounded by d
// (0: only by the caller's context).
func (s *Store) WithTimeout(d time.Duration) *Store {
	c := *s
	c.pool.timeout = d
	return &c
}

// Ping reports whether the database answers; failures wrap
// storage.ErrUnavailable.
func (s *Store) Ping(ctx context.Context) error {
	return wrap("ping", s.pool.Ping(ctx))
}

// Connection defaults applied when the URL does not set them.
const (
	// defaultConnectTimeout fails fast on a blackholed host instead of
	// hanging a request until the client gives up.
	defaultConnectTimeout = 5 * time.Second
	// defaultLifetimeJitter spreads connection recycling so that a fleet
	// started together does not reconnect all at once every hour.
	defaultLifetimeJitter = 5 * time.Minute
	defaultAppName        = "admit"
)

// Connect opens a pgxpool on databaseURL with sane defaults (DefaultMaxConns
// connections and lifetimes from pgxpool, overridable with pool_* URL
// parameters; a 5 s connect timeout unless connect_timeout is given) and
// pings it. An
// unreachable database yields an error wrapping storage.ErrUnavailable, so
// a caller can retry; a malformed URL does not.
func Connect(ctx context.Context, databaseURL string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse database URL: %w", err)
	}
	applyDefaults(cfg)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: create pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w: %w", storage.ErrUnavailable, err)
	}
	return pool, nil
}

// applyDefaults fills in what the URL left unset.
func applyDefaults(cfg *pgxpool.Config) {
	if !setsMaxConns(cfg.ConnString()) {
		cfg.MaxConns = DefaultMaxConns()
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	if cfg.MaxConnLifetimeJitter == 0 {
		cfg.MaxConnLifetimeJitter = defaultLifetimeJitter
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = defaultAppName
	}
}

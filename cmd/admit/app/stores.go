package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/admit-idp/admit/keys"
	"github.com/admit-idp/admit/migrations"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/layered"
	"github.com/admit-idp/admit/storage/memory"
	"github.com/admit-idp/admit/storage/postgres"
	redisstore "github.com/admit-idp/admit/storage/redis"
)

// Stores are the opened backends.
type Stores struct {
	Durable   storage.Durable
	Ephemeral storage.Ephemeral
	Sealer    *keys.Sealer
	// MasterKey derives purpose-bound keys (HKDF) besides sealing.
	MasterKey []byte
	// Stamps are the change stamps of the users, tenants and clients op
	// caches between requests (nil in development: nothing is cached).
	// Durable restamps every write of them.
	Stamps storage.Stamps
	// Pool is the Postgres pool (nil in development), for pool metrics.
	Pool *pgxpool.Pool
	// Sweeper deletes expired sessions (announcing each: session.ended,
	// reason "expired") and refresh tokens, hourly (RunMaintenance). The
	// memory store also sweeps itself on writes.
	Sweeper interface {
		SweepExpired(ctx context.Context, before time.Time) (int64, error)
	}
	closer []func()
}

// Close releases connections.
func (s *Stores) Close() {
	for _, c := range s.closer {
		c()
	}
}

// OpenStores connects to Postgres and Redis (applying migrations when
// migrate is true) or, in development mode, creates the in-memory store with
// a throwaway master key.
func OpenStores(ctx context.Context, cfg Config, now func() time.Time, migrate bool, log *slog.Logger) (*Stores, error) {
	if cfg.DevMode() {
		return openMemory(now)
	}
	redisstore.RouteClientLogs(log) // go-redis' pool lines through slog, not bare stderr
	mk, err := keys.ParseMasterKey(cfg.MasterKey)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	sealer, err := keys.NewSealer(mk)
	if err != nil {
		return nil, err
	}
	st := &Stores{Sealer: sealer, MasterKey: mk}
	if err := st.openPostgres(ctx, cfg, now, migrate, log); err != nil {
		return nil, err
	}
	if err := st.openRedis(ctx, cfg, now, log); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

func openMemory(now func() time.Time) (*Stores, error) {
	mk, err := keys.GenerateMasterKey()
	if err != nil {
		return nil, err
	}
	sealer, err := keys.NewSealer(mk)
	if err != nil {
		return nil, err
	}
	mem := memory.New(now)
	return &Stores{Durable: mem, Ephemeral: mem, Sweeper: mem, Sealer: sealer, MasterKey: mk}, nil
}

func (s *Stores) openPostgres(ctx context.Context, cfg Config, now func() time.Time, migrate bool, log *slog.Logger) error {
	url := cfg.DatabaseURL
	if migrate {
		if err := migrations.Up(ctx, url); err != nil {
			return fmt.Errorf("postgres migrations: %w", err)
		}
		log.Info("database migrations applied")
	}
	pool, err := postgres.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("postgres (ADMIT_DATABASE_URL): %w", err)
	}
	s.Pool = pool
	pg := postgres.New(pool, now).WithTimeout(cfg.Resilience.BackendTimeout)
	s.Durable, s.Sweeper = pg, pg
	s.closer = append(s.closer, pool.Close)
	return nil
}

// openRedis opens the cache side. Revocations and sign-in locks are served
// from Redis with Postgres as their record (package layered), so a Redis
// restart loses neither; openPostgres must have run.
func (s *Stores) openRedis(ctx context.Context, cfg Config, now func() time.Time, log *slog.Logger) error {
	client, err := redisstore.Connect(ctx, cfg.RedisURL)
	if err != nil {
		return fmt.Errorf("redis (ADMIT_REDIS_URL): %w", err)
	}
	eph := layered.New(s.Durable, redisstore.New(client, cfg.RedisPrefix, now), now, log)
	s.Ephemeral, s.Stamps = eph, eph
	// Every writer (admin service, account pages, CLI) goes through Durable,
	// so every write of a cached row restamps it on every node's behalf.
	s.Durable = layered.NewStamped(s.Durable, eph, log)
	s.closer = append(s.closer, func() { _ = client.Close() })
	redisstore.WithDeadline(client, cfg.Resilience.BackendTimeout)
	return nil
}

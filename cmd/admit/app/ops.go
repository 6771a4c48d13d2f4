package app

import (
	"context"
	"io"
	"log/slog"
	"time"
)

// NewLogger builds the process logger from the configuration.
func NewLogger(w io.Writer, cfg Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// RunMaintenance prunes signing keys past their grace period, hourly, until
// ctx ends. Every node may run it: pruning is idempotent.
func (a *App) RunMaintenance(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := a.Keys.Prune(ctx); err != nil && ctx.Err() == nil {
			a.Logger.WarnContext(ctx, "pruning signing keys", "error", err)
		}
		a.pruneAudit(ctx)
		a.sweepExpired(ctx)
		a.pruneOutbox(ctx)
		a.sweepStaleDevices(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sweepExpired deletes sessions and refresh tokens past their expiry.
func (a *App) sweepExpired(ctx context.Context) {
	if a.Stores.Sweeper == nil {
		return
	}
	n, err := a.Stores.Sweeper.SweepExpired(ctx, a.Now())
	if err != nil && ctx.Err() == nil {
		a.Logger.WarnContext(ctx, "sweeping expired sessions and refresh tokens", "error", err)
		return
	}
	if n > 0 {
		a.Logger.InfoContext(ctx, "swept expired sessions and refresh tokens", "rows", n)
	}
}

// pruneOutbox applies the outbox retention (events.retention and
// events.dead_retention): old events every sink took, their deliveries and
// the old delivery log. Every node may run it: batches skip the rows
// another node is deleting.
func (a *App) pruneOutbox(ctx context.Context) {
	now, c := a.Now(), a.Config.Events
	n, err := a.Stores.Durable.PruneOutbox(ctx, now.Add(-c.retention()), now.Add(-c.deadRetention()))
	if err != nil && ctx.Err() == nil {
		a.Logger.WarnContext(ctx, "pruning the event outbox", "error", err)
		return
	}
	if n > 0 {
		a.Logger.InfoContext(ctx, "event outbox pruned", "rows", n, "retention", c.retention(), "dead_retention", c.deadRetention())
	}
}

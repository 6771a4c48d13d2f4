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
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

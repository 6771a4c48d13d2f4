package redis

import (
	"context"
	"fmt"
	"log/slog"

	goredis "github.com/redis/go-redis/v9"
)

// SetLogger routes go-redis' own messages (pool and dial trouble, which it
// otherwise prints as unstructured "redis: ... pool.go:..." lines on
// stderr) through log at WARN, so they carry the same format, level
// filtering and pipeline as everything else. go-redis has one logger per
// process; the last call wins.
func SetLogger(log *slog.Logger) {
	goredis.SetLogger(slogPrinter{log: log})
}

type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Printf(ctx context.Context, format string, v ...any) {
	p.log.WarnContext(ctx, "redis client", "message", fmt.Sprintf(format, v...))
}

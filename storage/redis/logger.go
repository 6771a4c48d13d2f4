package redis

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// RouteClientLogs sends go-redis' own diagnostics (connection-pool dial
// failures and the like), which it otherwise prints to stderr with the
// standard log package as unstructured "redis: … pool.go" lines, through
// log as WARN records, so they share the format, level and destination of
// every other line. go-redis has one logger per process (redis.SetLogger).
func RouteClientLogs(log *slog.Logger) {
	if log != nil {
		goredis.SetLogger(slogPrinter{log: log})
	}
}

// slogPrinter implements go-redis' internal.Logging interface.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Printf(ctx context.Context, format string, v ...any) {
	msg := strings.TrimPrefix(strings.TrimSpace(fmt.Sprintf(format, v...)), "redis: ")
	p.log.WarnContext(ctx, "redis client", "detail", msg)
}

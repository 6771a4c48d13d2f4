package redis

import (
	"context"
	"net"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// WithDeadline bounds every command (and pipeline, and dial) the client
// runs by d, on top of the caller's context, so a frozen Redis ends a
// request with ErrUnavailable (context.DeadlineExceeded, see mapErr) rather
// than holding it. It is one hook on the client, so every user of the client
// (the stores and the rate limiters) gets it. Connect turns on
// ContextTimeoutEnabled, without which go-redis ignores context deadlines
// on the socket. d <= 0 adds nothing.
func WithDeadline(client goredis.UniversalClient, d time.Duration) {
	if d > 0 {
		client.AddHook(deadlineHook(d))
	}
}

type deadlineHook time.Duration

func (h deadlineHook) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, time.Duration(h))
}

func (h deadlineHook) DialHook(next goredis.DialHook) goredis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		ctx, cancel := h.bound(ctx)
		defer cancel()
		return next(ctx, network, addr)
	}
}

func (h deadlineHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		ctx, cancel := h.bound(ctx)
		defer cancel()
		return next(ctx, cmd)
	}
}

func (h deadlineHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		ctx, cancel := h.bound(ctx)
		defer cancel()
		return next(ctx, cmds)
	}
}

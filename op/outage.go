package op

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/admit-idp/admit/storage"
)

type outageKey struct{}

// WithOutageFlag returns a context in which storage failures of this request
// are recorded. op rewraps some storage errors (a failed code lookup becomes
// invalid_grant), so the HTTP layer asks Outage instead of reading the error
// type, and answers 503 temporarily_unavailable: the client may retry.
func WithOutageFlag(ctx context.Context) context.Context {
	return context.WithValue(ctx, outageKey{}, new(atomic.Bool))
}

// Outage reports whether a backend was unavailable during this request.
func Outage(ctx context.Context) bool {
	f, ok := ctx.Value(outageKey{}).(*atomic.Bool)
	return ok && f.Load()
}

// noteOutage records err in ctx's flag when it is a backend outage.
func noteOutage(ctx context.Context, err error) {
	if !errors.Is(err, storage.ErrUnavailable) {
		return
	}
	if f, ok := ctx.Value(outageKey{}).(*atomic.Bool); ok {
		f.Store(true)
	}
}

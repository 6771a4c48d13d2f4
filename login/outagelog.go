package login

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// DefaultOutageSummaryEvery is OutageLog's summary interval when Every is 0.
const DefaultOutageSummaryEvery = 10 * time.Second

// OutageLog logs requests that failed because a backend was unavailable
// without flooding the log: during an outage every request fails the same
// way, and thousands of identical ERROR lines hide everything else (issue
// 13: a 13 s Postgres outage wrote about 2,500). Per kind of failure (the
// message), the first failure is logged in full; the following ones are
// only counted, and one summary line per Every says how many there were.
// An interval with no failure ends the outage, and the next failure is
// logged in full again. So an outage costs one line plus one per Every,
// and never more than one line per failed request.
//
// A request the client cancelled (context.Canceled) is not a failure of
// Admit: it is logged at DEBUG and not counted.
//
// The zero value is ready to use (slog.Default, DefaultOutageSummaryEvery).
// Summaries are flushed by real timers: they are about log volume, not
// protocol behaviour, so they do not follow an injected clock.
type OutageLog struct {
	Logger *slog.Logger
	Every  time.Duration

	mu    sync.Mutex
	kinds map[string]*outageKind
}

// outageKind is the state of one kind of failure during an outage.
type outageKind struct {
	level      slog.Level
	suppressed int
	// summary is the pending summary; nil while there is no outage.
	summary *time.Timer
}

// Failed records a request that failed with err, at level, under msg with
// attrs (request ID, path...). It reports whether the line was written
// (false: counted for the summary, or a cancelled request).
func (o *OutageLog) Failed(ctx context.Context, level slog.Level, msg string, err error, attrs ...slog.Attr) bool {
	if errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled) {
		o.logger().LogAttrs(ctx, slog.LevelDebug, msg+": the client cancelled the request",
			append(attrs, slog.Any("error", err))...)
		return false
	}
	o.mu.Lock()
	if o.kinds == nil {
		o.kinds = map[string]*outageKind{}
	}
	k := o.kinds[msg]
	if k == nil {
		k = &outageKind{}
		o.kinds[msg] = k
	}
	if k.summary != nil {
		k.suppressed++
		o.mu.Unlock()
		return false
	}
	k.level = level
	k.summary = time.AfterFunc(o.every(), func() { o.summarise(msg) })
	o.mu.Unlock()
	o.logger().LogAttrs(ctx, level, msg, append(attrs, slog.Any("error", err))...)
	return true
}

// summarise writes the count of the interval's suppressed failures and
// waits for the next interval, or ends the outage after a quiet one.
func (o *OutageLog) summarise(msg string) {
	o.mu.Lock()
	k := o.kinds[msg]
	n, level := k.suppressed, k.level
	k.suppressed = 0
	if n == 0 {
		k.summary = nil
		o.mu.Unlock()
		return
	}
	k.summary = time.AfterFunc(o.every(), func() { o.summarise(msg) })
	o.mu.Unlock()
	o.logger().LogAttrs(context.Background(), level, msg+" (repeated)",
		slog.Int("count", n), slog.Duration("within", o.every()))
}

func (o *OutageLog) every() time.Duration {
	if o.Every > 0 {
		return o.Every
	}
	return DefaultOutageSummaryEvery
}

func (o *OutageLog) logger() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.Default()
}

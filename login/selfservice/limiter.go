package selfservice

import (
	"context"
	"sync"
	"time"
)

// MemoryLimiter is a fixed-window counter per key, in process. It is the
// default until the defences' shared limiter (Redis) is wired in: with
// several nodes each counts on its own, so the effective limit is
// multiplied by the number of nodes.
type MemoryLimiter struct {
	Now func() time.Time
	mu  sync.Mutex
	win map[string]window
}

type window struct {
	start time.Time
	n     int
}

// Allow implements Limiter.
func (l *MemoryLimiter) Allow(_ context.Context, key string, limit int, d time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	if l.win == nil {
		l.win = make(map[string]window)
	}
	w := l.win[key]
	if now.Sub(w.start) >= d {
		l.sweep(now, d)
		w = window{start: now}
	}
	w.n++
	l.win[key] = w
	return w.n <= limit
}

// sweep drops finished windows so the map does not grow without bound.
func (l *MemoryLimiter) sweep(now time.Time, d time.Duration) {
	for k, w := range l.win {
		if now.Sub(w.start) >= d {
			delete(l.win, k)
		}
	}
}

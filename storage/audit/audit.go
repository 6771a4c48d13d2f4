package audit

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/admit-idp/admit/storage"
)

// Event is one audit event (alias, so callers need not import storage).
type Event = storage.AuditEvent

// Outcomes.
const (
	Success = "success"
	Failure = "failure"
	Info    = "info"
)

// Auditor records security events. Implementations must not block.
type Auditor interface {
	Record(ctx context.Context, e Event)
}

// Nop discards events (tests and tools that need no audit log).
type Nop struct{}

// Record implements Auditor.
func (Nop) Record(context.Context, Event) {}

// Request is what the HTTP layer knows about the caller.
type Request struct{ IP, UserAgent, RequestID string }

type requestKey struct{}

// WithRequest attaches the caller's request data to ctx for Record.
func WithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the data set by WithRequest.
func RequestFrom(ctx context.Context) Request {
	r, _ := ctx.Value(requestKey{}).(Request)
	return r
}

// Writer is the asynchronous Auditor (see doc.go).
type Writer struct {
	Store      storage.AuditLog
	Now        func() time.Time
	Logger     *slog.Logger
	QueueSize  int           // default 4096
	BatchSize  int           // default 256
	FlushEvery time.Duration // default 200ms
	// Dropped, when set, counts events that could not be stored (metric).
	Dropped func(n int)

	queue  chan Event
	done   chan struct{}
	once   sync.Once
	mu     sync.RWMutex // guards closed against Record racing Close
	closed bool
}

// Start launches the writing goroutine; Close stops it after a flush.
func (w *Writer) Start() {
	w.once.Do(func() {
		w.queue = make(chan Event, cmpOr(w.QueueSize, 4096))
		w.done = make(chan struct{})
		go w.run()
	})
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Record implements Auditor: it never blocks.
func (w *Writer) Record(ctx context.Context, e Event) {
	e = w.complete(ctx, e)
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed || w.queue == nil {
		w.lost(ctx, "writer closed", []Event{e})
		return
	}
	select {
	case w.queue <- e:
	default:
		w.lost(ctx, "queue full", []Event{e})
	}
}

func (w *Writer) complete(ctx context.Context, e Event) Event {
	req := RequestFrom(ctx)
	e.IP, e.UserAgent, e.RequestID = cmpOr(e.IP, req.IP), cmpOr(e.UserAgent, req.UserAgent), cmpOr(e.RequestID, req.RequestID)
	if e.ID == "" {
		e.ID = rand.Text()
	}
	if e.Time.IsZero() {
		e.Time = w.Now()
	}
	if len(e.UserAgent) > 512 {
		e.UserAgent = e.UserAgent[:512]
	}
	return e
}

// lost logs every field of events that could not be stored, and counts them.
func (w *Writer) lost(ctx context.Context, why string, events []Event) {
	if w.Dropped != nil {
		w.Dropped(len(events))
	}
	for _, e := range events {
		w.Logger.ErrorContext(ctx, "audit: event not stored", "why", why, "audit_id", e.ID, "time", e.Time,
			"event", e.Event, "outcome", e.Outcome, "reason", e.Reason, "actor", e.ActorID, "user_id", e.UserID,
			"client_id", e.ClientID, "ip", e.IP, "user_agent", e.UserAgent, "request_id", e.RequestID, "details", e.Details)
	}
}

func (w *Writer) run() {
	defer close(w.done)
	tick := time.NewTicker(cmpOr(w.FlushEvery, 200*time.Millisecond))
	defer tick.Stop()
	size := cmpOr(w.BatchSize, 256)
	batch := make([]Event, 0, size)
	for {
		select {
		case e, ok := <-w.queue:
			if !ok {
				w.flush(batch)
				return
			}
			if batch = append(batch, e); len(batch) >= size {
				batch = w.flush(batch)
			}
		case <-tick.C:
			batch = w.flush(batch)
		}
	}
}

// flush writes the batch with up to three attempts; it returns the emptied
// slice for reuse.
func (w *Writer) flush(batch []Event) []Event {
	if len(batch) == 0 {
		return batch
	}
	var err error
	for attempt := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = w.Store.AppendAudit(ctx, batch)
		cancel()
		if err == nil || !errors.Is(err, storage.ErrUnavailable) {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
	}
	if err != nil {
		w.lost(context.Background(), err.Error(), batch)
	}
	return batch[:0]
}

// Close flushes the queue and stops the writer; later Records are logged
// as lost.
func (w *Writer) Close(ctx context.Context) error {
	w.mu.Lock()
	if w.queue == nil || w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	close(w.queue)
	w.mu.Unlock()
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Prune deletes events older than retention (zero: keep forever).
func Prune(ctx context.Context, s storage.AuditLog, now time.Time, retention time.Duration) (int64, error) {
	if retention <= 0 {
		return 0, nil
	}
	return s.PruneAudit(ctx, now.Add(-retention))
}

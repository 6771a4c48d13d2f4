package events

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/admit-idp/admit/storage"
)

// Store is what the worker reads and writes.
type Store interface {
	storage.Outbox
	GetClient(ctx context.Context, id string) (storage.Client, error)
}

// Backoff is the retry schedule: attempt n (1-based) that fails is retried
// after min(Base·2^(n-1), Max); after Attempts failed attempts the delivery
// is dead (replayable through the admin API).
type Backoff struct {
	Base     time.Duration
	Max      time.Duration
	Attempts int
}

// DefaultBackoff retries for about a day: 10 s, 20 s, … capped at 1 h, 16
// attempts.
var DefaultBackoff = Backoff{Base: 10 * time.Second, Max: time.Hour, Attempts: 16}

// Delay is the wait after the n-th failed attempt.
func (b Backoff) Delay(n int) time.Duration {
	d := b.Base
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// Worker moves events from the outbox to their sinks. Every node runs one;
// they share the work through the store (a claim is exclusive and leased).
// One pass (RunOnce):
//  1. dispatch: each new event gets one delivery per sink that wants it
//     (the tenant's webhooks whose filter takes the type, NATS if
//     configured, and for session.ended the back-channel logout of each
//     client of the session);
//  2. claim the due deliveries (per user, one at a time per sink, in
//     order) and attempt them concurrently;
//  3. record each attempt: delivered, retry at now+Backoff.Delay, or dead.
type Worker struct {
	Store    Store
	Webhooks *Webhooks    // nil: no webhooks
	NATS     *NATS        // nil: no NATS
	Logout   *BackChannel // nil: no back-channel logout
	Now      func() time.Time
	Logger   *slog.Logger
	Backoff  Backoff
	// Lease is how long a claimed delivery is reserved for its attempt
	// (default: a minute); a node that dies mid-attempt hands it on then.
	Lease time.Duration
	// Batch is how many deliveries one pass claims (default 50).
	Batch int
	// Observe, if set, counts each attempt by sink kind and outcome
	// (delivered, retry, dead) for metrics.
	Observe func(kind, outcome string)
}

func (w *Worker) lease() time.Duration {
	if w.Lease > 0 {
		return w.Lease
	}
	return time.Minute
}

func (w *Worker) batch() int {
	if w.Batch > 0 {
		return w.Batch
	}
	return 50
}

func (w *Worker) backoff() Backoff {
	if w.Backoff.Attempts > 0 {
		return w.Backoff
	}
	return DefaultBackoff
}

func (w *Worker) log() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.Default()
}

// Run passes every interval until ctx ends, then waits for the attempts
// in flight.
func (w *Worker) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.log().WarnContext(ctx, "event delivery pass failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce dispatches new events and attempts the due deliveries; it
// returns how many deliveries it attempted.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	if err := w.dispatch(ctx); err != nil {
		return 0, err
	}
	claimed, err := w.Store.ClaimDeliveries(ctx, w.Now(), w.lease(), w.batch())
	if err != nil || len(claimed) == 0 {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, c := range claimed {
		wg.Go(func() { w.attempt(ctx, c) })
	}
	wg.Wait()
	return len(claimed), nil
}

// dispatch creates the deliveries of the events not dispatched yet.
func (w *Worker) dispatch(ctx context.Context) error {
	for {
		evs, err := w.Store.UndispatchedEvents(ctx, 200)
		if err != nil || len(evs) == 0 {
			return err
		}
		hooks, err := w.webhooks(ctx)
		if err != nil {
			return err
		}
		sinks := make(map[string][]string, len(evs))
		logoutClients := map[string]bool{}
		for _, e := range evs {
			var names []string
			for _, h := range hooks {
				// A webhook gets the events of changes made after it was
				// registered, not an older backlog still undispatched.
				if (e.TenantID == "" || h.TenantID == e.TenantID) && h.Wants(e.Type) && !h.CreatedAt.After(e.Time) {
					names = append(names, WebhookSink(h.ID))
				}
			}
			if w.NATS != nil {
				names = append(names, natsSink)
			}
			if w.Logout != nil {
				bcl, err := w.Logout.wantsLogout(ctx, e, logoutClients)
				if err != nil {
					return err
				}
				names = append(names, bcl...)
			}
			sinks[e.ID] = names
		}
		if err := w.Store.DispatchEvents(ctx, sinks, w.Now()); err != nil {
			return err
		}
		if len(evs) < 200 {
			return nil
		}
	}
}

func (w *Worker) webhooks(ctx context.Context) ([]storage.Webhook, error) {
	if w.Webhooks == nil {
		return nil, nil
	}
	return w.Store.ListWebhooks(ctx, "")
}

// attempt delivers one claimed delivery and records the outcome.
func (w *Worker) attempt(ctx context.Context, c storage.Claimed) {
	start := time.Now()
	status, err := w.deliver(ctx, c)
	a := storage.DeliveryAttempt{
		EventID: c.Delivery.EventID, Sink: c.Delivery.Sink, Attempt: c.Delivery.Attempts + 1,
		At: w.Now(), Status: status, Latency: time.Since(start),
	}
	state, retryAt, outcome := storage.DeliveryDelivered, time.Time{}, "delivered"
	if err != nil {
		a.Error = truncate(err.Error(), 500)
		b := w.backoff()
		switch {
		case errors.Is(err, errPermanent) || a.Attempt >= b.Attempts:
			state, outcome = storage.DeliveryDead, "dead"
		default:
			state, outcome = storage.DeliveryPending, "retry"
			retryAt = a.At.Add(b.Delay(a.Attempt))
		}
	}
	kind := sinkKind(c.Delivery.Sink)
	if w.Observe != nil {
		w.Observe(kind, outcome)
	}
	attrs := []any{"event_id", c.Event.ID, "type", c.Event.Type, "sink", c.Delivery.Sink, "attempt", a.Attempt,
		"status", status, "latency", a.Latency}
	switch outcome {
	case "dead":
		w.log().WarnContext(ctx, "event delivery failed for good (dead; replay through the admin API)", append(attrs, "error", a.Error)...)
	case "retry":
		w.log().InfoContext(ctx, "event delivery failed, will retry", append(attrs, "error", a.Error, "retry_at", retryAt)...)
	default:
		w.log().DebugContext(ctx, "event delivered", attrs...)
	}
	// Record even if ctx ended (shutdown): the attempt happened.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := w.Store.FinishDelivery(rctx, a, state, retryAt); err != nil {
		w.log().WarnContext(ctx, "recording an event delivery", "event_id", c.Event.ID, "sink", c.Delivery.Sink, "error", err)
	}
}

func (w *Worker) deliver(ctx context.Context, c storage.Claimed) (int, error) {
	sink := c.Delivery.Sink
	switch {
	case strings.HasPrefix(sink, webhookPrefix) && w.Webhooks != nil:
		return w.Webhooks.deliver(ctx, c, strings.TrimPrefix(sink, webhookPrefix))
	case strings.HasPrefix(sink, logoutPrefix) && w.Logout != nil:
		return w.Logout.deliver(ctx, c, strings.TrimPrefix(sink, logoutPrefix))
	case sink == natsSink && w.NATS != nil:
		return w.NATS.deliver(ctx, c)
	}
	// The sink was configured when the event was dispatched but is not on
	// this node: retry (another node or a restart may have it).
	return 0, errors.New("events: sink " + sink + " is not configured on this node")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

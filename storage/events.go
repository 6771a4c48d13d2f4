package storage

import (
	"context"
	"encoding/json"
	"sync"
	"time"
)

// Event is one entry of the event outbox: something other services care
// about (docs/events.md lists the types and their payloads). It is written
// in the same transaction as the change that causes it (see WithEvents), so
// a committed change is always announced and a rolled-back one never is.
type Event struct {
	ID   string // random, unique; the webhook-id and Nats-Msg-Id of every delivery
	Seq  int64  // assigned by the store: increasing in commit order of the appends
	Type string // e.g. "user.created"
	// TenantID is the tenant the event concerns (empty: the platform, e.g.
	// a key rotation).
	TenantID string
	// UserID is the user it concerns and the ordering key: a sink gets a
	// user's events in Seq order, one at a time. Empty: no user.
	UserID string
	Time   time.Time
	// Data is the JSON object of the payload: ids and what changed, never
	// secrets or password hashes.
	Data json.RawMessage
}

// Delivery states.
const (
	DeliveryPending   = "pending"   // due at NextAt (or in flight until NextAt)
	DeliveryDelivered = "delivered" // the sink took it
	DeliveryDead      = "dead"      // retries exhausted; replay puts it back to pending
)

// Delivery is one event on its way to one sink ("webhook:<id>", "nats",
// "bcl:<client id>").
type Delivery struct {
	EventID  string
	Sink     string
	Seq      int64  // the event's
	OrderKey string // the event's UserID
	TenantID string // the event's
	State    string
	Attempts int
	// NextAt is when a pending delivery is due; a claim moves it past the
	// lease, so a node that dies mid-delivery hands it to another.
	NextAt      time.Time
	LastStatus  int // HTTP status of the last attempt (0: none or not HTTP)
	LastError   string
	UpdatedAt   time.Time
	DeliveredAt time.Time // zero unless delivered
}

// DeliveryAttempt is one line of the delivery log.
type DeliveryAttempt struct {
	EventID string
	Sink    string
	Attempt int // 1 for the first
	At      time.Time
	Status  int // HTTP status (0: no response or not HTTP)
	Latency time.Duration
	Error   string // empty on success
}

// Claimed is a delivery handed to a worker, with its event.
type Claimed struct {
	Delivery Delivery
	Event    Event
}

// DeliveryFilter selects deliveries; zero fields match everything.
type DeliveryFilter struct {
	TenantID string
	Sink     string
	State    string
	EventID  string
	Limit    int // 0: 100
}

// Webhook is a tenant's endpoint for events.
type Webhook struct {
	ID       string
	TenantID string
	URL      string
	// Events are the event types it wants (empty: all).
	Events []string
	// SealedSecret is the signing secret sealed with the master key (the
	// signature needs the secret itself, so it cannot be a hash).
	SealedSecret []byte
	CreatedAt    time.Time
}

// Wants reports whether the webhook's filter takes events of type typ.
func (w Webhook) Wants(typ string) bool {
	if len(w.Events) == 0 {
		return true
	}
	for _, e := range w.Events {
		if e == typ {
			return true
		}
	}
	return false
}

// Outbox is the event outbox and its deliveries (durable). Events enter it
// with a change (WithEvents) or through AppendEvents; the delivery worker
// (op/events) fans each event out to its sinks with DispatchEvents, then
// claims, attempts and finishes the deliveries.
type Outbox interface {
	// AppendEvents stores events that accompany no other change of this
	// store (Seq is assigned). ErrAlreadyExists if an ID is taken. Here and
	// with a change (WithEvents), an event with a UserID and no TenantID
	// is stored with its user's tenant (none if there is no such user),
	// read in the same write.
	AppendEvents(ctx context.Context, events []Event) error
	// ListEvents returns up to limit events with Seq > afterSeq, by Seq.
	ListEvents(ctx context.Context, afterSeq int64, limit int) ([]Event, error)
	// UndispatchedEvents returns up to limit events not yet dispatched, by Seq.
	UndispatchedEvents(ctx context.Context, limit int) ([]Event, error)
	// DispatchEvents creates one pending delivery, due at at, per sink of
	// each event (sinks: event ID → sink names; none is fine) and marks the
	// events dispatched. Idempotent: an existing delivery or a dispatched
	// event is left alone. Dispatches are serialised across nodes so that
	// deliveries exist in Seq order.
	DispatchEvents(ctx context.Context, sinks map[string][]string, at time.Time) error
	// ClaimDeliveries returns up to limit pending deliveries due at now,
	// lowest Seq first, whose sink has no pending delivery of a lower Seq
	// with the same non-empty OrderKey (per-user order: event n+1 waits for
	// n), and moves their NextAt to now+lease. Concurrent claims never
	// return the same delivery (Postgres: FOR UPDATE SKIP LOCKED).
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Claimed, error)
	// FinishDelivery logs attempt a and sets the delivery's state: delivered,
	// dead, or pending again at retryAt. ErrNotFound if no such delivery.
	FinishDelivery(ctx context.Context, a DeliveryAttempt, state string, retryAt time.Time) error
	// ListDeliveries returns matching deliveries, newest (highest Seq) first.
	ListDeliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error)
	// ListDeliveryAttempts returns the log of one delivery, oldest first.
	ListDeliveryAttempts(ctx context.Context, eventID, sink string) ([]DeliveryAttempt, error)
	// ReplayDelivery puts a delivered or dead delivery back to pending, due
	// at at, with its attempts reset. ErrNotFound if no such delivery.
	ReplayDelivery(ctx context.Context, eventID, sink string, at time.Time) error
	// PruneOutbox applies the outbox's retention (docs/events.md): it
	// deletes the dispatched events older than before none of whose
	// deliveries is pending or died at or after deadBefore (so an event
	// every sink took, one with no sink, and one dead since before
	// deadBefore), with their deliveries and logs; and the logged attempts
	// older than before of deliveries that are not dead (a dead delivery
	// keeps its log as long as it is kept). Housekeeping: it works in
	// bounded batches, several nodes may run it at once, and it returns
	// how many events and attempts it deleted.
	PruneOutbox(ctx context.Context, before, deadBefore time.Time) (int64, error)

	// CreateWebhook: ErrAlreadyExists if the ID is taken, ErrNotFound if
	// the tenant does not exist.
	CreateWebhook(ctx context.Context, w Webhook) error
	// GetWebhook: ErrNotFound unless the tenant has it.
	GetWebhook(ctx context.Context, tenantID, id string) (Webhook, error)
	// ListWebhooks returns the tenant's webhooks (every tenant's if
	// tenantID is empty), by ID.
	ListWebhooks(ctx context.Context, tenantID string) ([]Webhook, error)
	// DeleteWebhook: ErrNotFound unless the tenant has it. Its deliveries
	// stay in the log.
	DeleteWebhook(ctx context.Context, tenantID, id string) error
}

// SessionClients records which clients got an authorization code through
// a browser session, so that its end reaches them (Back-Channel and
// Front-Channel Logout). Records go with their session.
type SessionClients interface {
	// AddSessionClient records clientID on the session (idempotent).
	// ErrNotFound if there is no such session.
	AddSessionClient(ctx context.Context, sessionID, clientID string, at time.Time) error
	// SessionLinks returns one session (sessionID set; userID may be
	// empty) or every session of userID, expired or not, each with its
	// clients (sorted), by session ID. Unknown sessions are left out.
	SessionLinks(ctx context.Context, userID, sessionID string) ([]SessionLink, error)
}

// SessionLink is a browser session with the clients that got a code
// through it.
type SessionLink struct {
	SessionID string
	UserID    string
	Clients   []string
}

// EventBatch is the events a caller attached to a context with WithEvents,
// waiting for the store's next change.
type EventBatch struct {
	mu      sync.Mutex
	events  []Event
	written bool
	// parent is the batch of the enclosing context, if it was pending: it
	// is written together with this one.
	parent *EventBatch
}

type eventsKey struct{}

// WithEvents returns a context whose next successful change in a durable
// store (one that changes at least one record) also appends events to the
// outbox, in the same transaction (Postgres) or under the same lock
// (memory). A change that fails or changes nothing writes none of them.
// Events are written once: later changes in the same context add nothing.
// Events attached to ctx before and not written yet go with them; the
// enclosing context is not changed, so events of a failed call do not leak
// into the caller's next change.
func WithEvents(ctx context.Context, events ...Event) context.Context {
	if len(events) == 0 {
		return ctx
	}
	return context.WithValue(ctx, eventsKey{}, &EventBatch{events: events, parent: PendingEvents(ctx)})
}

// PendingEvents returns the batch attached to ctx that is not written yet,
// or nil. Backends call it in their change path (every Postgres Exec), so
// it checks the mark without copying the events: a batch always holds
// some (WithEvents attaches none for an empty list).
func PendingEvents(ctx context.Context) *EventBatch {
	b, ok := ctx.Value(eventsKey{}).(*EventBatch)
	if !ok || b.Written() {
		return nil
	}
	return b
}

// Events returns the events still to write: the enclosing batch's (if it
// is pending), then this one's. None once written.
func (b *EventBatch) Events() []Event {
	b.mu.Lock()
	written, own, parent := b.written, b.events, b.parent
	b.mu.Unlock()
	if written {
		return nil
	}
	var out []Event
	if parent != nil {
		out = parent.Events()
	}
	return append(out, own...)
}

// MarkWritten records that the store committed the batch with a change.
func (b *EventBatch) MarkWritten() {
	b.mu.Lock()
	b.written = true
	parent := b.parent
	b.mu.Unlock()
	if parent != nil {
		parent.MarkWritten()
	}
}

// Written reports whether a change took the batch (false: nothing changed,
// or the change failed).
func (b *EventBatch) Written() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.written
}

// WebhookSecretAD is the additional data a webhook's secret is sealed
// with: the sealed value is bound to its webhook and cannot be moved to
// another row.
func WebhookSecretAD(webhookID string) []byte {
	return []byte("admit webhook secret v1:" + webhookID)
}

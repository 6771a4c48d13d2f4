package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/admit-idp/admit/storage"
)

// outboxState holds the event outbox, its deliveries and the webhooks. It
// lives under s.mu like every other map, so an event appended with a change
// (announceLocked) is exactly as atomic as the change.
type outboxState struct {
	seq        int64
	events     []storage.Event // by Seq
	byID       map[string]int  // event ID → index in events
	dispatched map[string]bool
	deliveries map[deliveryKey]*storage.Delivery
	attempts   map[deliveryKey][]storage.DeliveryAttempt
	webhooks   map[string]storage.Webhook
}

type deliveryKey struct{ event, sink string }

// outboxLocked returns the outbox, creating it on first use. Callers hold s.mu.
func (s *Store) outboxLocked() *outboxState {
	if s.outbox == nil {
		s.outbox = &outboxState{
			byID: map[string]int{}, dispatched: map[string]bool{},
			deliveries: map[deliveryKey]*storage.Delivery{},
			attempts:   map[deliveryKey][]storage.DeliveryAttempt{},
			webhooks:   map[string]storage.Webhook{},
		}
	}
	return s.outbox
}

// announceLocked appends the events attached to ctx (storage.WithEvents)
// after a successful change, under the change's lock. Callers hold s.mu.
func (s *Store) announceLocked(ctx context.Context) {
	b := storage.PendingEvents(ctx)
	if b == nil {
		return
	}
	if err := s.appendLocked(b.Events()); err == nil {
		b.MarkWritten()
	}
}

func (s *Store) appendLocked(events []storage.Event) error {
	o := s.outboxLocked()
	for _, e := range events {
		if _, ok := o.byID[e.ID]; ok {
			return fmt.Errorf("memory: append event %s: %w", e.ID, storage.ErrAlreadyExists)
		}
	}
	for _, e := range events {
		o.seq++
		e.Seq = o.seq
		if e.TenantID == "" {
			// A user's event that names no tenant gets the user's, as the
			// Postgres INSERT reads it.
			e.TenantID = s.users[e.UserID].TenantID
		}
		e.Data = slices.Clone(e.Data)
		o.byID[e.ID] = len(o.events)
		o.events = append(o.events, e)
	}
	return nil
}

// AppendEvents implements storage.Outbox.
func (s *Store) AppendEvents(_ context.Context, events []storage.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appendLocked(events)
}

// ListEvents implements storage.Outbox.
func (s *Store) ListEvents(_ context.Context, afterSeq int64, limit int) ([]storage.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []storage.Event
	for _, e := range s.outboxLocked().events {
		if e.Seq > afterSeq && (limit <= 0 || len(out) < limit) {
			e.Data = slices.Clone(e.Data)
			out = append(out, e)
		}
	}
	return out, nil
}

// UndispatchedEvents implements storage.Outbox.
func (s *Store) UndispatchedEvents(_ context.Context, limit int) ([]storage.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.outboxLocked()
	var out []storage.Event
	for _, e := range o.events {
		if !o.dispatched[e.ID] && (limit <= 0 || len(out) < limit) {
			e.Data = slices.Clone(e.Data)
			out = append(out, e)
		}
	}
	return out, nil
}

// DispatchEvents implements storage.Outbox.
func (s *Store) DispatchEvents(_ context.Context, sinks map[string][]string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.outboxLocked()
	for id, names := range sinks {
		i, ok := o.byID[id]
		if !ok || o.dispatched[id] {
			continue
		}
		e := o.events[i]
		for _, sink := range names {
			k := deliveryKey{id, sink}
			if _, ok := o.deliveries[k]; ok {
				continue
			}
			o.deliveries[k] = &storage.Delivery{
				EventID: id, Sink: sink, Seq: e.Seq, OrderKey: e.UserID, TenantID: e.TenantID,
				State: storage.DeliveryPending, NextAt: at, UpdatedAt: at,
			}
		}
		o.dispatched[id] = true
	}
	return nil
}

// ClaimDeliveries implements storage.Outbox.
func (s *Store) ClaimDeliveries(_ context.Context, now time.Time, lease time.Duration, limit int) ([]storage.Claimed, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.outboxLocked()
	pending := make([]*storage.Delivery, 0)
	for _, d := range o.deliveries {
		if d.State == storage.DeliveryPending {
			pending = append(pending, d)
		}
	}
	slices.SortFunc(pending, func(a, b *storage.Delivery) int {
		return cmp.Or(cmp.Compare(a.Seq, b.Seq), cmp.Compare(a.Sink, b.Sink))
	})
	type orderKey struct{ sink, key string }
	blocked := map[orderKey]bool{}
	var out []storage.Claimed
	for _, d := range pending {
		k := orderKey{d.Sink, d.OrderKey}
		earlier := d.OrderKey != "" && blocked[k]
		if d.OrderKey != "" {
			blocked[k] = true // every later one of this user waits for d
		}
		if earlier || d.NextAt.After(now) || (limit > 0 && len(out) >= limit) {
			continue
		}
		d.NextAt = now.Add(lease)
		e := o.events[o.byID[d.EventID]]
		e.Data = slices.Clone(e.Data)
		out = append(out, storage.Claimed{Delivery: *d, Event: e})
	}
	return out, nil
}

// FinishDelivery implements storage.Outbox.
func (s *Store) FinishDelivery(_ context.Context, a storage.DeliveryAttempt, state string, retryAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.outboxLocked()
	k := deliveryKey{a.EventID, a.Sink}
	d, ok := o.deliveries[k]
	if !ok {
		return fmt.Errorf("memory: finish delivery %s to %s: %w", a.EventID, a.Sink, storage.ErrNotFound)
	}
	o.attempts[k] = append(o.attempts[k], a)
	d.Attempts = a.Attempt
	d.State = state
	d.LastStatus, d.LastError, d.UpdatedAt = a.Status, a.Error, a.At
	switch state {
	case storage.DeliveryDelivered:
		d.DeliveredAt = a.At
	case storage.DeliveryPending:
		d.NextAt = retryAt
	}
	return nil
}

// ListDeliveries implements storage.Outbox.
func (s *Store) ListDeliveries(_ context.Context, f storage.DeliveryFilter) ([]storage.Delivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []storage.Delivery
	for _, d := range s.outboxLocked().deliveries {
		if (f.TenantID == "" || d.TenantID == f.TenantID) && (f.Sink == "" || d.Sink == f.Sink) &&
			(f.State == "" || d.State == f.State) && (f.EventID == "" || d.EventID == f.EventID) {
			out = append(out, *d)
		}
	}
	slices.SortFunc(out, func(a, b storage.Delivery) int {
		return cmp.Or(cmp.Compare(b.Seq, a.Seq), cmp.Compare(a.Sink, b.Sink))
	})
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// ListDeliveryAttempts implements storage.Outbox.
func (s *Store) ListDeliveryAttempts(_ context.Context, eventID, sink string) ([]storage.DeliveryAttempt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.outboxLocked().attempts[deliveryKey{eventID, sink}]), nil
}

// ReplayDelivery implements storage.Outbox.
func (s *Store) ReplayDelivery(_ context.Context, eventID, sink string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.outboxLocked().deliveries[deliveryKey{eventID, sink}]
	if !ok {
		return fmt.Errorf("memory: replay delivery %s to %s: %w", eventID, sink, storage.ErrNotFound)
	}
	d.State, d.Attempts, d.NextAt, d.UpdatedAt = storage.DeliveryPending, 0, at, at
	d.DeliveredAt = time.Time{}
	return nil
}

// CreateWebhook implements storage.Outbox.
func (s *Store) CreateWebhook(_ context.Context, w storage.Webhook) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.outboxLocked()
	if _, ok := o.webhooks[w.ID]; ok {
		return fmt.Errorf("memory: create webhook %s: %w", w.ID, storage.ErrAlreadyExists)
	}
	if _, ok := s.tenants[w.TenantID]; !ok {
		return fmt.Errorf("memory: create webhook %s: tenant %s: %w", w.ID, w.TenantID, storage.ErrNotFound)
	}
	w.Events = slices.Clone(w.Events)
	w.SealedSecret = slices.Clone(w.SealedSecret)
	o.webhooks[w.ID] = w
	return nil
}

// GetWebhook implements storage.Outbox.
func (s *Store) GetWebhook(_ context.Context, tenantID, id string) (storage.Webhook, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.outboxLocked().webhooks[id]
	if !ok || w.TenantID != tenantID {
		return storage.Webhook{}, fmt.Errorf("memory: get webhook %s: %w", id, storage.ErrNotFound)
	}
	w.Events = slices.Clone(w.Events)
	w.SealedSecret = slices.Clone(w.SealedSecret)
	return w, nil
}

// ListWebhooks implements storage.Outbox.
func (s *Store) ListWebhooks(_ context.Context, tenantID string) ([]storage.Webhook, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []storage.Webhook
	for _, w := range s.outboxLocked().webhooks {
		if tenantID == "" || w.TenantID == tenantID {
			w.Events = slices.Clone(w.Events)
			w.SealedSecret = slices.Clone(w.SealedSecret)
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b storage.Webhook) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// DeleteWebhook implements storage.Outbox.
func (s *Store) DeleteWebhook(_ context.Context, tenantID, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.outboxLocked()
	w, ok := o.webhooks[id]
	if !ok || w.TenantID != tenantID {
		return fmt.Errorf("memory: delete webhook %s: %w", id, storage.ErrNotFound)
	}
	delete(o.webhooks, id)
	return nil
}

// PruneOutbox implements storage.Outbox.
func (s *Store) PruneOutbox(_ context.Context, before, deadBefore time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.outboxLocked()
	// Which events are held: a delivery still pending, or dead too recently.
	held := map[string]bool{}
	for _, d := range o.deliveries {
		if d.State == storage.DeliveryPending || (d.State == storage.DeliveryDead && !d.UpdatedAt.Before(deadBefore)) {
			held[d.EventID] = true
		}
	}
	var n int64
	kept := o.events[:0]
	for _, e := range o.events {
		if !o.dispatched[e.ID] || !e.Time.Before(before) || held[e.ID] {
			kept = append(kept, e)
			continue
		}
		n++
		delete(o.dispatched, e.ID)
		for k := range o.deliveries {
			if k.event == e.ID {
				delete(o.deliveries, k)
				delete(o.attempts, k)
			}
		}
	}
	clear(o.events[len(kept):])
	o.events = kept
	clear(o.byID)
	for i, e := range o.events {
		o.byID[e.ID] = i
	}
	for k, log := range o.attempts {
		if d := o.deliveries[k]; d != nil && d.State == storage.DeliveryDead {
			continue // a dead delivery keeps its log while it is kept
		}
		kept := slices.DeleteFunc(log, func(a storage.DeliveryAttempt) bool { return a.At.Before(before) })
		n += int64(len(log) - len(kept))
		o.attempts[k] = kept
	}
	return n, nil
}

package admin

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/admit-idp/admit/keys"
	"github.com/admit-idp/admit/storage"
)

// Events is the outbox side of the service: webhooks and the delivery log
// (storage.Outbox). Sealer seals webhook secrets (keys.Sealer). Both nil:
// webhooks are not supported.
type Events struct {
	Store  storage.Outbox
	Sealer *keys.Sealer
}

// WebhookInput registers a webhook.
type WebhookInput struct {
	URL    string
	Events []string // empty: every event type
}

// validate checks the URL (absolute http or https, no user info or
// fragment; where it may point is checked again at each delivery) and the
// event types.
func (in WebhookInput) validate() error {
	var p problems
	u, err := url.Parse(in.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.Fragment != "" {
		p.add("url", "must be an absolute http or https URL without user info or fragment")
	}
	for _, e := range in.Events {
		if !slices.Contains(storage.EventTypes, e) {
			p.add("events", "unknown event type %q (known: %s)", e, strings.Join(storage.EventTypes, ", "))
		}
	}
	return p.err()
}

func (s *Service) events() (*Events, error) {
	if s.Events == nil || s.Events.Store == nil || s.Events.Sealer == nil {
		return nil, fmt.Errorf("webhooks are not configured: %w", ErrConflict)
	}
	return s.Events, nil
}

// CreateWebhook registers a webhook of the tenant and returns its signing
// secret ("whsec_…"): shown once, stored sealed with the master key.
func (s *Service) CreateWebhook(ctx context.Context, p Principal, tenantID string, in WebhookInput) (storage.Webhook, string, error) {
	ev, err := s.events()
	if err != nil {
		return storage.Webhook{}, "", err
	}
	if err := s.inTenant(ctx, p, tenantID); err != nil {
		return storage.Webhook{}, "", err
	}
	if err := in.validate(); err != nil {
		return storage.Webhook{}, "", err
	}
	id, secret, sealed, err := keys.NewWebhookSecret(ev.Sealer)
	if err != nil {
		return storage.Webhook{}, "", err
	}
	w := storage.Webhook{ID: id, TenantID: tenantID, URL: in.URL, Events: slices.Clone(in.Events), SealedSecret: sealed, CreatedAt: s.now()}
	if err := ev.Store.CreateWebhook(ctx, w); err != nil {
		return storage.Webhook{}, "", mapErr(err, "webhook")
	}
	s.record(ctx, p, tenantID, "admin.webhook.created", storage.AuditEvent{Details: map[string]string{"webhook_id": id}})
	return w, secret, nil
}

// ListWebhooks lists the tenant's webhooks.
func (s *Service) ListWebhooks(ctx context.Context, p Principal, tenantID string) ([]storage.Webhook, error) {
	ev, err := s.events()
	if err != nil {
		return nil, err
	}
	if err := s.inTenant(ctx, p, tenantID); err != nil {
		return nil, err
	}
	return ev.Store.ListWebhooks(ctx, tenantID)
}

// DeleteWebhook removes a webhook of the tenant; its pending deliveries
// become dead at their next attempt, its log stays.
func (s *Service) DeleteWebhook(ctx context.Context, p Principal, tenantID, id string) error {
	ev, err := s.events()
	if err != nil {
		return err
	}
	if err := s.inTenant(ctx, p, tenantID); err != nil {
		return err
	}
	if err := ev.Store.DeleteWebhook(ctx, tenantID, id); err != nil {
		return mapErr(err, "webhook "+id)
	}
	s.record(ctx, p, tenantID, "admin.webhook.deleted", storage.AuditEvent{Details: map[string]string{"webhook_id": id}})
	return nil
}

// DeliveryLog is a delivery with its attempts.
type DeliveryLog struct {
	Delivery storage.Delivery
	Attempts []storage.DeliveryAttempt
}

// DeliveryQuery selects deliveries: of one webhook of the tenant
// (WebhookID), or, for a platform administrator, any sink ("nats",
// "bcl:<client>", "webhook:<id>"; Sink).
type DeliveryQuery struct {
	WebhookID string
	Sink      string
	State     string
	EventID   string
	Limit     int
}

// sinkOf resolves the query's sink, checking that p may see it.
func (s *Service) sinkOf(ctx context.Context, ev *Events, p Principal, tenantID string, q DeliveryQuery) (string, error) {
	if err := s.inTenant(ctx, p, tenantID); err != nil {
		return "", err
	}
	if q.WebhookID != "" {
		if _, err := ev.Store.GetWebhook(ctx, tenantID, q.WebhookID); err != nil {
			return "", mapErr(err, "webhook "+q.WebhookID)
		}
		return "webhook:" + q.WebhookID, nil
	}
	if err := platform(p); err != nil {
		return "", err
	}
	return q.Sink, nil
}

// ListDeliveries returns the delivery log (newest first), with each
// delivery's attempts (status, latency, error).
func (s *Service) ListDeliveries(ctx context.Context, p Principal, tenantID string, q DeliveryQuery) ([]DeliveryLog, error) {
	ev, err := s.events()
	if err != nil {
		return nil, err
	}
	sink, err := s.sinkOf(ctx, ev, p, tenantID, q)
	if err != nil {
		return nil, err
	}
	ds, err := ev.Store.ListDeliveries(ctx, storage.DeliveryFilter{Sink: sink, State: q.State, EventID: q.EventID, Limit: q.Limit})
	if err != nil {
		return nil, err
	}
	out := make([]DeliveryLog, 0, len(ds))
	for _, d := range ds {
		a, err := ev.Store.ListDeliveryAttempts(ctx, d.EventID, d.Sink)
		if err != nil {
			return nil, err
		}
		out = append(out, DeliveryLog{Delivery: d, Attempts: a})
	}
	return out, nil
}

// ReplayDelivery puts a delivery (dead, or delivered) back in the queue.
func (s *Service) ReplayDelivery(ctx context.Context, p Principal, tenantID string, q DeliveryQuery) error {
	ev, err := s.events()
	if err != nil {
		return err
	}
	sink, err := s.sinkOf(ctx, ev, p, tenantID, q)
	if err != nil {
		return err
	}
	if sink == "" || q.EventID == "" {
		return invalid("event_id", "name the delivery: its event and sink")
	}
	if err := ev.Store.ReplayDelivery(ctx, q.EventID, sink, s.now().Add(-time.Microsecond)); err != nil {
		return mapErr(err, "delivery")
	}
	s.record(ctx, p, tenantID, "admin.delivery.replayed", storage.AuditEvent{Details: map[string]string{"event_id": q.EventID, "sink": sink}})
	return nil
}

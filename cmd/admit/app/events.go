package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/admit-idp/admit/op/events"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
	"github.com/admit-idp/admit/templates"
)

// announceChanges wraps the durable store so that every change other
// services care about writes its event into the outbox in the change's
// transaction (events.Announcing), and the ephemeral store so that each
// authorization code records its client on the browser session (the
// clients to notify when the session ends).
func (a *App) announceChanges() {
	a.Stores.Durable = events.Announcing{Durable: a.Stores.Durable, Now: a.Now}
	a.Stores.Ephemeral = sessionClientRecorder{Ephemeral: a.Stores.Ephemeral, durable: a.Stores.Durable, now: a.Now, log: a.Logger}
}

// sessionClientRecorder records, when op issues an authorization code
// through a browser session, that the code's client got tokens through it
// (Back-Channel Logout 1.0 §2.2 / Front-Channel Logout 1.0 §2: the clients
// to notify at sign-out).
type sessionClientRecorder struct {
	storage.Ephemeral
	durable storage.SessionClients
	now     func() time.Time
	log     *slog.Logger
}

func (r sessionClientRecorder) SaveAuthCode(ctx context.Context, c storage.AuthCode) error {
	if err := r.Ephemeral.SaveAuthCode(ctx, c); err != nil {
		return err
	}
	if sid := c.Request.SessionID; sid != "" {
		if err := r.durable.AddSessionClient(ctx, sid, c.Request.ClientID, r.now()); err != nil {
			// The code stands; only this session's logout notification to
			// the client is lost. Said, not silent.
			r.log.WarnContext(ctx, "recording the client of a session for logout notification",
				"client_id", c.Request.ClientID, "error", err)
		}
	}
	return nil
}

// startEvents builds the delivery worker (webhooks, back-channel logout,
// NATS if configured). RunEvents runs it.
func (a *App) startEvents(ctx context.Context) error {
	delivered := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "admit_event_deliveries_total",
		Help: "Event delivery attempts by sink kind (webhook, nats, backchannel_logout) and outcome (delivered, retry, dead)."},
		[]string{"sink", "outcome"})
	a.Metrics.registry.MustRegister(delivered)
	client := events.NewHTTPClient(events.DefaultTimeout, a.Config.allowPrivateTargets())
	a.Events = &events.Worker{
		Store: a.Stores.Durable, Now: a.Now, Logger: a.Logger, Backoff: a.Config.Events.backoff(),
		Webhooks: &events.Webhooks{Store: a.Stores.Durable, Secrets: a.Stores.Sealer, Client: client, Now: a.Now},
		Logout:   &events.BackChannel{Clients: a.Stores.Durable, Tokens: a.opStorage(a.logout), Client: client},
		Observe:  func(kind, outcome string) { delivered.WithLabelValues(kind, outcome).Inc() },
	}
	a.logout.FrontChannel = a.frontChannelURIs
	a.Admin.Events = &admin.Events{Store: a.Stores.Durable, Sealer: a.Stores.Sealer}
	if c := a.Config.Events; c.NATSURL != "" {
		n, err := events.OpenNATS(ctx, events.NATSConfig{URL: c.NATSURL, Stream: c.natsStream(),
			Subject: c.natsSubject(), Secret: c.NATSSecret}, a.Now)
		if err != nil {
			return err
		}
		a.Events.NATS = n
		a.Stores.closer = append(a.Stores.closer, n.Close)
	}
	return nil
}

// RunEvents delivers events until ctx ends (`admit serve` runs it on every
// node; the nodes share the work through the outbox).
func (a *App) RunEvents(ctx context.Context) {
	a.Events.Run(ctx, a.Config.Events.pollInterval())
}

// devEventsRoutes mounts /dev/events: development mode only (in-memory
// store, throwaway data), like /dev/mailbox.
func (a *App) devEventsRoutes(r chi.Router) {
	if a.Config.DevMode() {
		r.Get("/dev/events", a.devEvents)
	}
}

// devEventsShown bounds the page.
const devEventsShown = 200

// devEvents shows the outbox, newest first, with each event's deliveries.
func (a *App) devEvents(w http.ResponseWriter, r *http.Request) {
	all, err := a.Stores.Durable.ListEvents(r.Context(), 0, 0)
	if err != nil {
		http.Error(w, "events unavailable", http.StatusServiceUnavailable)
		return
	}
	if len(all) > devEventsShown {
		all = all[len(all)-devEventsShown:]
	}
	items := make([]templates.DevEvent, 0, len(all))
	for i := len(all) - 1; i >= 0; i-- {
		e := all[i]
		body, _ := json.MarshalIndent(json.RawMessage(e.Data), "", "  ")
		item := templates.DevEvent{ID: e.ID, Type: e.Type, TenantID: e.TenantID, UserID: e.UserID,
			Time: e.Time.Format(time.RFC3339), Data: string(body)}
		ds, _ := a.Stores.Durable.ListDeliveries(r.Context(), storage.DeliveryFilter{EventID: e.ID})
		for _, d := range ds {
			item.Deliveries = append(item.Deliveries, fmt.Sprintf("%s: %s (%d attempts)", d.Sink, d.State, d.Attempts))
		}
		items = append(items, item)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = templates.DevEventsPage(items).Render(r.Context(), w)
}

// frontChannelURIs are the front-channel logout URIs of the clients that
// got a code through the session, with iss and sid when the client asked
// (Front-Channel Logout 1.0 §2). A failure to read them loses only the
// front-channel notification (the back channel still goes), and is logged.
func (a *App) frontChannelURIs(ctx context.Context, sessionID string) []string {
	links, err := a.Stores.Durable.SessionLinks(ctx, "", sessionID)
	if err != nil {
		a.Logger.WarnContext(ctx, "reading a session's clients for front-channel logout", "error", err)
		return nil
	}
	var out []string
	for _, l := range links {
		for _, id := range l.Clients {
			c, err := a.Stores.Durable.GetClient(ctx, id)
			if err != nil || c.FrontchannelLogoutURI == "" {
				continue
			}
			u, err := url.Parse(c.FrontchannelLogoutURI)
			if err != nil {
				continue
			}
			if c.FrontchannelLogoutSessionRequired {
				q := u.Query()
				q.Set("iss", a.Config.Issuer)
				q.Set("sid", sessionID)
				u.RawQuery = q.Encode()
			}
			out = append(out, u.String())
		}
	}
	return out
}

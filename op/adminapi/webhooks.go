package adminapi

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
)

// Webhooks and the event delivery log (issue 19, docs/events.md).

type webhookInput struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

type webhookView struct {
	ID        string     `json:"id"`
	TenantID  string     `json:"tenant_id"`
	URL       string     `json:"url"`
	Events    []string   `json:"events"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
}

func viewWebhook(w storage.Webhook) webhookView {
	return webhookView{ID: w.ID, TenantID: w.TenantID, URL: w.URL, Events: orEmpty(w.Events), CreatedAt: ts(w.CreatedAt)}
}

type webhookCreated struct {
	Webhook webhookView `json:"webhook"`
	Secret  string      `json:"secret"`
}

type attemptView struct {
	Attempt   int       `json:"attempt"`
	At        time.Time `json:"at"`
	Status    int       `json:"status"`
	LatencyMS float64   `json:"latency_ms"`
	Error     string    `json:"error,omitempty"`
}

type deliveryView struct {
	EventID     string        `json:"event_id"`
	Sink        string        `json:"sink"`
	State       string        `json:"state"`
	Attempts    int           `json:"attempts"`
	NextAt      *time.Time    `json:"next_at,omitempty"`
	LastStatus  int           `json:"last_status"`
	LastError   string        `json:"last_error,omitempty"`
	DeliveredAt *time.Time    `json:"delivered_at,omitempty"`
	Log         []attemptView `json:"log"`
}

func viewDelivery(l admin.DeliveryLog) deliveryView {
	d := l.Delivery
	v := deliveryView{EventID: d.EventID, Sink: d.Sink, State: d.State, Attempts: d.Attempts, LastStatus: d.LastStatus,
		LastError: d.LastError, DeliveredAt: ts(d.DeliveredAt), Log: make([]attemptView, 0, len(l.Attempts))}
	if d.State == storage.DeliveryPending {
		v.NextAt = ts(d.NextAt)
	}
	for _, a := range l.Attempts {
		v.Log = append(v.Log, attemptView{Attempt: a.Attempt, At: a.At.UTC(), Status: a.Status,
			LatencyMS: float64(a.Latency.Microseconds()) / 1000, Error: a.Error})
	}
	return v
}

func (h *Handler) createWebhook(w http.ResponseWriter, r *http.Request) {
	var in webhookInput
	if !decode(w, r, &in) {
		return
	}
	hook, secret, err := h.Service.CreateWebhook(r.Context(), principal(r), tenantID(r), admin.WebhookInput{URL: in.URL, Events: in.Events})
	h.respond(w, r, http.StatusCreated, webhookCreated{Webhook: viewWebhook(hook), Secret: secret}, err)
}

func (h *Handler) listWebhooks(w http.ResponseWriter, r *http.Request) {
	hooks, err := h.Service.ListWebhooks(r.Context(), principal(r), tenantID(r))
	out := list[webhookView]{Items: make([]webhookView, 0, len(hooks))}
	for _, hk := range hooks {
		out.Items = append(out.Items, viewWebhook(hk))
	}
	h.respond(w, r, http.StatusOK, out, err)
}

func (h *Handler) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	err := h.Service.DeleteWebhook(r.Context(), principal(r), tenantID(r), chi.URLParam(r, "webhookId"))
	h.respond(w, r, http.StatusNoContent, nil, err)
}

func deliveryQuery(r *http.Request) admin.DeliveryQuery {
	q := query{r: r}
	return admin.DeliveryQuery{WebhookID: chi.URLParam(r, "webhookId"), Sink: q.str("sink"), State: q.str("state"),
		EventID: q.str("event_id"), Limit: q.page().Limit}
}

func (h *Handler) renderDeliveries(w http.ResponseWriter, r *http.Request, tenant string, dq admin.DeliveryQuery) {
	ls, err := h.Service.ListDeliveries(r.Context(), principal(r), tenant, dq)
	out := list[deliveryView]{Items: make([]deliveryView, 0, len(ls))}
	for _, l := range ls {
		out.Items = append(out.Items, viewDelivery(l))
	}
	h.respond(w, r, http.StatusOK, out, err)
}

func (h *Handler) listWebhookDeliveries(w http.ResponseWriter, r *http.Request) {
	h.renderDeliveries(w, r, tenantID(r), deliveryQuery(r))
}

func (h *Handler) replayWebhookDelivery(w http.ResponseWriter, r *http.Request) {
	dq := deliveryQuery(r)
	dq.EventID = chi.URLParam(r, "eventId")
	err := h.Service.ReplayDelivery(r.Context(), principal(r), tenantID(r), dq)
	h.respond(w, r, http.StatusNoContent, nil, err)
}

// Platform-wide: every sink (webhooks, nats, back-channel logouts).

func (h *Handler) listDeliveries(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	dq := deliveryQuery(r)
	dq.WebhookID = ""
	h.renderDeliveries(w, r, p.TenantID, dq)
}

type replayInput struct {
	EventID string `json:"event_id"`
	Sink    string `json:"sink"`
}

func (h *Handler) replayDelivery(w http.ResponseWriter, r *http.Request) {
	var in replayInput
	if !decode(w, r, &in) {
		return
	}
	p := principal(r)
	err := h.Service.ReplayDelivery(r.Context(), p, p.TenantID, admin.DeliveryQuery{EventID: in.EventID, Sink: in.Sink})
	h.respond(w, r, http.StatusNoContent, nil, err)
}

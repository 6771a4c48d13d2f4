package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/admit-idp/admit/storage"
)

// Sink names: a delivery's Sink is one of these, with the target's id.
const (
	webhookPrefix = "webhook:"
	logoutPrefix  = "bcl:"
	natsSink      = "nats"
)

// WebhookSink returns the sink name of a webhook.
func WebhookSink(id string) string { return webhookPrefix + id }

// LogoutSink returns the sink name of a client's back-channel logout.
func LogoutSink(clientID string) string { return logoutPrefix + clientID }

// errPermanent marks a failure no retry can fix (the webhook or client is
// gone): the delivery goes straight to dead.
var errPermanent = errors.New("events: permanent failure")

// Opener opens sealed secrets (keys.Sealer).
type Opener interface {
	Open(sealed, additionalData []byte) ([]byte, error)
}

// Webhooks delivers to the tenants' webhooks, signed per the Standard
// Webhooks specification ("Signature scheme": webhook-id,
// webhook-timestamp, webhook-signature "v1,<base64 HMAC-SHA256 of
// id.timestamp.body>") with the official library.
type Webhooks struct {
	Store interface {
		GetWebhook(ctx context.Context, tenantID, id string) (storage.Webhook, error)
		ListWebhooks(ctx context.Context, tenantID string) ([]storage.Webhook, error)
	}
	Secrets Opener
	Client  *http.Client
	Now     func() time.Time
}

// Secret opens a webhook's sealed "whsec_…" secret.
func Secret(o Opener, w storage.Webhook) (string, error) {
	secret, err := o.Open(w.SealedSecret, storage.WebhookSecretAD(w.ID))
	if err != nil {
		return "", fmt.Errorf("events: open secret of webhook %s: %w", w.ID, err)
	}
	return string(secret), nil
}

// SignedHeaders returns the Standard Webhooks headers of body.
func SignedHeaders(secret, msgID string, at time.Time, body []byte) (http.Header, error) {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return nil, fmt.Errorf("events: webhook secret: %w", err)
	}
	sig, err := wh.Sign(msgID, at, body)
	if err != nil {
		return nil, fmt.Errorf("events: sign: %w", err)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(standardwebhooks.HeaderWebhookID, msgID)
	h.Set(standardwebhooks.HeaderWebhookTimestamp, fmt.Sprint(at.Unix()))
	h.Set(standardwebhooks.HeaderWebhookSignature, sig)
	return h, nil
}

func (s *Webhooks) deliver(ctx context.Context, c storage.Claimed, id string) (int, error) {
	w, err := s.webhook(ctx, c.Event.TenantID, id)
	if errors.Is(err, storage.ErrNotFound) {
		return 0, fmt.Errorf("%w: webhook %s was deleted", errPermanent, id)
	}
	if err != nil {
		return 0, err
	}
	secret, err := Secret(s.Secrets, w)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", errPermanent, err)
	}
	body, err := Body(c.Event)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", errPermanent, err)
	}
	h, err := SignedHeaders(secret, c.Event.ID, s.Now(), body)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", errPermanent, err)
	}
	return post(ctx, s.Client, w.URL, h, body)
}

// webhook finds the target: in the event's tenant, or in any tenant for a
// platform event (no tenant), which goes to every tenant's webhooks.
func (s *Webhooks) webhook(ctx context.Context, tenantID, id string) (storage.Webhook, error) {
	if tenantID != "" {
		return s.Store.GetWebhook(ctx, tenantID, id)
	}
	all, err := s.Store.ListWebhooks(ctx, "")
	if err != nil {
		return storage.Webhook{}, err
	}
	for _, w := range all {
		if w.ID == id {
			return w, nil
		}
	}
	return storage.Webhook{}, storage.ErrNotFound
}

// LogoutTokens signs logout tokens (op.Storage.LogoutToken).
type LogoutTokens interface {
	LogoutToken(ctx context.Context, clientID, subject, sid string) (string, error)
}

// BackChannel delivers OpenID Connect Back-Channel Logout 1.0 requests: a
// session.ended event becomes one delivery per client that got a code
// through the session and registered a backchannel_logout_uri, each a POST
// of logout_token (§2.5) signed at delivery.
type BackChannel struct {
	Clients interface {
		GetClient(ctx context.Context, id string) (storage.Client, error)
	}
	Tokens LogoutTokens
	Client *http.Client
}

func (b *BackChannel) deliver(ctx context.Context, c storage.Claimed, clientID string) (int, error) {
	var ended SessionEnded
	if err := json.Unmarshal(c.Event.Data, &ended); err != nil || c.Event.Type != storage.EventSessionEnded {
		return 0, fmt.Errorf("%w: not a session.ended event", errPermanent)
	}
	cl, err := b.Clients.GetClient(ctx, clientID)
	if errors.Is(err, storage.ErrNotFound) {
		return 0, fmt.Errorf("%w: client %s was deleted", errPermanent, clientID)
	}
	if err != nil {
		return 0, err
	}
	if cl.BackchannelLogoutURI == "" {
		return 0, fmt.Errorf("%w: client %s has no backchannel_logout_uri", errPermanent, clientID)
	}
	// §2.4: sub and sid may both be present; Admit always ends one
	// session, so it always names it (backchannel_logout_session_required
	// is met whatever the client registered).
	token, err := b.Tokens.LogoutToken(ctx, clientID, ended.UserID, ended.SessionID)
	if err != nil {
		return 0, err
	}
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	form := url.Values{"logout_token": {token}}.Encode()
	return post(ctx, b.Client, cl.BackchannelLogoutURI, h, []byte(form))
}

// wantsLogout lists the clients of a session.ended event that registered
// a back-channel logout URI. known remembers, across one dispatch batch,
// each client's answer (a sweep's events name the same few clients).
func (b *BackChannel) wantsLogout(ctx context.Context, e storage.Event, known map[string]bool) ([]string, error) {
	if e.Type != storage.EventSessionEnded {
		return nil, nil
	}
	var ended SessionEnded
	if err := json.Unmarshal(e.Data, &ended); err != nil {
		return nil, nil
	}
	var out []string
	for _, id := range ended.Clients {
		wants, ok := known[id]
		if !ok {
			cl, err := b.Clients.GetClient(ctx, id)
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				return nil, err
			}
			wants = err == nil && cl.BackchannelLogoutURI != ""
			known[id] = wants
		}
		if wants {
			out = append(out, LogoutSink(id))
		}
	}
	return out, nil
}

// sinkKind is the metric label of a sink name.
func sinkKind(sink string) string {
	switch {
	case strings.HasPrefix(sink, webhookPrefix):
		return "webhook"
	case strings.HasPrefix(sink, logoutPrefix):
		return "backchannel_logout"
	}
	return sink
}

package events

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/admit-idp/admit/storage"
)

// NATSConfig selects the NATS JetStream sink.
type NATSConfig struct {
	URL string
	// Stream is created (capturing Subject+".>") if absent.
	Stream string
	// Subject is the prefix: an event is published on <Subject>.<type>,
	// e.g. admit.events.user.created.
	Subject string
	// Secret ("whsec_…") signs each message with the Standard Webhooks
	// headers, so consumers verify it as they would a webhook.
	Secret string
}

// NATS publishes events to a JetStream stream, with Nats-Msg-Id = event id
// so the stream's duplicate window drops a redelivery.
type NATS struct {
	conn    *nats.Conn
	js      jetstream.JetStream
	subject string
	secret  string
	now     func() time.Time
}

// dedupeWindow is the stream's duplicate window (for a stream it creates).
const dedupeWindow = 10 * time.Minute

// OpenNATS connects and makes sure the stream exists.
func OpenNATS(ctx context.Context, cfg NATSConfig, now func() time.Time) (*NATS, error) {
	if _, err := SignedHeadersFor(cfg.Secret); err != nil {
		return nil, err
	}
	nc, err := nats.Connect(cfg.URL, nats.Name("admit"), nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("events: connect to NATS: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("events: JetStream: %w", err)
	}
	if _, err := js.Stream(ctx, cfg.Stream); errors.Is(err, jetstream.ErrStreamNotFound) {
		_, err = js.CreateStream(ctx, jetstream.StreamConfig{
			Name: cfg.Stream, Subjects: []string{cfg.Subject + ".>"}, Duplicates: dedupeWindow,
		})
		if err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			nc.Close()
			return nil, fmt.Errorf("events: create stream %s: %w", cfg.Stream, err)
		}
	} else if err != nil {
		nc.Close()
		return nil, fmt.Errorf("events: stream %s: %w", cfg.Stream, err)
	}
	return &NATS{conn: nc, js: js, subject: cfg.Subject, secret: cfg.Secret, now: now}, nil
}

// SignedHeadersFor checks that secret is a usable Standard Webhooks secret.
func SignedHeadersFor(secret string) (string, error) {
	if _, err := SignedHeaders(secret, "check", time.Unix(0, 0), nil); err != nil || secret == "" {
		return "", fmt.Errorf("events: the NATS signing secret must be a whsec_ base64 secret: %w", err)
	}
	return secret, nil
}

// Close closes the connection.
func (n *NATS) Close() { n.conn.Close() }

func (n *NATS) deliver(ctx context.Context, c storage.Claimed) (int, error) {
	body, err := Body(c.Event)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", errPermanent, err)
	}
	h, err := SignedHeaders(n.secret, c.Event.ID, n.now(), body)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", errPermanent, err)
	}
	msg := &nats.Msg{Subject: n.subject + "." + c.Event.Type, Data: body, Header: nats.Header(h)}
	msg.Header.Set("Admit-Tenant", c.Event.TenantID)
	if _, err := n.js.PublishMsg(ctx, msg, jetstream.WithMsgID(c.Event.ID)); err != nil {
		return 0, fmt.Errorf("events: publish to NATS: %w", err)
	}
	return 0, nil
}

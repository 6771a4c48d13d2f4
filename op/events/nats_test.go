package events_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/admit-idp/admit/keys"
	"github.com/admit-idp/admit/op/events"
	"github.com/admit-idp/admit/storage"
)

// natsURL is the JetStream server of the tests (ADMIT_TEST_NATS_URL).
func natsURL() string {
	if u := os.Getenv("ADMIT_TEST_NATS_URL"); u != "" {
		return u
	}
	return "nats://127.0.0.1:4222"
}

// TestNATSJetStream publishes through a real JetStream server on a fresh
// stream: the stream is created, every event arrives once with
// Nats-Msg-Id = event id and a Standard Webhooks signature that verifies,
// and a redelivery of the same event is dropped by the stream.
func TestNATSJetStream(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	name := "ADMIT_TEST_" + hex.EncodeToString(suffix)
	_, secret, _, err := keys.NewWebhookSecret(sealer(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg := events.NATSConfig{URL: natsURL(), Stream: name, Subject: "admittest." + hex.EncodeToString(suffix), Secret: secret}
	f := newFixture(t)
	n, err := events.OpenNATS(ctx, cfg, f.clock.Now)
	if err != nil {
		t.Fatalf("OpenNATS (is JetStream running at %s?): %v", cfg.URL, err)
	}
	defer n.Close()
	nc, err := nats.Connect(cfg.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), name) })

	f.worker.NATS = n
	f.createUser(t, "gus")
	f.createUser(t, "hal")
	f.drain(t, 2, nil)
	// Redeliver gus's event (as after a lost acknowledgement): deduplicated.
	evs, _ := f.store.ListEvents(ctx, 0, 0)
	if err := f.store.ReplayDelivery(ctx, evs[0].ID, "nats", f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	f.drain(t, 1, nil)

	stream, err := js.Stream(ctx, name)
	if err != nil {
		t.Fatalf("the stream was not created: %v", err)
	}
	info, _ := stream.Info(ctx)
	if info.State.Msgs != 2 {
		t.Fatalf("stream holds %d messages, want 2 (the redelivery deduplicated)", info.State.Msgs)
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	wh, _ := standardwebhooks.NewWebhook(secret)
	batch, err := cons.Fetch(2, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	// Different users' events may arrive in either order.
	want := map[string]bool{evs[0].ID: true, evs[1].ID: true}
	i := 0
	for msg := range batch.Messages() {
		h := http.Header(msg.Headers())
		id := msg.Headers().Get("Nats-Msg-Id")
		if !want[id] {
			t.Errorf("message %d: Nats-Msg-Id %q, want one of %v once", i, id, want)
		}
		delete(want, id)
		if err := wh.Verify(msg.Data(), h); err != nil {
			t.Errorf("message %d: signature: %v", i, err)
		}
		var env events.Envelope
		if err := json.Unmarshal(msg.Data(), &env); err != nil || env.ID != id || env.Type != storage.EventUserCreated ||
			msg.Subject() != cfg.Subject+"."+storage.EventUserCreated {
			t.Errorf("message %d: %s on %s", i, msg.Data(), msg.Subject())
		}
		i++
	}
	if i != 2 {
		t.Fatalf("fetched %d messages, want 2", i)
	}
}

package mail

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/admit-idp/admit/templates"
)

// flaky fails until up is set, then records what it sends.
type flaky struct {
	mu   sync.Mutex
	up   bool
	sent []Message
}

func (f *flaky) Send(_ context.Context, m Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.up {
		return errors.New("connection refused")
	}
	f.sent = append(f.sent, m)
	return nil
}

func (f *flaky) set(up bool) { f.mu.Lock(); f.up = up; f.mu.Unlock() }
func (f *flaky) count() int  { f.mu.Lock(); defer f.mu.Unlock(); return len(f.sent) }

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestQueueRetriesUntilTheServerIsBack(t *testing.T) {
	s := &flaky{}
	q := NewQueue(s, QueueOptions{Workers: 1, Backoff: 5 * time.Millisecond, MaxBackoff: 10 * time.Millisecond, MaxAttempts: 1000}, quiet())
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); q.Wait() }()
	q.Run(ctx)
	if err := q.Enqueue(Message{To: "a@example.com", Subject: "hi"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return !q.Ready() })
	if err := q.Enqueue(Message{To: "b@example.com"}); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("enqueue while failing: %v", err)
	}
	s.set(true)
	waitFor(t, func() bool { return s.count() == 1 && q.Ready() })
}

func TestQueueFull(t *testing.T) {
	q := NewQueue(&flaky{}, QueueOptions{Size: 1}, quiet()) // not running
	if err := q.Enqueue(Message{}); err != nil {
		t.Fatal(err)
	}
	if err := q.Enqueue(Message{}); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("full queue: %v", err)
	}
}

func TestRenderTextIsPlain(t *testing.T) {
	m, err := Render(context.Background(), "a@example.com", templates.MailView{
		Subject: "S", Greeting: "Hello Ada & Bob,", Lines: []string{"Line <1>"},
		ActionURL: "https://id.example.com/login/verify?token=x&y=z", ActionLabel: "Go",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Hello Ada & Bob,", "Line <1>", "https://id.example.com/login/verify?token=x&y=z"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text part lacks %q:\n%s", want, m.Text)
		}
	}
	if !strings.Contains(m.HTML, "Ada &amp; Bob") || !strings.Contains(m.HTML, `href="https://id.example.com/login/verify?token=x&amp;y=z"`) {
		t.Errorf("html part not escaped:\n%s", m.HTML)
	}
}

func TestMailboxKeepsLinks(t *testing.T) {
	b := &Mailbox{Now: time.Now}
	_ = b.Send(context.Background(), Message{To: "a@example.com", Subject: "S", Text: "Open http://localhost:8080/login/verify?token=abc now"})
	got := b.Messages()
	if len(got) != 1 || len(got[0].Links) != 1 || got[0].Links[0] != "http://localhost:8080/login/verify?token=abc" {
		t.Fatalf("%+v", got)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

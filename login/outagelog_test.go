package login

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// An outage of 50 failures is one full line plus a count; after a quiet
// interval the next failure is a new outage and logged in full again;
// kinds are counted apart; cancelled requests are DEBUG and not counted.
func TestOutageLogSummarisesRepeats(t *testing.T) {
	var buf syncBuffer
	o := &OutageLog{Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), Every: 100 * time.Millisecond}
	ctx := context.Background()
	down := fmt.Errorf("postgres: get user: %w", storage.ErrUnavailable)
	written := 0
	for range 50 {
		if o.Failed(ctx, slog.LevelError, "backend unavailable", down) {
			written++
		}
	}
	if !o.Failed(ctx, slog.LevelWarn, "limiter unavailable", down) {
		t.Error("the first failure of another kind was not written")
	}
	if o.Failed(ctx, slog.LevelError, "backend unavailable", fmt.Errorf("get: %w", context.Canceled)) {
		t.Error("a cancelled request was written as a failure")
	}
	if written != 1 {
		t.Fatalf("%d of 50 failures written in full, want 1", written)
	}
	time.Sleep(350 * time.Millisecond) // a summary, then a quiet interval
	if !o.Failed(ctx, slog.LevelError, "backend unavailable", down) {
		t.Error("the first failure after a quiet interval was not written in full")
	}
	out := buf.String()
	for _, want := range []string{
		`level=ERROR msg="backend unavailable (repeated)" count=49`,
		`level=WARN msg="limiter unavailable"`,
		`level=DEBUG msg="backend unavailable: the client cancelled the request"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "level=ERROR"); n != 3 {
		t.Errorf("%d ERROR lines, want 3 (first, summary, next outage):\n%s", n, out)
	}
}

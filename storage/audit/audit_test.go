package audit

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/memory"
)

func TestWriterBatchesAndFillsRequest(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	st := memory.New(func() time.Time { return now })
	w := &Writer{Store: st, Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler), BatchSize: 2}
	w.Start()
	ctx := WithRequest(context.Background(), Request{IP: "192.0.2.7", UserAgent: "ua", RequestID: "req1"})
	for range 5 {
		w.Record(ctx, Event{Event: "login", Outcome: Failure, UserID: "u1"})
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, _ := st.ListAudit(context.Background(), storage.AuditFilter{UserID: "u1"})
	if len(got) != 5 || got[0].IP != "192.0.2.7" || got[0].RequestID != "req1" || got[0].ID == "" || !got[0].Time.Equal(now) {
		t.Fatalf("got %+v", got)
	}
}

type failingLog struct {
	storage.AuditLog
	mu    sync.Mutex
	calls int
}

func (f *failingLog) AppendAudit(context.Context, []storage.AuditEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return errors.New("broken")
}

func TestWriterNeverDropsSilently(t *testing.T) {
	tests := []struct {
		name  string
		queue int
		n     int
		store storage.AuditLog
		want  int
	}{
		{"store fails", 10, 3, &failingLog{}, 3},
		{"after close", 10, 0, &failingLog{}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			dropped := 0
			w := &Writer{Store: tc.store, Now: time.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), QueueSize: tc.queue,
				Dropped: func(n int) { mu.Lock(); dropped += n; mu.Unlock() }}
			w.Start()
			for range tc.n {
				w.Record(context.Background(), Event{Event: "x"})
			}
			_ = w.Close(context.Background())
			if tc.n == 0 {
				w.Record(context.Background(), Event{Event: "late"})
			}
			mu.Lock()
			defer mu.Unlock()
			if dropped != tc.want {
				t.Fatalf("dropped %d, want %d", dropped, tc.want)
			}
		})
	}
}

func TestWriterQueueFull(t *testing.T) {
	block := make(chan struct{})
	st := &blockingLog{block: block}
	dropped := 0
	w := &Writer{Store: st, Now: time.Now, Logger: slog.New(slog.DiscardHandler), QueueSize: 1, BatchSize: 1,
		Dropped: func(n int) { dropped += n }}
	w.Start()
	for range 10 {
		w.Record(context.Background(), Event{Event: "x"})
	}
	close(block)
	_ = w.Close(context.Background())
	if dropped == 0 {
		t.Fatal("queue full did not count drops")
	}
}

type blockingLog struct {
	storage.AuditLog
	block chan struct{}
}

func (b *blockingLog) AppendAudit(context.Context, []storage.AuditEvent) error {
	<-b.block
	return nil
}

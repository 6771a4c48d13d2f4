package storage_test

import (
	"context"
	"testing"

	"github.com/admit-idp/admit/storage"
)

func ids(b *storage.EventBatch) string {
	if b == nil {
		return "<nil>"
	}
	s := ""
	for _, e := range b.Events() {
		s += e.ID
	}
	return s
}

// TestWithEvents: events nest, are written once, and a nested batch that
// never got written does not leak into the enclosing context.
func TestWithEvents(t *testing.T) {
	bg := context.Background()
	if storage.PendingEvents(bg) != nil || storage.WithEvents(bg) != bg {
		t.Fatal("a context without events has a pending batch")
	}
	outer := storage.WithEvents(bg, storage.Event{ID: "a"})
	inner := storage.WithEvents(outer, storage.Event{ID: "b"})
	if got := ids(storage.PendingEvents(inner)); got != "ab" {
		t.Fatalf("inner pending = %s, want ab", got)
	}
	// The inner call failed: the outer context still has only a.
	if got := ids(storage.PendingEvents(outer)); got != "a" {
		t.Fatalf("outer pending = %s, want a", got)
	}
	storage.PendingEvents(inner).MarkWritten()
	if storage.PendingEvents(outer) != nil || storage.PendingEvents(inner) != nil {
		t.Fatal("written batches are still pending")
	}
	// Attached after the write: only the new one.
	again := storage.WithEvents(outer, storage.Event{ID: "c"})
	if got := ids(storage.PendingEvents(again)); got != "c" {
		t.Fatalf("after write, pending = %s, want c", got)
	}
}

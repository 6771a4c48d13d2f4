package redis

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

// go-redis' messages come out as structured slog records.
func TestSlogPrinter(t *testing.T) {
	var buf bytes.Buffer
	p := slogPrinter{log: slog.New(slog.NewJSONHandler(&buf, nil))}
	p.Printf(context.Background(), "redis: connection pool: failed to dial after %d attempts: %v", 1, "refused")
	out := buf.String()
	if !strings.Contains(out, `"level":"WARN"`) || !strings.Contains(out, `"message":"redis: connection pool: failed to dial after 1 attempts: refused"`) {
		t.Fatalf("record = %s", out)
	}
}

package redis_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/admit-idp/admit/storage/redis"
)

// syncBuffer is a bytes.Buffer safe for go-redis' pool goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestClientLogsGoThroughSlog: go-redis' own "connection pool: failed to
// dial" line (printed to stderr by the standard logger otherwise) becomes a
// structured WARN record of the given logger.
func TestClientLogsGoThroughSlog(t *testing.T) {
	var buf syncBuffer
	redis.RouteClientLogs(slog.New(slog.NewJSONHandler(&buf, nil)))
	t.Cleanup(func() { redis.RouteClientLogs(slog.Default()) })

	// A port nothing listens on: the dial fails and the pool logs it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	client := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1})
	defer client.Close()
	if err := client.Ping(context.Background()).Err(); err == nil {
		t.Fatal("ping of a closed port succeeded")
	}
	out := buf.String()
	if !strings.Contains(out, `"level":"WARN"`) || !strings.Contains(out, `"msg":"redis client"`) || !strings.Contains(out, "failed to dial") {
		t.Fatalf("go-redis' dial failure was not logged through slog; got:\n%s", out)
	}
}

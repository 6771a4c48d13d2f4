package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// EnvURL names the environment variable holding the test server's URL.
const EnvURL = "ADMIT_TEST_REDIS_URL"

// DefaultURL is used when EnvURL is unset: the compose service.
const DefaultURL = "redis://127.0.0.1:6379"

// NewClient connects to the test Redis and returns the client with a fresh
// key prefix. The test fails if Redis is unreachable; cleanup deletes every
// key under the prefix and closes the client.
func NewClient(t testing.TB) (client goredis.UniversalClient, prefix string) {
	t.Helper()
	client = connect(t, URL())
	prefix = "admit-test-" + randomHex(t) + ":"
	t.Cleanup(func() { cleanup(t, client, prefix) })
	return client, prefix
}

// URL is the test server's URL: EnvURL, or DefaultURL when unset. Tests that
// need a second, independent client (two replicas sharing one Redis) dial it.
func URL() string {
	if url := os.Getenv(EnvURL); url != "" {
		return url
	}
	return DefaultURL
}

// connect opens and pings the server, failing the test with instructions.
func connect(t testing.TB, url string) goredis.UniversalClient {
	t.Helper()
	opt, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatalf("redistest: %s=%q is not a valid Redis URL: %v", EnvURL, url, err)
	}
	// Fail fast when Redis is down: go-redis' default dial and command retries
	// would spend seconds on every test before reporting it.
	opt.DialerRetries = 1
	if opt.MaxRetries == 0 {
		opt.MaxRetries = 1
	}
	client := goredis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		t.Fatalf("redistest: Redis at %s is unreachable (%v); start it with "+
			"`docker compose up -d redis` or point %s at a running server", opt.Addr, err, EnvURL)
	}
	return client
}

// randomHex returns 8 random bytes in hex: enough that concurrent runs never
// pick the same prefix.
func randomHex(t testing.TB) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("redistest: random prefix: %v", err)
	}
	return hex.EncodeToString(b)
}

// cleanup deletes the prefix's keys. It runs after t.Context is cancelled, so
// it uses its own deadline.
func cleanup(t testing.TB, client goredis.UniversalClient, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := deletePrefix(ctx, client, prefix); err != nil {
		t.Errorf("redistest: delete keys %s*: %v", prefix, err)
	}
	if err := client.Close(); err != nil {
		t.Errorf("redistest: close client: %v", err)
	}
}

// deletePrefix walks the keyspace with SCAN MATCH and unlinks each batch. The
// prefix is hex and fixed text, so it holds no glob metacharacters.
func deletePrefix(ctx context.Context, client goredis.UniversalClient, prefix string) error {
	var cursor uint64
	for {
		keys, next, err := client.Scan(ctx, cursor, prefix+"*", 500).Result()
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			if err := client.Unlink(ctx, keys...).Err(); err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

package redis

import (
	"testing"

	goredis "github.com/redis/go-redis/v9"
)

// Without ContextTimeoutEnabled go-redis ignores context deadlines on the
// socket, and WithDeadline would not bound a frozen server's reply.
func TestConnectDefaultsHonourContextDeadlines(t *testing.T) {
	opt := &goredis.Options{}
	applyDefaults(opt)
	if !opt.ContextTimeoutEnabled {
		t.Fatal("applyDefaults left ContextTimeoutEnabled off")
	}
}

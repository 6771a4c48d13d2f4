package redis

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	goredis "github.com/redis/go-redis/v9"

	"github.com/admit-idp/admit/storage"
)

// Key kinds of the defences: <prefix>rl:<key> is redis_rate's GCRA state
// (it adds its own "rate:" prefix); <prefix>fail:<key> a hash with the
// failure count "n", its window end "wend" and the lock end "lock" (ms).
const (
	kindRate    = "rl:"
	kindFailure = "fail:"
)

// AllowRate implements storage.RateLimiter with redis_rate's GCRA script:
// one atomic round trip, shared by every node (it reads Redis TIME, so the
// injected clock does not apply to rate limits).
func (s *Store) AllowRate(ctx context.Context, key string, r storage.Rate) (storage.RateResult, error) {
	lim := redis_rate.NewLimiter(s.client)
	res, err := lim.Allow(ctx, s.key(kindRate, key), redis_rate.Limit{Rate: r.Limit, Burst: r.Limit, Period: r.Period})
	if err != nil {
		return storage.RateResult{}, mapErr("allow rate", err)
	}
	out := storage.RateResult{Allowed: res.Allowed > 0, Remaining: res.Remaining}
	if !out.Allowed {
		out.RetryAfter = max(res.RetryAfter, 0)
	}
	return out, nil
}

// PeekRate reports whether AllowRate would allow one event for key now,
// without recording it (redis_rate with a cost of 0 leaves the count as
// it is; one more event fits when at least one remains).
func (s *Store) PeekRate(ctx context.Context, key string, r storage.Rate) (storage.RateResult, error) {
	lim := redis_rate.NewLimiter(s.client)
	res, err := lim.AllowN(ctx, s.key(kindRate, key), redis_rate.Limit{Rate: r.Limit, Burst: r.Limit, Period: r.Period}, 0)
	if err != nil {
		return storage.RateResult{}, mapErr("peek rate", err)
	}
	out := storage.RateResult{Allowed: res.Remaining >= 1, Remaining: res.Remaining}
	if !out.Allowed {
		out.RetryAfter = max(res.RetryAfter, r.Period/time.Duration(r.Limit))
	}
	return out, nil
}

// recordFailureSrc counts a failure in KEYS[1]: a fixed window from the
// first failure, the ARGV[3]-th failure sets the lock and clears the count.
// ARGV: 1 now ms, 2 window ms, 3 max, 4 lock ms. Returns {count, lock end}.
var recordFailureScript = goredis.NewScript(`
local h = redis.call('HMGET', KEYS[1], 'n', 'wend', 'lock')
local now = tonumber(ARGV[1])
local n, wend, lock = tonumber(h[1]) or 0, tonumber(h[2]) or 0, tonumber(h[3]) or 0
if wend <= now then n = 0; wend = now + tonumber(ARGV[2]) end
n = n + 1
local count = n
if n >= tonumber(ARGV[3]) then n = 0; wend = 0; lock = now + tonumber(ARGV[4]) end
redis.call('HSET', KEYS[1], 'n', n, 'wend', wend, 'lock', lock)
redis.call('PEXPIRE', KEYS[1], math.max(math.max(wend, lock) - now, 1000))
return {count, lock}
`)

// RecordFailure implements storage.FailureCounters atomically (one script;
// the caller's clock decides windows, as elsewhere in this store).
func (s *Store) RecordFailure(ctx context.Context, key string, p storage.FailurePolicy) (storage.FailureState, error) {
	now := s.now().UnixMilli()
	res, err := recordFailureScript.Run(ctx, s.client, []string{s.key(kindFailure, key)},
		now, p.Window.Milliseconds(), p.Max, p.LockFor.Milliseconds()).Int64Slice()
	if err != nil {
		return storage.FailureState{}, mapErr("record failure", err)
	}
	if len(res) != 2 {
		return storage.FailureState{}, fmt.Errorf("redis: record failure: script returned %d values", len(res))
	}
	st := storage.FailureState{Count: int(res[0])}
	if res[1] > now {
		st.LockedUntil = time.UnixMilli(res[1]).UTC()
	}
	return st, nil
}

// GetFailures implements storage.FailureCounters.
func (s *Store) GetFailures(ctx context.Context, key string) (storage.FailureState, error) {
	vals, err := s.client.HMGet(ctx, s.key(kindFailure, key), "n", "wend", "lock").Result()
	if err != nil {
		return storage.FailureState{}, mapErr("get failures", err)
	}
	return s.failureState(vals), nil
}

// failureState decodes HMGET n, wend, lock by the injected clock.
func (s *Store) failureState(vals []any) storage.FailureState {
	now := s.now().UnixMilli()
	n, wend, lock := asInt(vals[0]), asInt(vals[1]), asInt(vals[2])
	var st storage.FailureState
	if wend > now {
		st.Count = int(n)
	}
	if lock > now {
		st.LockedUntil = time.UnixMilli(lock).UTC()
	}
	return st
}

func asInt(v any) int64 {
	s, _ := v.(string)
	var n int64
	_, _ = fmt.Sscan(s, &n)
	return n
}

// ClearFailures implements storage.FailureCounters: the count goes, the
// lock stays unless unlock.
func (s *Store) ClearFailures(ctx context.Context, key string, unlock bool) error {
	k := s.key(kindFailure, key)
	var err error
	if unlock {
		err = s.client.Del(ctx, k).Err()
	} else {
		err = s.client.HDel(ctx, k, "n", "wend").Err() // keeps the TTL; an empty hash vanishes
	}
	return mapErr("clear failures", err)
}

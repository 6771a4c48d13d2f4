package redis

import (
	"context"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/admit-idp/admit/storage"
)

// Markers of a cache filled from the durable record (package layered): the
// key exists only while Redis holds every revocation (or lock) the record
// held when it was filled. A restarted or flushed Redis has no marker, which
// is how the loss is noticed. The markers carry a TTL, so every node also
// refills periodically; that bounds how long an entry a node failed to write
// through can stay missing.
const (
	markRevocations = "cache:revocations"
	markLocks       = "cache:locks"
)

// CheckRevoked is IsRevoked plus, in the same MGET (one round trip on the
// hot path), whether the deny-list is complete: loaded is false when the
// marker is missing and the answer cannot be trusted.
func (s *Store) CheckRevoked(ctx context.Context, keys ...string) (revoked, loaded bool, err error) {
	full := make([]string, 0, len(keys)+1)
	full = append(full, s.key(markRevocations, ""))
	for _, k := range keys {
		full = append(full, s.key(kindRevoked, k))
	}
	vals, err := s.client.MGet(ctx, full...).Result()
	if err != nil {
		return false, false, mapErr("check revoked", err)
	}
	revoked, err = s.anyLive(vals[1:])
	return revoked, vals[0] != nil, err
}

// loadRevocationsSrc merges the entries KEYS[2..] (until, TTL ms pairs in
// ARGV[2..]) into the deny-list as revokeSrc does (never shortening one),
// then sets the marker KEYS[1] for ARGV[1] ms. One script, so the marker can
// never be set without the entries: a restart in between loses both.
const loadRevocationsSrc = `
for i = 2, #KEYS do
  local ends, ttl = ARGV[2*i-2], ARGV[2*i-1]
  local cur = redis.call('GET', KEYS[i])
  if not cur or tonumber(cur) < tonumber(ends) then
    redis.call('SET', KEYS[i], ends, 'PX', ttl)
  end
end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
return 1
`

var loadRevocationsScript = goredis.NewScript(loadRevocationsSrc)

// LoadRevocations writes entries (the durable record's live revocations)
// and marks the deny-list complete for markFor. Several nodes may load at
// once: the merge never shortens an entry, so the result is the same.
func (s *Store) LoadRevocations(ctx context.Context, entries []storage.Revocation, markFor time.Duration) error {
	keys := make([]string, 0, len(entries)+1)
	args := make([]any, 0, 2*len(entries)+1)
	keys = append(keys, s.key(markRevocations, ""))
	args = append(args, markFor.Milliseconds())
	for _, e := range entries {
		keys = append(keys, s.key(kindRevoked, e.Key))
		args = append(args, e.Until.UnixMicro(), s.ttl(e.Until).Milliseconds())
	}
	return mapErr("load revocations", loadRevocationsScript.Run(ctx, s.client, keys, args...).Err())
}

// CheckFailures is GetFailures plus, in the same round trip (a pipeline),
// whether the locks are complete (the marker exists).
func (s *Store) CheckFailures(ctx context.Context, key string) (storage.FailureState, bool, error) {
	var get *goredis.SliceCmd
	var mark *goredis.IntCmd
	_, err := s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		get = p.HMGet(ctx, s.key(kindFailure, key), "n", "wend", "lock")
		mark = p.Exists(ctx, s.key(markLocks, ""))
		return nil
	})
	if err != nil {
		return storage.FailureState{}, false, mapErr("check failures", err)
	}
	return s.failureState(get.Val()), mark.Val() == 1, nil
}

// loadLocksSrc raises the lock of each failure hash KEYS[2..] to ARGV[i+1]
// (ms) unless it already ends later, keeping the count, and makes the key
// live at least until the lock ends; then sets the marker KEYS[1] for
// ARGV[1] ms. ARGV[2] is now (ms).
const loadLocksSrc = `
local now = tonumber(ARGV[2])
for i = 2, #KEYS do
  local lock = tonumber(ARGV[i+1])
  local cur = tonumber(redis.call('HGET', KEYS[i], 'lock')) or 0
  if cur < lock then
    redis.call('HSET', KEYS[i], 'lock', lock)
    if redis.call('PTTL', KEYS[i]) < lock - now then
      redis.call('PEXPIRE', KEYS[i], math.max(lock - now, 1000))
    end
  end
end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
return 1
`

var loadLocksScript = goredis.NewScript(loadLocksSrc)

// LoadLocks writes locks (the durable record's live locks) into the failure
// hashes and marks them complete for markFor; safe to run on several nodes
// at once (a lock is only ever extended).
func (s *Store) LoadLocks(ctx context.Context, locks []storage.Lock, markFor time.Duration) error {
	keys := make([]string, 0, len(locks)+1)
	args := make([]any, 0, len(locks)+2)
	keys = append(keys, s.key(markLocks, ""))
	args = append(args, markFor.Milliseconds(), s.now().UnixMilli())
	for _, l := range locks {
		keys = append(keys, s.key(kindFailure, l.Key))
		args = append(args, strconv.FormatInt(l.Until.UnixMilli(), 10))
	}
	return mapErr("load locks", loadLocksScript.Run(ctx, s.client, keys, args...).Err())
}

package redis

import goredis "github.com/redis/go-redis/v9"

// The Lua scripts make every read-check-write atomic in one round trip. They
// never parse JSON (cjson would re-encode records lossily): records that need
// a check live in hashes whose "gone" and "exp" fields hold microseconds since
// the Unix epoch, and the caller passes its clock's now in the same unit
// (never Redis TIME, so tests can move the clock).

// createSrc creates the hash KEYS[1] from the field/value pairs ARGV[4..]
// (which include "gone") unless a live record holds the key; a record whose
// "gone" has passed counts as absent and is replaced.
// ARGV: 1 now, 2 TTL in ms, 3 nonce of this call. Returns 1 if stored.
const createSrc = `
local cur = redis.call('HMGET', KEYS[1], 'gone', 'nonce')
if cur[1] and tonumber(cur[1]) > tonumber(ARGV[1]) then
  if cur[2] == ARGV[3] then return 1 end
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'nonce', ARGV[3], unpack(ARGV, 4))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`

// completeSrc stores the completion JSON ARGV[2] in the live auth request
// KEYS[1]; HSET keeps the key's TTL. ARGV[1] is now. Returns 1 if stored.
const completeSrc = `
local gone = redis.call('HGET', KEYS[1], 'gone')
if not gone or tonumber(gone) <= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'done', ARGV[2])
return 1
`

// Statuses of consumeSrc besides 0 (unknown, past KeepUntil, or unused past
// ExpiresAt), which comes without a request.
const (
	consumeWon    = 1 // this call consumed the code
	consumeReplay = 2 // consumed earlier by another call
)

// consumeSrc consumes the code KEYS[1]: {0} or {status, request JSON}. "used" holds
// the nonce of the winning call, so a retry of that same call wins again
// instead of looking like a replay. ARGV: 1 now, 2 nonce.
const consumeSrc = `
local r = redis.call('HMGET', KEYS[1], 'gone', 'exp', 'used', 'req')
local now = tonumber(ARGV[1])
if not r[1] or tonumber(r[1]) <= now then return {0} end
if r[3] then
  if r[3] == ARGV[2] then return {1, r[4]} end
  return {2, r[4]}
end
if tonumber(r[2]) <= now then return {0} end
redis.call('HSET', KEYS[1], 'used', ARGV[2])
return {1, r[4]}
`

// revokeSrc sets the revocation KEYS[1] to ARGV[1] (until) with TTL ARGV[2]
// ms unless it already runs at least as long: revoking again must never
// shorten a revocation. Returns 1 if stored.
const revokeSrc = `
local cur = redis.call('GET', KEYS[1])
if cur and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`

// scripts are compiled once per Store; Run uses EVALSHA and falls back to
// EVAL when the server lost its script cache (restart, failover).
type scripts struct {
	create   *goredis.Script
	complete *goredis.Script
	consume  *goredis.Script
	revoke   *goredis.Script
}

func newScripts() scripts {
	return scripts{
		create:   goredis.NewScript(createSrc),
		complete: goredis.NewScript(completeSrc),
		consume:  goredis.NewScript(consumeSrc),
		revoke:   goredis.NewScript(revokeSrc),
	}
}

package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/admit-idp/admit/storage"
)

// Key kinds of the TOTP state (see doc.go).
const (
	kindTOTPPending = "totp:pending:"
	kindTOTPUsed    = "totp:used:"
)

var _ storage.TOTPEphemeral = (*Store)(nil)

// PutPendingTOTP creates or replaces the pending enrolment (plain SET: last
// write wins).
func (s *Store) PutPendingTOTP(ctx context.Context, p storage.PendingTOTP) error {
	const op = "put pending totp"
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("redis: %s: encode: %w", op, err)
	}
	return mapErr(op, s.client.Set(ctx, s.key(kindTOTPPending, p.UserID), data, s.ttl(p.ExpiresAt)).Err())
}

// GetPendingTOTP returns the enrolment unless missing or expired by the clock.
func (s *Store) GetPendingTOTP(ctx context.Context, userID string) (storage.PendingTOTP, error) {
	return decodeLive(s, "get pending totp", s.client.Get(ctx, s.key(kindTOTPPending, userID)), func(p storage.PendingTOTP) time.Time { return p.ExpiresAt })
}

// DeletePendingTOTP is idempotent.
func (s *Store) DeletePendingTOTP(ctx context.Context, userID string) error {
	return mapErr("delete pending totp", s.client.Del(ctx, s.key(kindTOTPPending, userID)).Err())
}

// markUsedSrc sets the mark KEYS[1] to "until nonce" unless a live mark
// (until > now) holds it; a retry of the same call (same nonce) wins again.
// ARGV: 1 now, 2 until (both µs), 3 TTL ms, 4 nonce. Returns 1 if marked.
const markUsedSrc = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local untilv, n = string.match(cur, '^(%d+) (.*)$')
  if untilv and tonumber(untilv) > tonumber(ARGV[1]) then
    if n == ARGV[4] then return 1 end
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[2] .. ' ' .. ARGV[4], 'PX', ARGV[3])
return 1
`

// markUsedScript is immutable once built (a source and its SHA-1).
var markUsedScript = goredis.NewScript(markUsedSrc)

// MarkTOTPStepUsed records an accepted time step atomically (one script:
// read, compare with the injected clock, write). A live mark is replay.
func (s *Store) MarkTOTPStepUsed(ctx context.Context, userID string, step int64, until time.Time) error {
	const op = "mark totp step"
	key := s.key(kindTOTPUsed, userID+":"+strconv.FormatInt(step, 10))
	res, err := markUsedScript.Run(ctx, s.client, []string{key},
		s.now().UnixMicro(), until.UnixMicro(), s.ttl(until).Milliseconds(), nonce()).Int()
	if err != nil {
		return mapErr(op, err)
	}
	if res == 0 {
		return fmt.Errorf("redis: %s: %w", op, storage.ErrAlreadyUsed)
	}
	return nil
}

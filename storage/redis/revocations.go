package redis

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Revoke puts key on the deny-list until the given time. Revoking a key again
// extends the entry but never shortens it.
func (s *Store) Revoke(ctx context.Context, key string, until time.Time) error {
	err := s.scripts.revoke.Run(ctx, s.client, []string{s.key(kindRevoked, key)},
		until.UnixMicro(), s.ttl(until).Milliseconds()).Err()
	return mapErr("revoke", err)
}

// IsRevoked checks all keys with one MGET (userinfo/introspection hot path).
// An entry counts until its stored time by the injected clock, whatever its
// native TTL.
func (s *Store) IsRevoked(ctx context.Context, keys ...string) (bool, error) {
	const op = "is revoked"
	if len(keys) == 0 {
		return false, nil
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = s.key(kindRevoked, k)
	}
	vals, err := s.client.MGet(ctx, full...).Result()
	if err != nil {
		return false, mapErr(op, err)
	}
	return s.anyLive(vals)
}

// anyLive reports whether any MGET value is a revocation still in force. A
// value that does not parse is an error rather than "not revoked", so a
// corrupted deny-list fails closed.
func (s *Store) anyLive(vals []any) (bool, error) {
	now := s.now()
	for _, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue // no entry
		}
		until, err := strconv.ParseInt(str, 10, 64)
		if err != nil {
			return false, fmt.Errorf("redis: is revoked: decode %q: %w", str, err)
		}
		if !expired(now, time.UnixMicro(until)) {
			return true, nil
		}
	}
	return false, nil
}

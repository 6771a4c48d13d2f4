package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/admit-idp/admit/storage"
)

// PutLoginFlow creates or replaces the flow: a plain SET, since last write
// wins by contract and no read-check-write is needed.
func (s *Store) PutLoginFlow(ctx context.Context, f storage.LoginFlow) error {
	const op = "put login flow"
	data, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("redis: %s: encode: %w", op, err)
	}
	return mapErr(op, s.client.Set(ctx, s.key(kindFlow, f.ID), data, s.ttl(f.ExpiresAt)).Err())
}

// GetLoginFlow returns the flow unless it is missing or expired by the clock.
func (s *Store) GetLoginFlow(ctx context.Context, id string) (storage.LoginFlow, error) {
	return decodeLive(s, "get login flow", s.client.Get(ctx, s.key(kindFlow, id)), func(f storage.LoginFlow) time.Time { return f.ExpiresAt })
}

// DeleteLoginFlow is idempotent.
func (s *Store) DeleteLoginFlow(ctx context.Context, id string) error {
	return mapErr("delete login flow", s.client.Del(ctx, s.key(kindFlow, id)).Err())
}

// decodeLive reads the JSON record a GET or GETDEL returned: a missing key
// and a record past its expiry by the store's clock (Redis expires keys a
// little later) are both ErrNotFound.
func decodeLive[T any](s *Store, op string, cmd *goredis.StringCmd, expiresAt func(T) time.Time) (T, error) {
	var v, zero T
	data, err := cmd.Bytes()
	if err != nil {
		return zero, mapErr(op, err)
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return zero, fmt.Errorf("redis: %s: decode: %w", op, err)
	}
	if expired(s.now(), expiresAt(v)) {
		return zero, fmt.Errorf("redis: %s: expired: %w", op, storage.ErrNotFound)
	}
	return v, nil
}

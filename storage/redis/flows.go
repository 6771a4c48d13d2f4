package redis

import (
	"context"
	"encoding/json"
	"fmt"

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
	const op = "get login flow"
	data, err := s.client.Get(ctx, s.key(kindFlow, id)).Bytes()
	if err != nil {
		return storage.LoginFlow{}, mapErr(op, err)
	}
	var f storage.LoginFlow
	if err := json.Unmarshal(data, &f); err != nil {
		return storage.LoginFlow{}, fmt.Errorf("redis: %s: decode: %w", op, err)
	}
	if expired(s.now(), f.ExpiresAt) {
		return storage.LoginFlow{}, fmt.Errorf("redis: %s: expired: %w", op, storage.ErrNotFound)
	}
	return f, nil
}

// DeleteLoginFlow is idempotent.
func (s *Store) DeleteLoginFlow(ctx context.Context, id string) error {
	return mapErr("delete login flow", s.client.Del(ctx, s.key(kindFlow, id)).Err())
}

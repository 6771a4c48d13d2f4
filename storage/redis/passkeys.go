package redis

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/admit-idp/admit/storage"
)

// kindPasskeyChallenge: <prefix>passkeychallenge:<binding> holds a JSON
// storage.PasskeyChallenge.
const kindPasskeyChallenge = "passkeychallenge:"

// PutPasskeyChallenge implements storage.PasskeyChallenges (SET replaces a
// previous ceremony under the same binding).
func (s *Store) PutPasskeyChallenge(ctx context.Context, c storage.PasskeyChallenge) error {
	const op = "put passkey challenge"
	data, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("redis: %s: encode: %w", op, err)
	}
	if err := s.client.Set(ctx, s.key(kindPasskeyChallenge, c.Key), data, s.ttl(c.ExpiresAt)).Err(); err != nil {
		return mapErr(op, err)
	}
	return nil
}

// ConsumePasskeyChallenge implements storage.PasskeyChallenges with GETDEL:
// of concurrent calls exactly one reads it.
func (s *Store) ConsumePasskeyChallenge(ctx context.Context, key string) (storage.PasskeyChallenge, error) {
	const op = "consume passkey challenge"
	data, err := s.client.GetDel(ctx, s.key(kindPasskeyChallenge, key)).Bytes()
	if err != nil {
		return storage.PasskeyChallenge{}, mapErr(op, err)
	}
	var c storage.PasskeyChallenge
	if err := json.Unmarshal(data, &c); err != nil {
		return storage.PasskeyChallenge{}, fmt.Errorf("redis: %s: decode: %w", op, err)
	}
	if expired(s.now(), c.ExpiresAt) {
		return storage.PasskeyChallenge{}, fmt.Errorf("redis: %s: expired: %w", op, storage.ErrNotFound)
	}
	return c, nil
}

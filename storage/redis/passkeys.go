package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

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
	return decodeLive(s, "consume passkey challenge", s.client.GetDel(ctx, s.key(kindPasskeyChallenge, key)), func(c storage.PasskeyChallenge) time.Time { return c.ExpiresAt })
}

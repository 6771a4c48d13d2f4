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

// Key kinds of the wallet aggregate: <prefix>walletnonce:<sha256 hex> holds
// a JSON storage.WalletNonce; <prefix>ratelimit:<key>:<window start ms> an
// integer counter.
const (
	kindWalletNonce = "walletnonce:"
	kindCounter     = "ratelimit:"
)

// PutWalletNonce stores the nonce with SET NX. A go-redis retry after a
// lost reply would see its own write and report ErrAlreadyExists; the
// caller then issues another nonce, so no retry-nonce script is needed.
func (s *Store) PutWalletNonce(ctx context.Context, n storage.WalletNonce) error {
	const op = "put wallet nonce"
	data, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("redis: %s: encode: %w", op, err)
	}
	ok, err := s.client.SetNX(ctx, s.key(kindWalletNonce, n.Hash), data, s.ttl(n.ExpiresAt)).Result()
	if err != nil {
		return mapErr(op, err)
	}
	if !ok {
		return fmt.Errorf("redis: %s: %w", op, storage.ErrAlreadyExists)
	}
	return nil
}

// ConsumeWalletNonce removes and returns the nonce with GETDEL: of
// concurrent calls exactly one reads it. A retry after a lost reply finds
// nothing and fails closed (the user asks for a new nonce).
func (s *Store) ConsumeWalletNonce(ctx context.Context, hash string) (storage.WalletNonce, error) {
	return decodeLive(s, "consume wallet nonce", s.client.GetDel(ctx, s.key(kindWalletNonce, hash)), func(n storage.WalletNonce) time.Time { return n.ExpiresAt })
}

// HitCounter increments the counter of the current fixed window (the window
// start, by the injected clock, is part of the key) and lets Redis drop it
// once the window is over.
func (s *Store) HitCounter(ctx context.Context, key string, window time.Duration) (int64, error) {
	start := s.now().Truncate(window)
	k := s.key(kindCounter, key+":"+strconv.FormatInt(start.UnixMilli(), 10))
	var incr *goredis.IntCmd
	_, err := s.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		incr = p.Incr(ctx, k)
		p.PExpire(ctx, k, s.ttl(start.Add(window)))
		return nil
	})
	if err != nil {
		return 0, mapErr("hit counter", err)
	}
	return incr.Val(), nil
}

package redis

import (
	"context"
	"crypto/rand"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Stamp keys (storage.Stamps):
//
//	<prefix>stamp:<key>    string random stamp, set by Restamp, TTL StampLifetime
//	<prefix>stamps:epoch   string random, created by the first check that
//	                              finds it missing (a new or flushed Redis)
//
// A key without a stamp reads as "~" + epoch. A flushed Redis loses the
// epoch too, so every stamp a node remembers from before the flush differs
// from what it reads afterwards: nothing cached survives a loss of Redis.
const (
	kindStamp  = "stamp:"
	keyEpoch   = "stamps:epoch"
	epochStamp = "~"
)

// StampLifetime is how long a stamp lives after its last Restamp; then the
// key reads as never stamped again. It must exceed the longest time a node
// trusts a cached row without reading its stamp again (op's cache: a
// minute), so that no node can miss a change because its stamp expired.
const StampLifetime = time.Hour

// Restamp implements storage.Stamps: one SET per key, in one pipeline.
func (s *Store) Restamp(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	_, err := s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, k := range keys {
			p.Set(ctx, s.key(kindStamp, k), rand.Text(), StampLifetime)
		}
		return nil
	})
	return mapErr("restamp", err)
}

// CheckRevokedStamped implements storage.Stamps in one MGET (see
// CheckRevokedLoaded).
func (s *Store) CheckRevokedStamped(ctx context.Context, revocationKeys, stampKeys []string) (bool, []string, error) {
	revoked, _, stamps, err := s.CheckRevokedLoaded(ctx, revocationKeys, stampKeys)
	return revoked, stamps, err
}

// CheckRevokedLoaded is CheckRevoked and the stamps of stampKeys in one
// MGET: the deny-list marker, the epoch, the revocation entries and the
// stamps. Only when the epoch is missing (once after Redis lost its data)
// does it take a second round trip to create it.
func (s *Store) CheckRevokedLoaded(ctx context.Context, revocationKeys, stampKeys []string) (revoked, loaded bool, stamps []string, err error) {
	full := make([]string, 0, 2+len(revocationKeys)+len(stampKeys))
	full = append(full, s.key(markRevocations, ""), s.key(keyEpoch, ""))
	for _, k := range revocationKeys {
		full = append(full, s.key(kindRevoked, k))
	}
	for _, k := range stampKeys {
		full = append(full, s.key(kindStamp, k))
	}
	vals, err := s.client.MGet(ctx, full...).Result()
	if err != nil {
		return false, false, nil, mapErr("check revoked", err)
	}
	revoked, err = s.anyLive(vals[2 : 2+len(revocationKeys)])
	if err != nil {
		return false, false, nil, err
	}
	if len(stampKeys) == 0 {
		return revoked, vals[0] != nil, nil, nil
	}
	epoch, _ := vals[1].(string)
	if epoch == "" {
		if epoch, err = s.epoch(ctx); err != nil {
			return false, false, nil, err
		}
	}
	stamps = make([]string, len(stampKeys))
	for i, v := range vals[2+len(revocationKeys):] {
		if str, ok := v.(string); ok {
			stamps[i] = str
		} else {
			stamps[i] = epochStamp + epoch
		}
	}
	return revoked, vals[0] != nil, stamps, nil
}

// epoch creates the epoch if it is missing and returns it (of several
// nodes creating it at once, one wins and all read its value).
func (s *Store) epoch(ctx context.Context) (string, error) {
	key := s.key(keyEpoch, "")
	if err := s.client.SetNX(ctx, key, rand.Text(), 0).Err(); err != nil {
		return "", mapErr("stamps epoch", err)
	}
	v, err := s.client.Get(ctx, key).Result()
	return v, mapErr("stamps epoch", err)
}

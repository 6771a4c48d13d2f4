package redis

import (
	"context"
	"encoding/json"
	"fmt"

	"time"

	"github.com/admit-idp/admit/storage"
)

// Key kinds of DPoP and PAR: <prefix>dpopjti:<key> marks a DPoP proof
// accepted (RFC 9449 §11.1), shared by every node on this Redis;
// <prefix>par:<sha256 hex> holds a JSON storage.PushedRequest (RFC 9126).
const (
	kindDPoPProof = "dpopjti:"
	kindPushed    = "par:"
)

// UseDPoPProof implements storage.DPoPProofs with SET NX: of concurrent
// nodes exactly one records the proof. A go-redis retry after a lost reply
// sees its own write and reports ErrAlreadyUsed: the client retries with a
// fresh proof, which RFC 9449 clients do anyway.
func (s *Store) UseDPoPProof(ctx context.Context, key string, until time.Time) error {
	const op = "use dpop proof"
	ok, err := s.client.SetNX(ctx, s.key(kindDPoPProof, key), until.UnixMicro(), s.ttl(until)).Result()
	if err != nil {
		return mapErr(op, err)
	}
	if !ok {
		return fmt.Errorf("redis: %s: %w", op, storage.ErrAlreadyUsed)
	}
	return nil
}

// PushRequest implements storage.PushedRequests with SET NX.
func (s *Store) PushRequest(ctx context.Context, r storage.PushedRequest) error {
	const op = "push request"
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("redis: %s: encode: %w", op, err)
	}
	ok, err := s.client.SetNX(ctx, s.key(kindPushed, r.Hash), data, s.ttl(r.ExpiresAt)).Result()
	if err != nil {
		return mapErr(op, err)
	}
	if !ok {
		return fmt.Errorf("redis: %s: %w", op, storage.ErrAlreadyExists)
	}
	return nil
}

// ConsumePushedRequest implements storage.PushedRequests: GET checks the
// client (another client's request stays), then GETDEL takes it, so of
// concurrent calls only the one whose GETDEL finds the record gets it. The
// record is never rewritten, so what GETDEL returns is what GET checked.
func (s *Store) ConsumePushedRequest(ctx context.Context, hash, clientID string) (storage.PushedRequest, error) {
	const op = "consume pushed request"
	expiry := func(r storage.PushedRequest) time.Time { return r.ExpiresAt }
	r, err := decodeLive(s, op, s.client.Get(ctx, s.key(kindPushed, hash)), expiry)
	if err != nil {
		return storage.PushedRequest{}, err
	}
	if r.ClientID != clientID {
		return storage.PushedRequest{}, fmt.Errorf("redis: %s: another client's request: %w", op, storage.ErrNotFound)
	}
	return decodeLive(s, op, s.client.GetDel(ctx, s.key(kindPushed, hash)), expiry)
}

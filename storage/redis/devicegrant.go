package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/admit-idp/admit/storage"
)

// Key kinds of the device authorization grant (RFC 8628):
// <prefix>devauth:<device code sha256> holds the JSON
// storage.DeviceAuthorization as created; devuser:<user code> the device
// code hash; devdecision:<hash> the user's JSON storage.DeviceDecision,
// written with SET NX so that the first decision wins; devpoll:<hash> the
// time of the previous poll (microseconds, by the injected clock).
const (
	kindDeviceAuth     = "devauth:"
	kindDeviceUser     = "devuser:"
	kindDeviceDecision = "devdecision:"
	kindDevicePoll     = "devpoll:"
)

// CreateDeviceAuthorization implements storage.DeviceAuthorizations: the
// user code index is claimed first (SET NX), so two authorizations never
// share a user code.
func (s *Store) CreateDeviceAuthorization(ctx context.Context, d storage.DeviceAuthorization) error {
	const op = "create device authorization"
	d.Decision = storage.DevicePending
	data, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("redis: %s: encode: %w", op, err)
	}
	ttl := s.ttl(d.ExpiresAt)
	ok, err := s.client.SetNX(ctx, s.key(kindDeviceUser, d.UserCode), d.DeviceCodeHash, ttl).Result()
	if err != nil {
		return mapErr(op, err)
	}
	if !ok {
		return fmt.Errorf("redis: %s: user code: %w", op, storage.ErrAlreadyExists)
	}
	ok, err = s.client.SetNX(ctx, s.key(kindDeviceAuth, d.DeviceCodeHash), data, ttl).Result()
	if err != nil {
		return mapErr(op, err)
	}
	if !ok {
		return fmt.Errorf("redis: %s: device code: %w", op, storage.ErrAlreadyExists)
	}
	return nil
}

// deviceByUserCode resolves the user code and reads the authorization and
// its decision (nil when pending).
func (s *Store) deviceByUserCode(ctx context.Context, op, userCode string) (storage.DeviceAuthorization, *storage.DeviceDecision, error) {
	hash, err := s.client.Get(ctx, s.key(kindDeviceUser, userCode)).Result()
	if err != nil {
		return storage.DeviceAuthorization{}, nil, mapErr(op, err)
	}
	return s.deviceByHash(ctx, op, hash)
}

func (s *Store) deviceByHash(ctx context.Context, op, hash string) (storage.DeviceAuthorization, *storage.DeviceDecision, error) {
	vals, err := s.client.MGet(ctx, s.key(kindDeviceAuth, hash), s.key(kindDeviceDecision, hash)).Result()
	if err != nil {
		return storage.DeviceAuthorization{}, nil, mapErr(op, err)
	}
	raw, ok := vals[0].(string)
	if !ok {
		return storage.DeviceAuthorization{}, nil, fmt.Errorf("redis: %s: %w", op, storage.ErrNotFound)
	}
	var d storage.DeviceAuthorization
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return storage.DeviceAuthorization{}, nil, fmt.Errorf("redis: %s: decode: %w", op, err)
	}
	if expired(s.now(), d.ExpiresAt) {
		return storage.DeviceAuthorization{}, nil, fmt.Errorf("redis: %s: expired: %w", op, storage.ErrNotFound)
	}
	dec, ok := vals[1].(string)
	if !ok {
		return d, nil, nil
	}
	var decision storage.DeviceDecision
	if err := json.Unmarshal([]byte(dec), &decision); err != nil {
		return storage.DeviceAuthorization{}, nil, fmt.Errorf("redis: %s: decode decision: %w", op, err)
	}
	applyDeviceDecision(&d, decision)
	return d, &decision, nil
}

func applyDeviceDecision(d *storage.DeviceAuthorization, dec storage.DeviceDecision) {
	d.Decision = storage.DeviceDenied
	if dec.Approved {
		d.Decision = storage.DeviceApproved
	}
	d.UserID, d.AuthTime, d.AMR, d.ACR, d.SessionID = dec.UserID, dec.AuthTime, dec.AMR, dec.ACR, dec.SessionID
}

// GetDeviceAuthorizationByUserCode implements storage.DeviceAuthorizations.
func (s *Store) GetDeviceAuthorizationByUserCode(ctx context.Context, userCode string) (storage.DeviceAuthorization, error) {
	const op = "get device authorization"
	d, dec, err := s.deviceByUserCode(ctx, op, userCode)
	if err != nil {
		return storage.DeviceAuthorization{}, err
	}
	if dec != nil {
		return storage.DeviceAuthorization{}, fmt.Errorf("redis: %s: decided: %w", op, storage.ErrNotFound)
	}
	return d, nil
}

// DecideDeviceAuthorization implements storage.DeviceAuthorizations with
// SET NX on the decision key. A go-redis retry after a lost reply reads as
// ErrAlreadyUsed; the page then says the code was used, and the decision
// stands.
func (s *Store) DecideDeviceAuthorization(ctx context.Context, userCode string, dec storage.DeviceDecision) error {
	const op = "decide device authorization"
	d, _, err := s.deviceByUserCode(ctx, op, userCode)
	if err != nil {
		return err
	}
	data, err := json.Marshal(dec)
	if err != nil {
		return fmt.Errorf("redis: %s: encode: %w", op, err)
	}
	ok, err := s.client.SetNX(ctx, s.key(kindDeviceDecision, d.DeviceCodeHash), data, s.ttl(d.ExpiresAt)).Result()
	if err != nil {
		return mapErr(op, err)
	}
	if !ok {
		return fmt.Errorf("redis: %s: %w", op, storage.ErrAlreadyUsed)
	}
	return nil
}

// PollDeviceAuthorization implements storage.DeviceAuthorizations. The
// approved authorization goes to the poll whose DEL removes it: of two
// concurrent polls one gets the tokens.
func (s *Store) PollDeviceAuthorization(ctx context.Context, hash, clientID string, interval time.Duration) (storage.DeviceAuthorization, error) {
	const op = "poll device authorization"
	d, _, err := s.deviceByHash(ctx, op, hash)
	if err != nil {
		return storage.DeviceAuthorization{}, err
	}
	if d.ClientID != clientID {
		return storage.DeviceAuthorization{}, fmt.Errorf("redis: %s: another client's device code: %w", op, storage.ErrNotFound)
	}
	if err := s.throttlePoll(ctx, op, hash, interval); err != nil {
		return storage.DeviceAuthorization{}, err
	}
	if d.Decision != storage.DeviceApproved {
		return d, nil
	}
	n, err := s.client.Del(ctx, s.key(kindDeviceAuth, hash)).Result()
	if err != nil {
		return storage.DeviceAuthorization{}, mapErr(op, err)
	}
	if n == 0 {
		return storage.DeviceAuthorization{}, fmt.Errorf("redis: %s: consumed: %w", op, storage.ErrNotFound)
	}
	// The rest is clean-up; the records expire anyway.
	_ = s.client.Del(ctx, s.key(kindDeviceUser, d.UserCode), s.key(kindDeviceDecision, hash)).Err()
	return d, nil
}

// throttlePoll records this poll's time (by the injected clock) and reads
// the previous one in one SET ... GET: ErrTooSoon when it was less than
// interval ago.
func (s *Store) throttlePoll(ctx context.Context, op, hash string, interval time.Duration) error {
	now := s.now()
	prev, err := s.client.SetArgs(ctx, s.key(kindDevicePoll, hash), now.UnixMicro(),
		goredis.SetArgs{Get: true, TTL: interval + reclaimSlack}).Result()
	if errors.Is(err, goredis.Nil) {
		return nil
	}
	if err != nil {
		return mapErr(op, err)
	}
	if us, err := strconv.ParseInt(prev, 10, 64); err == nil && now.Sub(time.UnixMicro(us)) < interval {
		return fmt.Errorf("redis: %s: %w", op, storage.ErrTooSoon)
	}
	return nil
}

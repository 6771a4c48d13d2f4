package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/admit-idp/admit/storage"
)

// CreateAuthRequest stores r under authreq:<id>. ErrAlreadyExists if a live
// request holds the ID (an expired one is replaced, since it counts as gone).
func (s *Store) CreateAuthRequest(ctx context.Context, r storage.AuthRequest) error {
	req, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("redis: create auth request: encode: %w", err)
	}
	return s.create(ctx, "create auth request", s.key(kindAuthRequest, r.ID), r.ExpiresAt, "req", req)
}

// GetAuthRequest returns the request with its completion (if any) applied.
func (s *Store) GetAuthRequest(ctx context.Context, id string) (storage.AuthRequest, error) {
	const op = "get auth request"
	vals, err := s.client.HMGet(ctx, s.key(kindAuthRequest, id), "req", "done").Result()
	if err != nil {
		return storage.AuthRequest{}, mapErr(op, err)
	}
	r, err := decodeAuthRequest(vals[0], vals[1])
	if err != nil {
		return storage.AuthRequest{}, fmt.Errorf("redis: %s: %w", op, err)
	}
	if expired(s.now(), r.ExpiresAt) {
		return storage.AuthRequest{}, fmt.Errorf("redis: %s: expired: %w", op, storage.ErrNotFound)
	}
	return r, nil
}

// CompleteAuthRequest stores c in a separate hash field, so the check for a
// live request and the write are one atomic script that never rewrites (and
// so never races with) the request itself.
func (s *Store) CompleteAuthRequest(ctx context.Context, id string, c storage.AuthCompletion) error {
	const op = "complete auth request"
	done, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("redis: %s: encode: %w", op, err)
	}
	key := s.key(kindAuthRequest, id)
	stored, err := s.scripts.complete.Run(ctx, s.client, []string{key}, s.now().UnixMicro(), done).Int()
	if err != nil {
		return mapErr(op, err)
	}
	if stored == 0 {
		return fmt.Errorf("redis: %s: %w", op, storage.ErrNotFound)
	}
	return nil
}

// DeleteAuthRequest is idempotent.
func (s *Store) DeleteAuthRequest(ctx context.Context, id string) error {
	return mapErr("delete auth request", s.client.Del(ctx, s.key(kindAuthRequest, id)).Err())
}

// SaveAuthCode stores the code under code:<hash> until KeepUntil.
// ErrAlreadyExists if a live code holds the hash.
func (s *Store) SaveAuthCode(ctx context.Context, c storage.AuthCode) error {
	req, err := json.Marshal(c.Request)
	if err != nil {
		return fmt.Errorf("redis: save auth code: encode: %w", err)
	}
	// The record must outlive the code's validity even if a caller left
	// KeepUntil unset or earlier than ExpiresAt.
	keep := c.KeepUntil
	if keep.Before(c.ExpiresAt) {
		keep = c.ExpiresAt
	}
	return s.create(ctx, "save auth code", s.key(kindCode, c.Hash), keep,
		"exp", c.ExpiresAt.UnixMicro(), "req", req)
}

// GetAuthCode reads the code without consuming it (one HMGET): the same
// rules as consumeSrc, decided in Go.
func (s *Store) GetAuthCode(ctx context.Context, hash string) (storage.AuthRequest, error) {
	const op = "get auth code"
	vals, err := s.client.HMGet(ctx, s.key(kindCode, hash), "gone", "exp", "used", "req").Result()
	if err != nil {
		return storage.AuthRequest{}, mapErr(op, err)
	}
	now := s.now().UnixMicro()
	gone, exp := microField(vals[0]), microField(vals[1])
	if vals[0] == nil || gone <= now || (vals[2] == nil && exp <= now) {
		return storage.AuthRequest{}, fmt.Errorf("redis: %s: %w", op, storage.ErrNotFound)
	}
	status := int64(consumeWon)
	if vals[2] != nil {
		status = consumeReplay
	}
	return consumeResult(op, []any{status, vals[3]})
}

// microField parses a stored microsecond timestamp (0 when absent or bad).
func microField(v any) int64 {
	str, _ := v.(string)
	n, _ := strconv.ParseInt(str, 10, 64)
	return n
}

// ConsumeAuthCode marks the code used and returns its request in one round
// trip (token endpoint hot path).
func (s *Store) ConsumeAuthCode(ctx context.Context, hash string) (storage.AuthRequest, error) {
	return s.consumeAuthCode(ctx, hash, nonce())
}

// consumeAuthCode is ConsumeAuthCode with the call's nonce made explicit: a
// repeat with the same nonce is the same call retried, and wins again.
func (s *Store) consumeAuthCode(ctx context.Context, hash, callNonce string) (storage.AuthRequest, error) {
	const op = "consume auth code"
	key := s.key(kindCode, hash)
	res, err := s.scripts.consume.Run(ctx, s.client, []string{key}, s.now().UnixMicro(), callNonce).Slice()
	if err != nil {
		return storage.AuthRequest{}, mapErr(op, err)
	}
	return consumeResult(op, res)
}

// consumeResult interprets consumeSrc's answer: {0} alone for a missing code,
// else {consumeWon or consumeReplay, request JSON}.
func consumeResult(op string, res []any) (storage.AuthRequest, error) {
	if len(res) < 2 {
		return storage.AuthRequest{}, fmt.Errorf("redis: %s: %w", op, storage.ErrNotFound)
	}
	r, err := decodeAuthRequest(res[1], nil)
	if err != nil {
		return storage.AuthRequest{}, fmt.Errorf("redis: %s: %w", op, err)
	}
	switch status, _ := res[0].(int64); status {
	case consumeWon:
		return r, nil
	case consumeReplay:
		return r, fmt.Errorf("redis: %s: %w", op, storage.ErrAlreadyUsed)
	}
	return storage.AuthRequest{}, fmt.Errorf("redis: %s: unexpected script status %v", op, res[0])
}

// create runs createSrc for a hash record that is gone at the given time,
// with fields as extra field/value pairs.
func (s *Store) create(ctx context.Context, op, key string, gone time.Time, fields ...any) error {
	args := append([]any{
		s.now().UnixMicro(), s.ttl(gone).Milliseconds(), nonce(), "gone", gone.UnixMicro(),
	}, fields...)
	stored, err := s.scripts.create.Run(ctx, s.client, []string{key}, args...).Int()
	if err != nil {
		return mapErr(op, err)
	}
	if stored == 0 {
		return fmt.Errorf("redis: %s: %w", op, storage.ErrAlreadyExists)
	}
	return nil
}

// decodeAuthRequest decodes the "req" and optional "done" hash fields as
// returned by HMGET or a script (string or nil).
func decodeAuthRequest(req, done any) (storage.AuthRequest, error) {
	var r storage.AuthRequest
	reqJSON, ok := req.(string)
	if !ok {
		return r, storage.ErrNotFound
	}
	if err := json.Unmarshal([]byte(reqJSON), &r); err != nil {
		return r, fmt.Errorf("decode request: %w", err)
	}
	doneJSON, ok := done.(string)
	if !ok {
		return r, nil
	}
	var c storage.AuthCompletion
	if err := json.Unmarshal([]byte(doneJSON), &c); err != nil {
		return r, fmt.Errorf("decode completion: %w", err)
	}
	applyCompletion(&r, c)
	return r, nil
}

// applyCompletion copies the login outcome onto the request.
func applyCompletion(r *storage.AuthRequest, c storage.AuthCompletion) {
	r.Done = true
	r.UserID = c.UserID
	r.AuthTime = c.AuthTime
	r.AMR = c.AMR
	r.ACR = c.ACR
	r.SessionID = c.SessionID
}

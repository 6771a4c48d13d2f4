package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/admit-idp/admit/storage"
)

// codeRecord is a stored authorization code and whether it was redeemed.
type codeRecord struct {
	code storage.AuthCode
	used bool
}

// retainUntil is when the record may be forgotten: a used code is kept until
// KeepUntil to recognise replay, an unused one is useless after ExpiresAt.
// The later of the two bounds a used code, in case a caller sets KeepUntil
// before ExpiresAt.
func (r codeRecord) retainUntil() time.Time {
	if !r.used {
		return r.code.ExpiresAt
	}
	if r.code.KeepUntil.After(r.code.ExpiresAt) {
		return r.code.KeepUntil
	}
	return r.code.ExpiresAt
}

// SaveAuthCode stores the code under its unique hash.
func (s *Store) SaveAuthCode(_ context.Context, c storage.AuthCode) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.maybeSweepLocked(now)
	if rec, ok := s.codes[c.Hash]; ok && !expired(now, rec.retainUntil()) {
		return fmt.Errorf("memory: save auth code: %w", storage.ErrAlreadyExists)
	}
	c.Request = cloneAuthRequest(c.Request)
	s.codes[c.Hash] = codeRecord{code: c}
	return nil
}

// GetAuthCode returns the code's request without consuming it.
func (s *Store) GetAuthCode(_ context.Context, hash string) (storage.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.codes[hash]
	switch {
	case !ok || expired(s.now(), rec.retainUntil()):
		return storage.AuthRequest{}, fmt.Errorf("memory: get auth code: %w", storage.ErrNotFound)
	case rec.used:
		return cloneAuthRequest(rec.code.Request), fmt.Errorf("memory: get auth code: %w", storage.ErrAlreadyUsed)
	}
	return cloneAuthRequest(rec.code.Request), nil
}

// ConsumeAuthCode marks the code used and returns its request; a used code
// yields ErrAlreadyUsed with the request for as long as it is retained.
func (s *Store) ConsumeAuthCode(_ context.Context, hash string) (storage.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.codes[hash]
	if ok && expired(s.now(), rec.retainUntil()) {
		delete(s.codes, hash)
		ok = false
	}
	switch {
	case !ok:
		return storage.AuthRequest{}, fmt.Errorf("memory: consume auth code: %w", storage.ErrNotFound)
	case rec.used:
		return cloneAuthRequest(rec.code.Request), fmt.Errorf("memory: consume auth code: %w", storage.ErrAlreadyUsed)
	}
	rec.used = true
	s.codes[hash] = rec
	return cloneAuthRequest(rec.code.Request), nil
}

package memory

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/admit-idp/admit/storage"
)

// deviceState holds the device authorizations (RFC 8628).
type deviceState struct {
	byHash   map[string]storage.DeviceAuthorization
	byUser   map[string]string    // user code → device code hash
	lastPoll map[string]time.Time // device code hash → previous poll
}

// deviceLocked returns the device maps, creating them on first use. Callers
// hold s.mu.
func (s *Store) deviceLocked() *deviceState {
	if s.device == nil {
		s.device = &deviceState{
			byHash: map[string]storage.DeviceAuthorization{}, byUser: map[string]string{}, lastPoll: map[string]time.Time{},
		}
	}
	d := s.device
	now := s.now()
	for h, a := range d.byHash { // small map; development only
		if expired(now, a.ExpiresAt) {
			delete(d.byHash, h)
			delete(d.byUser, a.UserCode)
			delete(d.lastPoll, h)
		}
	}
	return d
}

// CreateDeviceAuthorization implements storage.DeviceAuthorizations.
func (s *Store) CreateDeviceAuthorization(_ context.Context, a storage.DeviceAuthorization) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.deviceLocked()
	if _, ok := d.byUser[a.UserCode]; ok {
		return fmt.Errorf("memory: create device authorization: %w", storage.ErrAlreadyExists)
	}
	if _, ok := d.byHash[a.DeviceCodeHash]; ok {
		return fmt.Errorf("memory: create device authorization: %w", storage.ErrAlreadyExists)
	}
	a.Scopes = slices.Clone(a.Scopes)
	a.Decision = storage.DevicePending
	d.byHash[a.DeviceCodeHash] = a
	d.byUser[a.UserCode] = a.DeviceCodeHash
	return nil
}

// GetDeviceAuthorizationByUserCode implements storage.DeviceAuthorizations.
func (s *Store) GetDeviceAuthorizationByUserCode(_ context.Context, userCode string) (storage.DeviceAuthorization, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.deviceLocked()
	a, ok := d.byHash[d.byUser[userCode]]
	if !ok || a.Decision != storage.DevicePending {
		return storage.DeviceAuthorization{}, fmt.Errorf("memory: device authorization: %w", storage.ErrNotFound)
	}
	a.Scopes = slices.Clone(a.Scopes)
	return a, nil
}

// DecideDeviceAuthorization implements storage.DeviceAuthorizations.
func (s *Store) DecideDeviceAuthorization(_ context.Context, userCode string, dec storage.DeviceDecision) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.deviceLocked()
	a, ok := d.byHash[d.byUser[userCode]]
	if !ok {
		return fmt.Errorf("memory: decide device authorization: %w", storage.ErrNotFound)
	}
	if a.Decision != storage.DevicePending {
		return fmt.Errorf("memory: decide device authorization: %w", storage.ErrAlreadyUsed)
	}
	applyDeviceDecision(&a, dec)
	d.byHash[a.DeviceCodeHash] = a
	return nil
}

func applyDeviceDecision(a *storage.DeviceAuthorization, dec storage.DeviceDecision) {
	a.Decision = storage.DeviceDenied
	if dec.Approved {
		a.Decision = storage.DeviceApproved
	}
	a.UserID, a.AuthTime, a.AMR, a.ACR, a.SessionID = dec.UserID, dec.AuthTime, slices.Clone(dec.AMR), dec.ACR, dec.SessionID
}

// PollDeviceAuthorization implements storage.DeviceAuthorizations.
func (s *Store) PollDeviceAuthorization(_ context.Context, hash, clientID string, interval time.Duration) (storage.DeviceAuthorization, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.deviceLocked()
	a, ok := d.byHash[hash]
	if !ok || a.ClientID != clientID {
		return storage.DeviceAuthorization{}, fmt.Errorf("memory: poll device authorization: %w", storage.ErrNotFound)
	}
	now := s.now()
	if last, ok := d.lastPoll[hash]; ok && now.Sub(last) < interval {
		return storage.DeviceAuthorization{}, fmt.Errorf("memory: poll device authorization: %w", storage.ErrTooSoon)
	}
	d.lastPoll[hash] = now
	if a.Decision == storage.DeviceApproved {
		delete(d.byHash, hash)
		delete(d.byUser, a.UserCode)
		delete(d.lastPoll, hash)
	}
	a.Scopes, a.AMR = slices.Clone(a.Scopes), slices.Clone(a.AMR)
	return a, nil
}

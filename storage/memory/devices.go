package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/admit-idp/admit/storage"
)

// devices live in the defences state (its own mutex), keyed by ID.

// GetDevice implements storage.Devices.
func (s *Store) GetDevice(_ context.Context, userID, tokenHash string) (storage.Device, error) {
	d := s.def()
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, dev := range d.devices {
		if dev.UserID == userID && dev.TokenHash == tokenHash {
			return dev, nil
		}
	}
	return storage.Device{}, fmt.Errorf("memory: get device: %w", storage.ErrNotFound)
}

// SaveDevice implements storage.Devices.
func (s *Store) SaveDevice(_ context.Context, dev storage.Device) error {
	d := s.def()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.devices == nil {
		d.devices = map[string]storage.Device{}
	}
	d.devices[dev.ID] = dev
	return nil
}

// ListDevices implements storage.Devices.
func (s *Store) ListDevices(_ context.Context, userID string, p storage.PageRequest) (storage.Page[storage.Device], error) {
	d := s.def()
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []storage.Device
	for _, dev := range d.devices {
		if dev.UserID == userID {
			out = append(out, dev)
		}
	}
	slices.SortFunc(out, func(a, b storage.Device) int { return cmp.Or(b.LastSeen.Compare(a.LastSeen), cmp.Compare(b.ID, a.ID)) })
	return timePage(out, p, func(dev storage.Device) (time.Time, string) { return dev.LastSeen, dev.ID })
}

// DeleteStaleDevices implements storage.Devices (the memory store's share
// of the hourly housekeeping).
func (s *Store) DeleteStaleDevices(_ context.Context, notSeenSince time.Time) (int64, error) {
	d := s.def()
	d.mu.Lock()
	defer d.mu.Unlock()
	var n int64
	for id, dev := range d.devices {
		if dev.LastSeen.Before(notSeenSince) {
			delete(d.devices, id)
			n++
		}
	}
	return n, nil
}

// DeleteDevice implements storage.Devices.
func (s *Store) DeleteDevice(_ context.Context, userID, id string) error {
	d := s.def()
	d.mu.Lock()
	defer d.mu.Unlock()
	if dev, ok := d.devices[id]; !ok || dev.UserID != userID {
		return fmt.Errorf("memory: delete device: %w", storage.ErrNotFound)
	}
	delete(d.devices, id)
	return nil
}

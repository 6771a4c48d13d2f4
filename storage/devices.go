package storage

import (
	"context"
	"time"
)

// Device is a browser a user signed in from: identified by a signed,
// long-lived device cookie (stored as its SHA-256), described by user
// agent, language and IP prefix (never a fingerprint alone).
type Device struct {
	ID        string
	UserID    string
	TokenHash string
	UserAgent string
	Language  string
	IPPrefix  string
	FirstSeen time.Time
	LastSeen  time.Time
	Successes int
	Failures  int
	// TrustScore is the stored running score (+5 per success, −10 per
	// failure, 0..100); see login/device for the full formula.
	TrustScore int
}

// Devices is the device aggregate (durable).
type Devices interface {
	// GetDevice finds the user's device by cookie hash; ErrNotFound if none.
	GetDevice(ctx context.Context, userID, tokenHash string) (Device, error)
	// SaveDevice inserts or replaces the device (keyed by ID).
	SaveDevice(ctx context.Context, d Device) error
	// ListDevices returns one page of the user's devices, most recently
	// seen first (ties: greater ID first). Next is a TimeCursor; a p.After
	// that is not one is ErrBadCursor.
	ListDevices(ctx context.Context, userID string, p PageRequest) (Page[Device], error)
	// DeleteStaleDevices forgets every device (of every user) last seen
	// before notSeenSince and reports how many: the hourly housekeeping
	// applies the device retention with it.
	DeleteStaleDevices(ctx context.Context, notSeenSince time.Time) (int64, error)
	// DeleteDevice forgets one of the user's devices; ErrNotFound if the
	// user has no such device.
	DeleteDevice(ctx context.Context, userID, id string) error
}

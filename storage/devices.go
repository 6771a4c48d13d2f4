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
	// ListDevices returns the user's devices, most recently seen first.
	ListDevices(ctx context.Context, userID string) ([]Device, error)
	// DeleteDevice forgets one of the user's devices; ErrNotFound if the
	// user has no such device.
	DeleteDevice(ctx context.Context, userID, id string) error
}

package storage

import (
	"context"
	"errors"
	"strings"
	"time"
)

// ErrTooSoon: a device polled the token endpoint again before its interval
// was over (RFC 8628 3.5 slow_down).
var ErrTooSoon = errors.New("storage: polled too soon")

// Device authorization decisions.
const (
	DevicePending  = ""
	DeviceApproved = "approved"
	DeviceDenied   = "denied"
)

// DeviceAuthorization is one RFC 8628 device authorization (ephemeral). The
// device code is stored only as its SHA-256 (DeviceCodeHash); the user code
// is stored normalised (upper case, no separators) because it is what the
// user types, looked up only under rate limits.
type DeviceAuthorization struct {
	DeviceCodeHash string
	UserCode       string
	ClientID       string
	Scopes         []string
	CreatedAt      time.Time
	ExpiresAt      time.Time

	// Set by DecideDeviceAuthorization.
	Decision  string // DevicePending, DeviceApproved or DeviceDenied
	UserID    string
	AuthTime  time.Time
	AMR       []string
	ACR       string
	SessionID string
}

// DeviceDecision is the user's answer on the /device consent page.
type DeviceDecision struct {
	Approved  bool
	UserID    string
	AuthTime  time.Time
	AMR       []string
	ACR       string
	SessionID string
}

// DeviceAuthorizations holds device authorizations (ephemeral: gone,
// ErrNotFound, from ExpiresAt on).
type DeviceAuthorizations interface {
	// CreateDeviceAuthorization: ErrAlreadyExists if the user code or the
	// device code hash is taken.
	CreateDeviceAuthorization(ctx context.Context, d DeviceAuthorization) error
	// GetDeviceAuthorizationByUserCode returns a pending authorization;
	// ErrNotFound for unknown, expired or already decided codes (a user
	// code is single use).
	GetDeviceAuthorizationByUserCode(ctx context.Context, userCode string) (DeviceAuthorization, error)
	// DecideDeviceAuthorization records the user's decision; the first
	// decision wins, later ones get ErrAlreadyUsed. ErrNotFound if unknown
	// or expired.
	DecideDeviceAuthorization(ctx context.Context, userCode string, d DeviceDecision) error
	// PollDeviceAuthorization is the device's poll: ErrNotFound when the
	// device code is unknown, expired or another client's (nothing is
	// consumed then); ErrTooSoon when the previous poll of this device code
	// was less than interval ago; else the authorization. An approved authorization is consumed by the poll
	// that returns it (the device code is single use: later polls get
	// ErrNotFound). A denied one is returned as long as it lives.
	PollDeviceAuthorization(ctx context.Context, deviceCodeHash, clientID string, interval time.Duration) (DeviceAuthorization, error)
}

// User codes (RFC 8628 6.1): UserCodeLength letters of UserCodeCharset, 20
// consonants with no vowels (no words) and no look-alikes (0/O, 1/I):
// 20^8 ≈ 2^34.6 codes, shown as XXXX-XXXX. Both op (which makes them) and
// the /device page (where users type them) use this one format.
const (
	UserCodeCharset = "BCDFGHJKLMNPQRSTVWXZ"
	UserCodeLength  = 8
)

// NormalizeUserCode makes what a user typed comparable with the stored code
// (6.1: case-insensitive, separators ignored). It returns "" for anything
// that cannot be a user code, so that no store is asked.
func NormalizeUserCode(typed string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(typed) {
		switch {
		case r == '-' || r == ' ' || r == '\t':
			continue
		case !strings.ContainsRune(UserCodeCharset, r):
			return ""
		}
		b.WriteRune(r)
	}
	if b.Len() != UserCodeLength {
		return ""
	}
	return b.String()
}

// FormatUserCode shows a normalised code the way the device does.
func FormatUserCode(code string) string {
	if len(code) != UserCodeLength {
		return code
	}
	return code[:4] + "-" + code[4:]
}

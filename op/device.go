package op

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/admit-idp/admit/storage"
)

// Device authorization grant defaults (RFC 8628).
const (
	// DefaultDeviceCodeLifetime is how long a device code and its user code
	// live (3.2 expires_in).
	DefaultDeviceCodeLifetime = 10 * time.Minute
	// DefaultDevicePollInterval is the minimum time between polls (3.2
	// interval; 3.5 suggests 5 s).
	DefaultDevicePollInterval = 5 * time.Second
)

// UserCodeConfig is what op generates user codes with (the format is
// storage's: storage.NormalizeUserCode).
var UserCodeConfig = zop.UserCodeConfig{CharSet: storage.UserCodeCharset, CharAmount: storage.UserCodeLength, DashInterval: 4}

// DeviceGrant configures the device authorization grant on Storage.
type DeviceGrant struct {
	Store        storage.DeviceAuthorizations
	Lifetime     time.Duration // default DefaultDeviceCodeLifetime
	PollInterval time.Duration // default DefaultDevicePollInterval
	// UserFormPath is the verification URI's path (RFC 8628 3.2
	// verification_uri), served by the login layer.
	UserFormPath string
}

// Config is op's configuration for the grant.
func (g *DeviceGrant) Config() zop.DeviceAuthorizationConfig {
	return zop.DeviceAuthorizationConfig{
		Lifetime: g.lifetime(), PollInterval: g.interval(), UserFormPath: g.UserFormPath, UserCode: UserCodeConfig,
	}
}

func (g *DeviceGrant) lifetime() time.Duration {
	return orDefault(g.Lifetime, DefaultDeviceCodeLifetime)
}
func (g *DeviceGrant) interval() time.Duration {
	return orDefault(g.PollInterval, DefaultDevicePollInterval)
}

var errNoDeviceGrant = oidc.ErrUnsupportedGrantType().WithDescription("the device authorization grant is not enabled")

// StoreDeviceAuthorization implements zop.DeviceAuthorizationStorage (RFC
// 8628 3.1-3.2). op has checked that the client registered the grant. The
// scopes are narrowed to the client's as at /authorize. The device code is
// stored only as its SHA-256; expiry follows the injected clock, not op's
// expires argument.
func (s *Storage) StoreDeviceAuthorization(ctx context.Context, clientID, deviceCode, userCode string, _ time.Time, scopes []string) error {
	if s.Device == nil || s.Device.Store == nil {
		return errNoDeviceGrant
	}
	c, err := s.activeClient(ctx, clientID)
	if err != nil {
		return clientLookupError(ctx, err)
	}
	now := s.now()
	d := storage.DeviceAuthorization{
		DeviceCodeHash: hashToken(deviceCode), UserCode: storage.NormalizeUserCode(userCode), ClientID: c.ID,
		Scopes: allowedScopes(c, scopes), CreatedAt: now, ExpiresAt: now.Add(s.Device.lifetime()),
	}
	err = s.Device.Store.CreateDeviceAuthorization(ctx, d)
	if errors.Is(err, storage.ErrAlreadyExists) {
		return zop.ErrDuplicateUserCode
	}
	if err != nil {
		return toOIDCError(ctx, err, "cannot store the device authorization")
	}
	return nil
}

// GetDeviceAuthorizatonState implements zop.DeviceAuthorizationStorage: the
// device's poll (RFC 8628 3.4-3.5). op maps the answer:
//   - a poll within the interval of the previous one: slow_down (op's
//     signal for it is an error wrapping context.DeadlineExceeded);
//   - an unknown, expired, already redeemed or another client's device
//     code: expired_token
//     (the device must start again; op has no invalid_grant here);
//   - denied: access_denied; pending: authorization_pending;
//   - approved: the tokens, once (the store consumes the authorization);
//   - a client registered with dpop_bound_access_tokens polling without a
//     DPoP proof: invalid_dpop_proof (RFC 9449 §5), before the poll, so
//     that neither the approval is spent nor the poll interval counted and
//     the next poll, with a proof, gets the tokens.
func (s *Storage) GetDeviceAuthorizatonState(ctx context.Context, clientID, deviceCode string) (*zop.DeviceAuthorizationState, error) {
	if s.Device == nil || s.Device.Store == nil {
		return nil, errNoDeviceGrant
	}
	if err := s.checkDPoPGrant(ctx, clientID, ""); err != nil {
		return nil, err
	}
	d, err := s.Device.Store.PollDeviceAuthorization(ctx, hashToken(deviceCode), clientID, s.Device.interval())
	switch {
	case errors.Is(err, storage.ErrTooSoon):
		return nil, fmt.Errorf("op: device polled too soon: %w", context.DeadlineExceeded)
	case errors.Is(err, storage.ErrNotFound):
		return &zop.DeviceAuthorizationState{ClientID: clientID}, nil // Expires zero: expired_token
	case err != nil:
		return nil, toOIDCError(ctx, err, "cannot read the device authorization")
	}
	// op compares Expires with its own clock; the injected one has decided.
	state := &zop.DeviceAuthorizationState{
		ClientID: d.ClientID, Scopes: d.Scopes, Expires: time.Now().Add(d.ExpiresAt.Sub(s.now())),
		Subject: d.UserID, AMR: d.AMR, AuthTime: d.AuthTime,
	}
	switch d.Decision {
	case storage.DeviceApproved:
		state.Done = true
	case storage.DeviceDenied:
		state.Denied = true
	}
	return state, nil
}

// deviceSubject is the token subject of an approved device authorization.
// The token is not tied to the browser session that approved it (no sid):
// signing out of the phone must not sign the television out.
func (s *Storage) deviceSubject(ctx context.Context, r *zop.DeviceAuthorizationState) (tokenSubject, error) {
	u, c, err := s.grantParties(ctx, r.Subject, r.ClientID)
	if err != nil {
		return tokenSubject{}, err
	}
	gid, err := randomID()
	if err != nil {
		return tokenSubject{}, err
	}
	return tokenSubject{
		grant: "device_code", grantID: gid, subject: u.ID, clientID: c.ID,
		audience: r.GetAudience(), scopes: r.Scopes, authTime: r.AuthTime, acr: deviceACR(r.AMR), amr: r.AMR,
		lifetime: orDefault(c.AccessTokenLifetime, DefaultAccessTokenLifetime), tenantID: tenantOf(u.TenantID), user: true,
	}, nil
}

// deviceACR is login's ACR rule (login.ACRMultiFactor when the amr has
// "mfa"); op cannot import login.
func deviceACR(amr []string) string {
	if slices.Contains(amr, "mfa") {
		return "urn:admit:acr:mfa"
	}
	return "urn:admit:acr:sfa"
}

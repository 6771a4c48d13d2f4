package passkey

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/admit-idp/admit/storage"
)

// ChallengeLifetime is how long a ceremony (its challenge) stays valid: the
// old biometric service's value.
const ChallengeLifetime = 5 * time.Minute

// Attestation settings (Core.Attestation).
const (
	AttestationNone   = "none"
	AttestationDirect = "direct"
)

// store is what the passkey code needs from the stores.
type store interface {
	storage.Passkeys
	GetUser(ctx context.Context, id string) (storage.User, error)
}

// Core is shared by the login method and the account section: the
// relying-party configuration, the stores and the policy.
type Core struct {
	WebAuthn   *webauthn.WebAuthn
	Store      store
	Challenges storage.PasskeyChallenges
	// Attestation is "none" (default) or "direct": with direct, registration
	// asks for direct attestation and refuses credentials without one.
	Attestation string
	// AttestedClients only accept passkeys registered with an attestation
	// (AttestationType other than "none"): enterprise clients.
	AttestedClients []string
	Now             func() time.Time
	Logger          *slog.Logger
}

// ErrIPIssuer: WebAuthn relying party ids are domain names; an issuer on an
// IP address (http://127.0.0.1:8080) cannot offer passkeys.
var ErrIPIssuer = errors.New("the issuer's host is an IP address; passkeys need a domain name (use localhost for development)")

// RelyingParty derives the WebAuthn relying party from the issuer: the RP
// ID is the issuer's host name, the only origin its scheme://host[:port].
// Behind a proxy the issuer must be the public URL (see doc.go).
func RelyingParty(issuer string) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("passkey: issuer %q is not an http(s) URL", issuer)
	}
	if net.ParseIP(u.Hostname()) != nil {
		return nil, fmt.Errorf("passkey: issuer %q: %w", issuer, ErrIPIssuer)
	}
	return webauthn.New(&webauthn.Config{
		RPID:          u.Hostname(),
		RPDisplayName: "Admit",
		RPOrigins:     []string{u.Scheme + "://" + u.Host},
		// Expiry is enforced by the ephemeral store with the injected clock;
		// the timeout here only tells the browser how long to wait.
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Timeout: ChallengeLifetime, TimeoutUVD: ChallengeLifetime},
			Registration: webauthn.TimeoutConfig{Timeout: ChallengeLifetime, TimeoutUVD: ChallengeLifetime},
		},
	})
}

// user adapts a storage user and its passkeys to webauthn.User.
type user struct {
	storage.User
	handle []byte
	keys   []storage.Passkey
}

func (u *user) WebAuthnID() []byte { return u.handle }
func (u *user) WebAuthnName() string {
	if u.Email != "" {
		return u.Email
	}
	return "Admit account"
}
func (u *user) WebAuthnDisplayName() string {
	if n := u.Name(); n != "" {
		return n
	}
	return u.WebAuthnName()
}
func (u *user) WebAuthnCredentials() []webauthn.Credential {
	out := make([]webauthn.Credential, 0, len(u.keys))
	for _, p := range u.keys {
		out = append(out, toCredential(p))
	}
	return out
}

func toCredential(p storage.Passkey) webauthn.Credential {
	ts := make([]protocol.AuthenticatorTransport, 0, len(p.Transports))
	for _, t := range p.Transports {
		ts = append(ts, protocol.AuthenticatorTransport(t))
	}
	return webauthn.Credential{
		ID: p.ID, PublicKey: p.PublicKey, AttestationType: p.AttestationType, Transport: ts,
		Flags: webauthn.CredentialFlags{
			UserPresent: true, UserVerified: p.UserVerified, BackupEligible: p.BackupEligible, BackupState: p.BackupState,
		},
		Authenticator: webauthn.Authenticator{AAGUID: p.AAGUID, SignCount: p.SignCount, CloneWarning: p.CloneWarning},
	}
}

// loadUser returns the user with its handle (created on first use) and
// passkeys.
func (c *Core) loadUser(ctx context.Context, userID string) (*user, error) {
	u, err := c.Store.GetUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	candidate := make([]byte, 32)
	_, _ = rand.Read(candidate)
	handle, err := c.Store.EnsurePasskeyUserHandle(ctx, userID, candidate)
	if err != nil {
		return nil, err
	}
	keys, err := c.Store.ListUserPasskeys(ctx, userID)
	if err != nil {
		return nil, err
	}
	return &user{User: u, handle: handle, keys: keys}, nil
}

// saveCeremony stores the session data under its binding for
// ChallengeLifetime; starting again replaces the previous ceremony.
func (c *Core) saveCeremony(ctx context.Context, binding string, sd *webauthn.SessionData) error {
	data, err := json.Marshal(sd)
	if err != nil {
		return err
	}
	return c.Challenges.PutPasskeyChallenge(ctx, storage.PasskeyChallenge{
		Key: binding, Data: data, ExpiresAt: c.Now().Add(ChallengeLifetime),
	})
}

// takeCeremony consumes the ceremony of the binding: ErrNoCeremony if it is
// unknown, used or expired.
func (c *Core) takeCeremony(ctx context.Context, binding string) (webauthn.SessionData, error) {
	var sd webauthn.SessionData
	ch, err := c.Challenges.ConsumePasskeyChallenge(ctx, binding)
	if errors.Is(err, storage.ErrNotFound) {
		return sd, ErrNoCeremony
	}
	if err != nil {
		return sd, err
	}
	if err := json.Unmarshal(ch.Data, &sd); err != nil {
		return sd, fmt.Errorf("passkey: decode ceremony: %w", err)
	}
	return sd, nil
}

// attestedOnly reports whether the client only accepts attested passkeys.
func (c *Core) attestedOnly(clientID string) bool {
	return clientID != "" && slices.Contains(c.AttestedClients, clientID)
}

func (c *Core) conveyance() protocol.ConveyancePreference {
	if c.Attestation == AttestationDirect {
		return protocol.PreferDirectAttestation
	}
	return protocol.PreferNoAttestation
}

func flowBinding(flowID string) string       { return "flow:" + flowID }
func sessionBinding(sessionID string) string { return "session:" + sessionID }

package passkey

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/admit-idp/admit/storage"
)

// Verification errors; each maps to a message for the user (messages.go).
var (
	// ErrNoCeremony: no challenge is pending for the flow or session (never
	// issued, already used — a replay — or older than ChallengeLifetime).
	ErrNoCeremony = errors.New("passkey: no ceremony in progress")
	// ErrMalformed: the response (or its client data JSON) does not parse.
	ErrMalformed = errors.New("passkey: malformed response")
	// ErrUnknownCredential: no registered passkey has this id.
	ErrUnknownCredential = errors.New("passkey: unknown credential")
	// ErrWrongUser: the credential belongs to another user than the one
	// signing in (or than its user handle claims).
	ErrWrongUser = errors.New("passkey: credential of another user")
	// ErrWrongOrigin: the browser signed for another origin.
	ErrWrongOrigin = errors.New("passkey: wrong origin")
	// ErrChallenge: the response answers another challenge.
	ErrChallenge = errors.New("passkey: challenge mismatch")
	// ErrRejected: any other failed check (signature, RP id, flags).
	ErrRejected = errors.New("passkey: assertion rejected")
	// ErrCloned: the sign counter went backwards (see doc.go, "Counters").
	ErrCloned = errors.New("passkey: possible cloned authenticator")
	// ErrNotAttested: the client only accepts attested passkeys.
	ErrNotAttested = errors.New("passkey: passkey without attestation")
)

// Assertion is a verified passkey sign-in.
type Assertion struct {
	UserID  string
	Passkey storage.Passkey
	// UserVerified: the authenticator verified the user (PIN, biometrics)
	// in this assertion.
	UserVerified bool
}

// AMR is the RFC 8176 amr of the assertion: "swk" for a synced passkey
// (backup eligible: its key also lives in software, in the sync provider),
// "hwk" for a device-bound one; "user" and "mfa" when the user was verified
// (possession plus PIN or biometrics: two factors in one gesture).
func (a Assertion) AMR() []string {
	amr := a.Factors()
	if a.UserVerified {
		amr = append(amr, "mfa")
	}
	return amr
}

// Factors is the amr without "mfa": what the passkey adds as a second
// factor (the engine then adds "mfa" itself).
func (a Assertion) Factors() []string {
	amr := []string{"hwk"}
	if a.Passkey.BackupEligible {
		amr = []string{"swk"}
	}
	if a.UserVerified {
		amr = append(amr, "user")
	}
	return amr
}

func parseAssertion(raw []byte) (*protocol.ParsedCredentialAssertionData, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrMalformed)
	}
	p, err := protocol.ParseCredentialRequestResponseBytes(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return p, nil
}

// VerifyDiscoverable checks a passwordless assertion: the user comes from
// the credential and its user handle, which must agree.
func (c *Core) VerifyDiscoverable(ctx context.Context, sd webauthn.SessionData, raw []byte) (Assertion, error) {
	parsed, err := parseAssertion(raw)
	if err != nil {
		return Assertion{}, err
	}
	var lookupErr error
	var found *user
	handler := func(rawID, handle []byte) (webauthn.User, error) {
		found, lookupErr = c.userForCredential(ctx, rawID, handle)
		if lookupErr != nil {
			return nil, lookupErr
		}
		return found, nil
	}
	cred, err := c.WebAuthn.ValidateDiscoverableLogin(handler, sd, parsed)
	if lookupErr != nil {
		return Assertion{}, lookupErr
	}
	return c.finishAssertion(ctx, found, parsed, cred, err)
}

// userForCredential loads the owner of rawID; the user handle the
// authenticator returned must be that owner's.
func (c *Core) userForCredential(ctx context.Context, rawID, handle []byte) (*user, error) {
	p, err := c.Store.GetPasskey(ctx, rawID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrUnknownCredential
	}
	if err != nil {
		return nil, err
	}
	u, err := c.loadUser(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(u.handle, handle) {
		return nil, ErrWrongUser
	}
	return u, nil
}

// VerifyForUser checks a second-factor assertion for the user of the flow.
func (c *Core) VerifyForUser(ctx context.Context, sd webauthn.SessionData, userID string, raw []byte) (Assertion, error) {
	parsed, err := parseAssertion(raw)
	if err != nil {
		return Assertion{}, err
	}
	p, err := c.Store.GetPasskey(ctx, parsed.RawID)
	if errors.Is(err, storage.ErrNotFound) {
		return Assertion{}, ErrUnknownCredential
	}
	if err != nil {
		return Assertion{}, err
	}
	if p.UserID != userID {
		return Assertion{}, ErrWrongUser
	}
	u, err := c.loadUser(ctx, userID)
	if err != nil {
		return Assertion{}, err
	}
	cred, err := c.WebAuthn.ValidateLogin(u, sd, parsed)
	return c.finishAssertion(ctx, u, parsed, cred, err)
}

// finishAssertion maps the library's verdict and applies the counter
// policy: a regression flags the credential and refuses the sign-in.
func (c *Core) finishAssertion(ctx context.Context, u *user, parsed *protocol.ParsedCredentialAssertionData, cred *webauthn.Credential, err error) (Assertion, error) {
	if err != nil {
		return Assertion{}, classify(err)
	}
	p, ok := findKey(u.keys, cred.ID)
	if !ok {
		return Assertion{}, ErrUnknownCredential
	}
	use := storage.PasskeyUse{
		SignCount: cred.Authenticator.SignCount, BackupState: parsed.Response.AuthenticatorData.Flags.HasBackupState(),
		CloneWarning: p.CloneWarning || cred.Authenticator.CloneWarning, At: c.Now(),
	}
	if use.CloneWarning {
		return Assertion{}, c.flagCloned(ctx, p, parsed.Response.AuthenticatorData.Counter)
	}
	if err := c.Store.RecordPasskeyUse(ctx, p.ID, use); err != nil {
		return Assertion{}, err
	}
	p.SignCount, p.BackupState, p.LastUsedAt = use.SignCount, use.BackupState, use.At
	uv := parsed.Response.AuthenticatorData.Flags.HasUserVerified()
	return Assertion{UserID: p.UserID, Passkey: p, UserVerified: uv}, nil
}

// flagCloned records the regression: the credential stays refused until
// the user deletes it and registers the authenticator again.
func (c *Core) flagCloned(ctx context.Context, p storage.Passkey, got uint32) error {
	c.Logger.Warn("passkey sign counter regression: possible cloned authenticator; credential blocked",
		"user", p.UserID, "stored_count", p.SignCount, "presented_count", got, "already_flagged", p.CloneWarning)
	use := storage.PasskeyUse{SignCount: p.SignCount, BackupState: p.BackupState, CloneWarning: true, At: p.LastUsedAt}
	if err := c.Store.RecordPasskeyUse(ctx, p.ID, use); err != nil {
		return err
	}
	return ErrCloned
}

func findKey(keys []storage.Passkey, id []byte) (storage.Passkey, bool) {
	for _, p := range keys {
		if bytes.Equal(p.ID, id) {
			return p, true
		}
	}
	return storage.Passkey{}, false
}

// classify maps go-webauthn's errors to ours.
func classify(err error) error {
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		return fmt.Errorf("%w: %w", ErrRejected, err)
	}
	switch {
	case pe.Details == "Error validating origin" || pe.Details == "Error validating top origin":
		return fmt.Errorf("%w: %w", ErrWrongOrigin, err)
	case pe.Details == "Error validating challenge":
		return fmt.Errorf("%w: %w", ErrChallenge, err)
	case pe.Type == protocol.ErrParsingData.Type:
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var unknown *protocol.ErrorUnknownCredential
	if errors.As(err, &unknown) {
		return ErrUnknownCredential
	}
	return fmt.Errorf("%w: %w", ErrRejected, err)
}

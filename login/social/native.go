package social

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/google/uuid"

	"github.com/admit-idp/admit/storage"
)

// Native sign-in: a mobile app signs the user in with the provider's own
// SDK (Google Sign-In, Sign in with Apple) and exchanges the ID token the
// SDK returns for Admit tokens (RFC 8693 token exchange at /oauth/token).
// The ID token's audience is the app's client id at the provider, which
// differs from Admit's web client id: ProviderConfig.NativeClientIDs lists
// them. The same verification and the same account rules as the browser's
// callback apply; what the browser settles interactively (linking to an
// existing account by proving its password) is refused with
// ErrLinkRequired: the app sends the user through the hosted pages.

// Refusals of a native sign-in.
var (
	// ErrNativeTokenInvalid: not an ID token of a provider that accepts
	// native sign-in, or it failed verification (signature, issuer,
	// audience, expiry, nonce, Google hd).
	ErrNativeTokenInvalid = errors.New("social: native id token rejected")
	// ErrUnverifiedEmail: the provider did not verify the e-mail of an
	// account Admit does not know yet.
	ErrUnverifiedEmail = errors.New("social: the provider did not verify the e-mail address")
	// ErrLinkRequired: an account with this e-mail exists but this
	// provider account is not linked to it; never merged silently.
	ErrLinkRequired = errors.New("social: an account with this e-mail exists; link the provider from the hosted pages")
	// ErrSignUpClosed: no account, and sign-up through providers is off.
	ErrSignUpClosed = errors.New("social: no account uses this provider account")
	// ErrAccountRefused: the linked account is disabled, deleted or of
	// another tenant.
	ErrAccountRefused = errors.New("social: this account cannot sign in")
	// ErrProviderUnavailable: the provider's keys could not be fetched.
	ErrProviderUnavailable = errUnavailable
)

// NativeIdentity is a verified upstream ID token.
type NativeIdentity struct {
	ProviderID   string
	ProviderName string
	Profile      Profile
}

// NativeSignIn is the Admit account a native sign-in resolved to.
type NativeSignIn struct {
	UserID  string
	AMR     []string // "ext" and "idp:<provider>", as the browser login
	Created bool     // a new account was created
}

// VerifyNativeIDToken verifies an ID token from a provider's native SDK:
// the provider is the one configured with the token's issuer and native
// client ids; the token must be signed by a key of the provider's JWKS,
// name that issuer, carry one of the native client ids in aud, be
// unexpired (OIDC Core 3.1.3.7) and, when the app sent a nonce or the token
// has one, carry that nonce or its SHA-256 (hex or base64url: Apple's SDK
// takes the hash).
func (m *Method) VerifyNativeIDToken(ctx context.Context, raw, nonce string) (NativeIdentity, error) {
	p, up := m.nativeProvider(unverifiedIssuer(raw))
	if p == nil {
		return NativeIdentity{}, fmt.Errorf("%w: no provider accepts native sign-in for this issuer", ErrNativeTokenInvalid)
	}
	var c idClaims
	_, err := p.up.breaker.Execute(func() (Profile, error) {
		var err error
		c, err = m.verifyNative(ctx, up, raw)
		return Profile{}, classify(err)
	})
	if err = breakerErr(err); err != nil {
		return NativeIdentity{}, err
	}
	if !nonceMatches(c.Nonce, nonce) {
		return NativeIdentity{}, fmt.Errorf("%w: nonce does not match", ErrNativeTokenInvalid)
	}
	prof := Profile{Subject: c.Subject, Email: c.Email, EmailVerified: c.verified(), GivenName: c.GivenName, FamilyName: c.FamilyName}
	return NativeIdentity{ProviderID: p.cfg.ID, ProviderName: p.name(), Profile: prof}, nil
}

func (m *Method) nativeProvider(iss string) (*provider, *oidcUpstream) {
	if iss == "" {
		return nil, nil
	}
	for _, p := range m.providers {
		up, ok := p.up.inner.(*oidcUpstream)
		if ok && len(p.cfg.NativeClientIDs) > 0 && up.cfg.Issuer == iss {
			return p, up
		}
	}
	return nil, nil
}

// verifyNative checks signature, issuer and expiry with go-oidc (as the
// browser callback does) and the audience against the native client ids.
func (m *Method) verifyNative(ctx context.Context, up *oidcUpstream, raw string) (idClaims, error) {
	prov, err := up.discover(ctx)
	if err != nil {
		return idClaims{}, err
	}
	ctx = withClient(ctx, up.client)
	idt, err := prov.Verifier(&oidc.Config{SkipClientIDCheck: true, Now: m.now}).Verify(ctx, raw)
	if err != nil {
		if strings.Contains(err.Error(), "fetching keys") {
			return idClaims{}, fmt.Errorf("%w: %w", errUnavailable, err)
		}
		return idClaims{}, fmt.Errorf("%w: %w", ErrNativeTokenInvalid, err)
	}
	if !slices.ContainsFunc(idt.Audience, func(a string) bool { return slices.Contains(up.cfg.NativeClientIDs, a) }) {
		return idClaims{}, fmt.Errorf("%w: audience %v is not a native client id", ErrNativeTokenInvalid, idt.Audience)
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		return idClaims{}, fmt.Errorf("%w: claims: %w", ErrNativeTokenInvalid, err)
	}
	if up.check != nil {
		if err := up.check(c); err != nil {
			return idClaims{}, fmt.Errorf("%w: %w", ErrNativeTokenInvalid, err)
		}
	}
	return c, nil
}

// nonceMatches: both absent, or the token's nonce is the app's nonce or
// its SHA-256. A token with a nonce the app does not repeat is refused (it
// may be replayed from elsewhere).
func nonceMatches(inToken, sent string) bool {
	if inToken == "" && sent == "" {
		return true
	}
	if inToken == "" || sent == "" {
		return false
	}
	sum := sha256.Sum256([]byte(sent))
	for _, want := range []string{sent, hex.EncodeToString(sum[:]), base64.RawURLEncoding.EncodeToString(sum[:])} {
		if subtle.ConstantTimeCompare([]byte(inToken), []byte(want)) == 1 {
			return true
		}
	}
	return false
}

// unverifiedIssuer reads iss from a JWT without verifying it, only to pick
// the provider whose keys will verify it.
func unverifiedIssuer(raw string) string {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct {
		Issuer string `json:"iss"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return ""
	}
	return c.Issuer
}

// ResolveNative finds or creates the account of a verified native sign-in
// in the tenant, with the browser callback's rules (doc.go, step 5): the
// linked account; else no verified e-mail is refused; an e-mail of an
// existing account is ErrLinkRequired (never a silent merge); else a new
// account when sign-up is allowed.
func (m *Method) ResolveNative(ctx context.Context, tenantID string, id NativeIdentity) (NativeSignIn, error) {
	prof := id.Profile
	ident, err := m.Identities.GetIdentity(ctx, id.ProviderID, prof.Subject)
	switch {
	case err == nil:
		return m.nativeLinked(ctx, tenantID, id, ident.UserID)
	case !errors.Is(err, storage.ErrNotFound):
		return NativeSignIn{}, err
	}
	email := verifiedEmail(prof)
	if email == "" {
		return NativeSignIn{}, ErrUnverifiedEmail
	}
	_, err = m.Users.GetUserByEmail(ctx, tenantID, email)
	switch {
	case err == nil:
		return NativeSignIn{}, ErrLinkRequired
	case !errors.Is(err, storage.ErrNotFound):
		return NativeSignIn{}, err
	case !m.signUp:
		return NativeSignIn{}, ErrSignUpClosed
	}
	now := m.now()
	u := storage.User{
		ID: uuid.NewString(), TenantID: tenantID, Email: email, EmailVerified: true, GivenName: prof.GivenName, FamilyName: prof.FamilyName,
		CreatedAt: now, UpdatedAt: now,
	}
	if err := m.Users.CreateUser(ctx, u); errors.Is(err, storage.ErrAlreadyExists) {
		return NativeSignIn{}, ErrLinkRequired // created meanwhile: an existing account
	} else if err != nil {
		return NativeSignIn{}, err
	}
	p := m.provider(id.ProviderID)
	if err := m.link(ctx, u.ID, p, prof); err != nil {
		return NativeSignIn{}, err
	}
	m.Logger.InfoContext(ctx, "social: account created (native sign-in)", "provider", id.ProviderID, "user_id", u.ID)
	return NativeSignIn{UserID: u.ID, AMR: nativeAMR(id.ProviderID), Created: true}, nil
}

func (m *Method) nativeLinked(ctx context.Context, tenantID string, id NativeIdentity, userID string) (NativeSignIn, error) {
	u, err := m.Users.GetUser(ctx, userID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return NativeSignIn{}, err
	}
	if err != nil || u.Disabled || u.TenantSuspended() || tenantOr(u.TenantID) != tenantOr(tenantID) {
		return NativeSignIn{}, ErrAccountRefused
	}
	if err := m.Identities.TouchIdentity(ctx, id.ProviderID, id.Profile.Subject, verifiedEmail(id.Profile), m.now()); err != nil {
		m.Logger.WarnContext(ctx, "social: touch identity", "provider", id.ProviderID, "error", err)
	}
	return NativeSignIn{UserID: u.ID, AMR: nativeAMR(id.ProviderID)}, nil
}

func nativeAMR(providerID string) []string {
	return []string{AMRExternal, AMRProviderPrefix + providerID}
}

func tenantOr(id string) string {
	if id == "" {
		return storage.DefaultTenantID
	}
	return id
}

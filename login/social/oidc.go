package social

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// oidcUpstream is the generic OpenID Connect kind; Google and Apple are
// presets of it. Discovery happens on first use (and is retried until it
// succeeds), so a provider that is down at start does not stop Admit.
type oidcUpstream struct {
	cfg         ProviderConfig
	redirectURL string
	client      *http.Client
	// authOptions are extra authorization parameters (Apple: form_post,
	// Google: hd).
	authOptions []oauth2.AuthCodeOption
	// clientSecret returns the secret for a token request (Apple signs one).
	clientSecret func() (string, error)
	// check vets the verified id token's claims (Google: hd).
	check func(c idClaims) error
	// postedUser: the provider posts the user's name with the first
	// callback (Apple).
	postedUser bool

	mu       sync.Mutex
	provider *oidc.Provider
}

// idClaims are the id token claims Admit reads. email_verified is a string
// ("true") at Apple and a boolean elsewhere.
type idClaims struct {
	Subject       string          `json:"sub"`
	Nonce         string          `json:"nonce"`
	Email         string          `json:"email"`
	EmailVerified json.RawMessage `json:"email_verified"`
	GivenName     string          `json:"given_name"`
	FamilyName    string          `json:"family_name"`
	HostedDomain  string          `json:"hd"`
}

func (c idClaims) verified() bool {
	v := strings.Trim(string(c.EmailVerified), `"`)
	return v == "true"
}

func (u *oidcUpstream) discover(ctx context.Context) (*oidc.Provider, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.provider != nil {
		return u.provider, nil
	}
	p, err := oidc.NewProvider(withClient(ctx, u.client), u.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("social: discovery of %s: %w", u.cfg.Issuer, classifyDiscovery(err))
	}
	u.provider = p
	return p, nil
}

// classifyDiscovery: go-oidc reports HTTP failures as plain errors; a
// provider that cannot serve its discovery document is unavailable.
func classifyDiscovery(err error) error {
	if c := classify(err); c != err {
		return c
	}
	return fmt.Errorf("%w: %w", errUnavailable, err)
}

func (u *oidcUpstream) oauth(p *oidc.Provider, secret string) *oauth2.Config {
	ep := p.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInParams // no auto-detection: codes are single-use
	return &oauth2.Config{
		ClientID: u.cfg.ClientID, ClientSecret: secret, Endpoint: ep,
		RedirectURL: u.redirectURL, Scopes: u.cfg.Scopes,
	}
}

func (u *oidcUpstream) authURL(ctx context.Context, s secrets) (string, error) {
	p, err := u.discover(ctx)
	if err != nil {
		return "", err
	}
	opts := append([]oauth2.AuthCodeOption{oidc.Nonce(s.Nonce), oauth2.S256ChallengeOption(s.Verifier)}, u.authOptions...)
	return u.oauth(p, "").AuthCodeURL(s.State, opts...), nil
}

func (u *oidcUpstream) exchange(ctx context.Context, cb callback, s secrets) (Profile, error) {
	p, err := u.discover(ctx)
	if err != nil {
		return Profile{}, err
	}
	secret, err := u.clientSecret()
	if err != nil {
		return Profile{}, err
	}
	ctx = withClient(ctx, u.client)
	tok, err := u.oauth(p, secret).Exchange(ctx, cb.Code, oauth2.VerifierOption(s.Verifier))
	if err != nil {
		return Profile{}, fmt.Errorf("social: token request: %w", err)
	}
	c, err := u.verify(ctx, p, tok, s.NonceHash)
	if err != nil {
		return Profile{}, err
	}
	prof, err := u.profile(ctx, p, tok, c)
	if err == nil && u.postedUser {
		prof = withAppleName(prof, cb.User)
	}
	return prof, err
}

// verify checks the id token: signature against the provider's JWKS,
// issuer, audience, expiry, and the nonce this login sent (by its hash).
func (u *oidcUpstream) verify(ctx context.Context, p *oidc.Provider, tok *oauth2.Token, nonceHash string) (idClaims, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return idClaims{}, fmt.Errorf("%w: no id_token in the token response", errRejected)
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: u.cfg.ClientID}).Verify(ctx, raw)
	if err != nil {
		return idClaims{}, fmt.Errorf("%w: id token: %w", errRejected, err)
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		return idClaims{}, fmt.Errorf("%w: id token claims: %w", errRejected, err)
	}
	if c.Nonce == "" || subtle.ConstantTimeCompare([]byte(hashValue(c.Nonce)), []byte(nonceHash)) != 1 {
		return idClaims{}, fmt.Errorf("%w: id token nonce does not match", errRejected)
	}
	if u.check != nil {
		if err := u.check(c); err != nil {
			return idClaims{}, err
		}
	}
	return c, nil
}

// profile completes the id token's claims from userinfo when the token
// carries no e-mail (providers may keep id tokens small).
func (u *oidcUpstream) profile(ctx context.Context, p *oidc.Provider, tok *oauth2.Token, c idClaims) (Profile, error) {
	prof := Profile{Subject: c.Subject, Email: c.Email, EmailVerified: c.verified(), GivenName: c.GivenName, FamilyName: c.FamilyName}
	if prof.Email != "" || p.UserInfoEndpoint() == "" {
		return prof, nil
	}
	info, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return Profile{}, fmt.Errorf("social: userinfo: %w", err)
	}
	if info.Subject != c.Subject {
		return Profile{}, fmt.Errorf("%w: userinfo subject differs from the id token's", errRejected)
	}
	prof.Email, prof.EmailVerified = info.Email, info.EmailVerified
	var names struct {
		GivenName  string `json:"given_name"`
		FamilyName string `json:"family_name"`
	}
	if info.Claims(&names) == nil && prof.GivenName == "" {
		prof.GivenName, prof.FamilyName = names.GivenName, names.FamilyName
	}
	return prof, nil
}

func staticSecret(s string) func() (string, error) { return func() (string, error) { return s, nil } }

// newOIDC builds the generic kind.
func newOIDC(cfg ProviderConfig, redirectURL string, client *http.Client) *oidcUpstream {
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{oidc.ScopeOpenID, "profile", "email"}
	}
	return &oidcUpstream{cfg: cfg, redirectURL: redirectURL, client: client, clientSecret: staticSecret(cfg.ClientSecret)}
}

// newGoogle is the generic kind with Google's issuer and, when configured,
// a Workspace domain restriction: hd is sent as a hint and checked on the
// verified id token (the hint alone is only a UI filter).
func newGoogle(cfg ProviderConfig, redirectURL string, client *http.Client) *oidcUpstream {
	if cfg.Issuer == "" {
		cfg.Issuer = GoogleIssuer
	}
	u := newOIDC(cfg, redirectURL, client)
	if hd := cfg.HostedDomain; hd != "" {
		u.authOptions = append(u.authOptions, oauth2.SetAuthURLParam("hd", hd))
		u.check = func(c idClaims) error {
			if !strings.EqualFold(c.HostedDomain, hd) {
				return fmt.Errorf("%w: %w", errRejected, errWrongDomain)
			}
			return nil
		}
	}
	return u
}

// errWrongDomain: a Google account outside the configured Workspace domain.
var errWrongDomain = fmt.Errorf("social: account outside the allowed domain")

// hashValue is the stored form of state and nonce: only hashes are kept.
func hashValue(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

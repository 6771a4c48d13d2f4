package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/admit-idp/admit/op"
	"github.com/admit-idp/admit/storage"
)

// ClientSpec is what an operator registers (`admit clients add`).
type ClientSpec struct {
	ID, Name                     string
	RedirectURIs, PostLogoutURIs []string
	Grants, Scopes               []string
	Public, FirstParty           bool
	// RequireMFA: every login to the client uses a second factor.
	RequireMFA                   bool
	AuthMethod                   string
	JWKS                         []byte
	AccessTTL, IDTTL, RefreshTTL time.Duration
}

var clientIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{3,64}$`)

var knownGrants = []string{"authorization_code", "refresh_token", "client_credentials"}

// Validate reports every problem of the spec at once.
func (s ClientSpec) Validate() error {
	var errs []error
	if !clientIDPattern.MatchString(s.ID) {
		errs = append(errs, fmt.Errorf("client id %q: 3-64 characters of A-Z a-z 0-9 . _ -", s.ID))
	}
	for _, g := range s.Grants {
		if !slices.Contains(knownGrants, g) {
			errs = append(errs, fmt.Errorf("grant %q: want one of %v", g, knownGrants))
		}
	}
	if slices.Contains(s.Grants, "authorization_code") && len(s.RedirectURIs) == 0 {
		errs = append(errs, errors.New("authorization_code needs at least one redirect URI"))
	}
	for _, u := range append(slices.Clone(s.RedirectURIs), s.PostLogoutURIs...) {
		errs = append(errs, validateRedirectURI(u))
	}
	errs = append(errs, s.validateAuth())
	for _, d := range []time.Duration{s.AccessTTL, s.IDTTL} {
		if d < 0 || d > 24*time.Hour {
			errs = append(errs, fmt.Errorf("token lifetime %s: between 0 (default) and 24h", d))
		}
	}
	return errors.Join(errs...)
}

func (s ClientSpec) validateAuth() error {
	switch {
	case s.Public && slices.Contains(s.Grants, "client_credentials"):
		return errors.New("a public client cannot use client_credentials")
	case s.AuthMethod == storage.AuthMethodPrivateKeyJWT && len(s.JWKS) == 0:
		return errors.New("private_key_jwt needs the client's public keys (--jwks-file)")
	case len(s.JWKS) > 0:
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(s.JWKS, &set); err != nil || len(set.Keys) == 0 {
			return errors.New("jwks: not a JSON Web Key Set with at least one key")
		}
	case !s.Public && !slices.Contains([]string{"", storage.AuthMethodBasic, storage.AuthMethodPost, storage.AuthMethodPrivateKeyJWT}, s.AuthMethod):
		return fmt.Errorf("auth method %q: want client_secret_basic, client_secret_post or private_key_jwt", s.AuthMethod)
	}
	return nil
}

// validateRedirectURI: absolute, no fragment (RFC 6749 3.1.2); plain http
// only for loopback (native apps and development, RFC 8252).
func validateRedirectURI(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "":
		return fmt.Errorf("redirect URI %q: must be an absolute URL", raw)
	case u.Fragment != "":
		return fmt.Errorf("redirect URI %q: must not contain a fragment", raw)
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return fmt.Errorf("redirect URI %q: plain http is only allowed for loopback addresses", raw)
	}
	return nil
}

// AddClient validates and stores a client. For confidential clients that
// authenticate with a secret it returns the generated secret: shown once,
// stored only as a hash.
func (a *App) AddClient(ctx context.Context, s ClientSpec) (secret string, err error) {
	if err := s.Validate(); err != nil {
		return "", err
	}
	c := s.client(a.Now())
	if !s.Public && s.AuthMethod != storage.AuthMethodPrivateKeyJWT {
		if secret, err = newSecret(); err != nil {
			return "", err
		}
		c.SecretHash = op.HashSecret(secret)
	}
	return secret, a.Stores.Durable.CreateClient(ctx, c)
}

func (s ClientSpec) client(now time.Time) storage.Client {
	method := s.AuthMethod
	if s.Public {
		method = storage.AuthMethodNone
	} else if method == "" {
		method = storage.AuthMethodBasic
	}
	return storage.Client{
		ID: s.ID, Name: s.Name, Public: s.Public, AuthMethod: method, RedirectURIs: s.RedirectURIs,
		PostLogoutRedirectURIs: s.PostLogoutURIs, GrantTypes: s.Grants, Scopes: s.Scopes, FirstParty: s.FirstParty, RequireMFA: s.RequireMFA,
		JWKS: s.JWKS, AccessTokenLifetime: s.AccessTTL, IDTokenLifetime: s.IDTTL, RefreshTokenLifetime: s.RefreshTTL,
		CreatedAt: now.Truncate(time.Microsecond),
	}
}

func newSecret() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("client secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

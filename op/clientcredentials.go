package op

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/admit-idp/admit/storage"
)

// clientCredentialsRequest is a machine client asking for a token for itself.
type clientCredentialsRequest struct {
	client storage.Client
	scopes []string
	target target
}

func (r *clientCredentialsRequest) GetSubject() string    { return r.client.ID }
func (r *clientCredentialsRequest) GetAudience() []string { return []string{r.client.ID} }
func (r *clientCredentialsRequest) GetScopes() []string   { return r.scopes }

func (r *clientCredentialsRequest) tokenSubject() tokenSubject {
	gid, _ := randomID() // a fresh grant per issue; revocable on its own
	return tokenSubject{
		grant: "client_credentials", grantID: gid, subject: r.client.ID, clientID: r.client.ID,
		scopes: r.scopes, tenantID: tenantOf(r.client.TenantID),
	}.withTarget(r.target)
}

// ClientCredentials authenticates a confidential client for the
// client_credentials grant (secret from Basic or the form).
func (s *Storage) ClientCredentials(ctx context.Context, clientID, secret string) (zop.Client, error) {
	c, err := s.authenticateClient(ctx, clientID, secret)
	if err != nil {
		return nil, err
	}
	if !c.AllowsGrant(string(oidc.GrantTypeClientCredentials)) {
		return nil, oidc.ErrUnauthorizedClient().WithDescription("the client may not use client_credentials")
	}
	return client{Client: c, loginURL: s.LoginURL}, nil
}

// ClientCredentialsTokenRequest grants the requested scopes the client is
// registered for, or all of them (minus user scopes) when none are asked.
func (s *Storage) ClientCredentialsTokenRequest(ctx context.Context, clientID string, scopes []string) (zop.TokenRequest, error) {
	c, err := s.getClient(ctx, clientID)
	if err != nil {
		return nil, clientLookupError(ctx, err)
	}
	// op has authenticated the client (ClientCredentials, which leaves
	// the tenant alone: op would drop this description there).
	if c.TenantSuspended() {
		return nil, oidc.ErrUnauthorizedClient().WithDescription("the client's tenant is suspended")
	}
	granted, err := machineScopes(c, scopes)
	if err != nil {
		return nil, err
	}
	// RFC 8707 section 2: a resource narrows the token to that API.
	tg, err := s.machineTarget(ctx, c, granted)
	if err != nil {
		return nil, err
	}
	return &clientCredentialsRequest{client: c, scopes: tg.scopes, target: tg}, nil
}

var userScopes = []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess, oidc.ScopePhone, oidc.ScopeAddress, ScopeVenues}

func machineScopes(c storage.Client, requested []string) ([]string, error) {
	if len(requested) == 0 {
		out := make([]string, 0, len(c.Scopes))
		for _, sc := range c.Scopes {
			if !slices.Contains(userScopes, sc) {
				out = append(out, sc)
			}
		}
		return out, nil
	}
	for _, sc := range requested {
		// RFC 6749 §4.4: the token is the client's own; a user scope has
		// no user to speak for, however the client is registered.
		if slices.Contains(userScopes, sc) {
			return nil, oidc.ErrInvalidScope().WithDescription("scope %q needs a user: client_credentials tokens act for the client itself; use the authorization code flow", sc)
		}
		if !slices.Contains(c.Scopes, sc) {
			return nil, oidc.ErrInvalidScope().WithDescription("scope %q is not allowed for this client", sc)
		}
	}
	return requested, nil
}

// AuthorizeClientIDSecret authenticates client_secret_basic/post clients.
func (s *Storage) AuthorizeClientIDSecret(ctx context.Context, clientID, secret string) error {
	_, err := s.authenticateClient(ctx, clientID, secret)
	return err
}

var (
	errBadClientSecret = errors.New("op: client authentication failed")
	// errWrongAuthMethod: the secret came another way than the client's
	// registered token_endpoint_auth_method (OIDC Dynamic Client
	// Registration 1.0 §2; OIDC Core 9).
	errWrongAuthMethod = errors.New("op: client authenticated with another method than it registered")
)

type presentedAuthMethodKey struct{}

// WithPresentedAuthMethod records how the request's client presented its
// secret (client_secret_basic or client_secret_post; the HTTP layer knows,
// op does not tell storage). A client registered for another method is then
// refused, whatever its secret.
func WithPresentedAuthMethod(ctx context.Context, m oidc.AuthMethod) context.Context {
	return context.WithValue(ctx, presentedAuthMethodKey{}, m)
}

func (s *Storage) authenticateClient(ctx context.Context, clientID, secret string) (storage.Client, error) {
	c, err := s.getClient(ctx, clientID)
	if err != nil {
		return storage.Client{}, clientLookupError(ctx, err)
	}
	if c.Public || c.SecretHash == "" || !SecretMatches(secret, c.SecretHash) {
		return storage.Client{}, fmt.Errorf("client %q: %w", clientID, errBadClientSecret)
	}
	if m, ok := ctx.Value(presentedAuthMethodKey{}).(oidc.AuthMethod); ok && m != (client{Client: c}).AuthMethod() {
		return storage.Client{}, fmt.Errorf("client %q used %s: %w", clientID, m, errWrongAuthMethod)
	}
	return c, nil
}

// HashSecret returns the stored form of a client secret (hex SHA-256).
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// SecretMatches compares a presented secret with a stored hash in constant time.
func SecretMatches(secret, hash string) bool {
	want, err := hex.DecodeString(hash)
	if err != nil {
		return false
	}
	got := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(got[:], want) == 1
}

package op

import (
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/admit-idp/admit/storage"
)

// Default token lifetimes, used when a client does not set its own.
const (
	DefaultAccessTokenLifetime  = 15 * time.Minute // the old service's value
	DefaultIDTokenLifetime      = time.Hour
	DefaultRefreshTokenLifetime = 7 * 24 * time.Hour // the old service's value
)

// client adapts a stored client to zop.Client.
type client struct {
	storage.Client
	loginURL func(authRequestID string) string
}

var _ zop.Client = client{}

func (c client) GetID() string             { return c.ID }
func (c client) LoginURL(id string) string { return c.loginURL(id) }

// RedirectURIs are the registered URIs that pass CheckRedirectURI: one
// stored before the rules (or written around them) is never redirected to.
func (c client) RedirectURIs() []string { return c.valid(c.Client.RedirectURIs) }

func (c client) PostLogoutRedirectURIs() []string { return c.valid(c.Client.PostLogoutRedirectURIs) }

func (c client) valid(uris []string) []string {
	return slices.DeleteFunc(slices.Clone(uris), func(u string) bool { return storage.CheckRedirectURI(u, c.Public) != nil })
}

// ApplicationType: a public client with a loopback or private-use redirect
// URI is a native app (RFC 8252: its loopback port may vary, 7.3; op
// accepts a private-use scheme, 7.1, only for native apps); other public
// clients are browser apps, which need https. Confidential clients are web
// servers.
func (c client) ApplicationType() zop.ApplicationType {
	switch {
	case !c.Public:
		return zop.ApplicationTypeWeb
	case slices.ContainsFunc(c.RedirectURIs(), func(u string) bool { return isLoopbackURI(u) || storage.IsPrivateUseRedirect(u) }):
		return zop.ApplicationTypeNative
	}
	return zop.ApplicationTypeUserAgent
}

func isLoopbackURI(raw string) bool {
	_, ok := zop.HTTPLoopbackOrLocalhost(raw)
	return ok
}

func (c client) AuthMethod() oidc.AuthMethod {
	switch {
	case c.Public:
		return oidc.AuthMethodNone
	case c.Client.AuthMethod == "":
		return oidc.AuthMethodBasic
	}
	return oidc.AuthMethod(c.Client.AuthMethod)
}

func (c client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}

func (c client) GrantTypes() []oidc.GrantType {
	grants := make([]oidc.GrantType, 0, len(c.Client.GrantTypes))
	for _, g := range c.Client.GrantTypes {
		grants = append(grants, oidc.GrantType(g))
	}
	return grants
}

// AccessTokenType is Bearer from op's point of view: op then hands the token
// ID to our Crypto, which returns the RFC 9068 JWT we minted (see tokens.go).
func (c client) AccessTokenType() zop.AccessTokenType { return zop.AccessTokenTypeBearer }

func (c client) IDTokenLifetime() time.Duration {
	return orDefault(c.Client.IDTokenLifetime, DefaultIDTokenLifetime)
}

// DevMode would relax redirect URI rules; Admit always matches exactly.
func (c client) DevMode() bool { return false }

func (c client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

func (c client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

func (c client) IsScopeAllowed(scope string) bool { return slices.Contains(c.Scopes, scope) }

// IDTokenUserinfoClaimsAssertion: claims go to userinfo when an access token
// is issued alongside, as Core 5.4 intends; the id token stays small.
func (c client) IDTokenUserinfoClaimsAssertion() bool { return false }

func (c client) ClockSkew() time.Duration { return 0 }

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

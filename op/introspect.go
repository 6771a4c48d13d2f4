package op

import (
	"context"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// Introspection is the answer of the introspection endpoint about an active
// access token (RFC 7662 §2.2): the registered claims, then Admit's.
// op/endpoints encodes it in one pass. op's own answer
// (oidc.IntrospectionResponse) encodes its fields, decodes them into a map
// beside the extra claims and encodes that map again, which was a third of
// the endpoint's CPU; the two answers hold the same members
// (TestIntrospectionMatchesOp).
//
// The members of type any are set only when the token carries them and
// keep op's encoding of them: acr "" and amr null on a user token without
// them, as the map op encoded.
type Introspection struct {
	Active     bool     `json:"active"`
	Scope      string   `json:"scope,omitempty"`
	ClientID   string   `json:"client_id,omitempty"`
	TokenType  string   `json:"token_type,omitempty"`
	Expiration int64    `json:"exp,omitempty"`
	IssuedAt   int64    `json:"iat,omitempty"`
	Subject    string   `json:"sub,omitempty"`
	Audience   []string `json:"aud,omitempty"`
	Issuer     string   `json:"iss,omitempty"`
	JWTID      string   `json:"jti,omitempty"`
	// A user's token: when and how the user authenticated.
	AuthTime any `json:"auth_time,omitempty"`
	ACR      any `json:"acr,omitempty"`
	AMR      any `json:"amr,omitempty"`
	// The claims of roleclaims.go: ClaimTenantID, ClaimRoles,
	// ClaimPermissions, ClaimVenueRoles.
	TenantID    string `json:"tenant_id,omitempty"`
	Roles       any    `json:"roles,omitempty"`
	Permissions any    `json:"permissions,omitempty"`
	VenueRoles  any    `json:"venue_roles,omitempty"`
	// RFC 8693 4.1: the actor of a delegated token.
	Act any `json:"act,omitempty"`
	// RFC 9449 §6.2: the key a DPoP-bound token is bound to.
	Cnf any `json:"cnf,omitempty"`
	// Past the venue limit: where to find venue_roles (OIDC Core 5.6.2).
	ClaimNames   any `json:"_claim_names,omitempty"`
	ClaimSources any `json:"_claim_sources,omitempty"`
}

// Introspect answers the introspection of token by the authenticated client
// callerID: the token's claims when it is a valid access token of this
// issuer, not revoked, and the caller may see it (introspectable); else an
// error, which the endpoint answers with {"active":false} (or 503 when a
// backend was unavailable: op.Outage). It does in one step what op's
// handler does through Decrypt and SetIntrospectionFromToken, without the
// handoff of the verified payload between them.
func (s *Storage) Introspect(ctx context.Context, token, callerID string) (*Introspection, error) {
	if isOpaque(token) {
		jwt, err := s.openOpaque(token)
		if err != nil {
			return nil, err
		}
		token = jwt
	}
	c, _, err := s.verifyAccessToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if err := s.checkLive(ctx, c); err != nil {
		return nil, err
	}
	if err := s.introspectable(ctx, c, callerID); err != nil {
		return nil, err
	}
	return introspectionOf(c), nil
}

// introspectionOf is the introspection answer about a live, introspectable
// token.
func introspectionOf(c accessClaims) *Introspection {
	in := &Introspection{
		Active: true, Scope: strings.Join(strings.Fields(c.Scope), " "), ClientID: c.ClientID, TokenType: oidc.BearerToken,
		Expiration: c.Expiry, IssuedAt: c.IssuedAt, Subject: c.Subject, Audience: c.Audience, Issuer: c.Issuer, JWTID: c.ID,
		TenantID: c.TenantID,
	}
	if c.AuthTime != 0 {
		in.AuthTime, in.ACR, in.AMR = c.AuthTime, c.ACR, c.AMR
	}
	if c.Roles != nil {
		in.Roles, in.Permissions = c.Roles, c.Permissions
	}
	if c.VenueRoles != nil {
		in.VenueRoles = c.VenueRoles
	}
	if c.Act != nil {
		in.Act = c.Act
	}
	if c.Cnf != nil {
		in.TokenType, in.Cnf = "DPoP", c.Cnf
	}
	if c.ClaimNames != nil {
		in.ClaimNames, in.ClaimSources = c.ClaimNames, c.ClaimSources
	}
	return in
}

// SetIntrospectionFromToken is op's way to the same answer (Introspect),
// kept for op's Storage interface; the endpoint no longer calls it.
func (s *Storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, _, callerID string) error {
	c, err := s.liveAccessClaims(ctx, tokenID)
	if err != nil {
		return err
	}
	if err := s.introspectable(ctx, c, callerID); err != nil {
		return err
	}
	fillIntrospection(resp, introspectionOf(c))
	return nil
}

// fillIntrospection sets op's answer to in.
func fillIntrospection(resp *oidc.IntrospectionResponse, in *Introspection) {
	resp.Scope = strings.Fields(in.Scope)
	resp.ClientID, resp.TokenType, resp.Subject, resp.Issuer, resp.JWTID = in.ClientID, in.TokenType, in.Subject, in.Issuer, in.JWTID
	resp.Expiration = oidc.FromTime(time.Unix(in.Expiration, 0))
	resp.IssuedAt = oidc.FromTime(time.Unix(in.IssuedAt, 0))
	resp.Audience = in.Audience
	claims := map[string]any{}
	for k, v := range map[string]any{
		"auth_time": in.AuthTime, "acr": in.ACR, "amr": in.AMR, ClaimRoles: in.Roles, ClaimPermissions: in.Permissions,
		ClaimVenueRoles: in.VenueRoles, "act": in.Act, "cnf": in.Cnf, "_claim_names": in.ClaimNames, "_claim_sources": in.ClaimSources,
	} {
		if v != nil {
			claims[k] = v
		}
	}
	if in.TenantID != "" {
		claims[ClaimTenantID] = in.TenantID
	}
	if len(claims) > 0 {
		resp.Claims = claims
	}
}

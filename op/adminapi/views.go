package adminapi

import (
	"encoding/json"
	"time"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
	"github.com/admit-idp/admit/storage/roles"
)

func ts(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

type list[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

func listView[S, T any](l admin.List[S], view func(S) T) list[T] {
	out := list[T]{Items: make([]T, 0, len(l.Items)), Next: l.Next}
	for _, it := range l.Items {
		out.Items = append(out.Items, view(it))
	}
	return out
}

type tenantView struct {
	ID        string     `json:"id"`
	Slug      string     `json:"slug"`
	Name      string     `json:"name"`
	Status    string     `json:"status"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

func viewTenant(t storage.Tenant) tenantView {
	return tenantView{ID: t.ID, Slug: t.Slug, Name: t.Name, Status: t.Status, CreatedAt: ts(t.CreatedAt), UpdatedAt: ts(t.UpdatedAt)}
}

type clientView struct {
	ID                     string          `json:"id"`
	TenantID               string          `json:"tenant_id"`
	Name                   string          `json:"name"`
	Public                 bool            `json:"public"`
	AuthMethod             string          `json:"token_endpoint_auth_method"`
	RedirectURIs           []string        `json:"redirect_uris"`
	PostLogoutRedirectURIs []string        `json:"post_logout_redirect_uris"`
	GrantTypes             []string        `json:"grant_types"`
	Scopes                 []string        `json:"scopes"`
	FirstParty             bool            `json:"first_party"`
	RequireMFA             bool            `json:"require_mfa"`
	JWKS                   json.RawMessage `json:"jwks,omitempty"`
	AccessTokenTTL         int64           `json:"access_token_ttl"`
	IDTokenTTL             int64           `json:"id_token_ttl"`
	RefreshTokenTTL        int64           `json:"refresh_token_ttl"`
	CreatedAt              *time.Time      `json:"created_at,omitempty"`
	// Resource indicators and signing algorithms.
	AllowedResources             []string `json:"allowed_resources"`
	IDTokenSignedResponseAlg     string   `json:"id_token_signed_response_alg,omitempty"`
	AccessTokenSignedResponseAlg string   `json:"access_token_signed_response_alg,omitempty"`
	// RFC 9449 §5.2 and RFC 9126 §6 client metadata.
	DPoPBoundAccessTokens              bool `json:"dpop_bound_access_tokens"`
	RequirePushedAuthorizationRequests bool `json:"require_pushed_authorization_requests"`
	// Logout notification (Back-Channel / Front-Channel Logout 1.0).
	BackchannelLogoutURI              string `json:"backchannel_logout_uri"`
	BackchannelLogoutSessionRequired  bool   `json:"backchannel_logout_session_required"`
	FrontchannelLogoutURI             string `json:"frontchannel_logout_uri"`
	FrontchannelLogoutSessionRequired bool   `json:"frontchannel_logout_session_required"`
	LogoURI                           string `json:"logo_uri,omitempty"`
	PolicyURI                         string `json:"policy_uri,omitempty"`
	TOSURI                            string `json:"tos_uri,omitempty"`
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func viewClient(c storage.Client) clientView {
	v := clientView{
		ID: c.ID, TenantID: c.TenantID, Name: c.Name, Public: c.Public, AuthMethod: c.AuthMethod,
		RedirectURIs: orEmpty(c.RedirectURIs), PostLogoutRedirectURIs: orEmpty(c.PostLogoutRedirectURIs),
		GrantTypes: orEmpty(c.GrantTypes), Scopes: orEmpty(c.Scopes), FirstParty: c.FirstParty, RequireMFA: c.RequireMFA,
		AccessTokenTTL: int64(c.AccessTokenLifetime / time.Second), IDTokenTTL: int64(c.IDTokenLifetime / time.Second),
		RefreshTokenTTL: int64(c.RefreshTokenLifetime / time.Second), CreatedAt: ts(c.CreatedAt),
		AllowedResources: orEmpty(c.AllowedResources), IDTokenSignedResponseAlg: c.IDTokenSignedResponseAlg,
		AccessTokenSignedResponseAlg: c.AccessTokenSignedResponseAlg,
		DPoPBoundAccessTokens:        c.DPoPBoundAccessTokens, RequirePushedAuthorizationRequests: c.RequirePushedAuthorizationRequests,
		BackchannelLogoutURI: c.BackchannelLogoutURI, BackchannelLogoutSessionRequired: c.BackchannelLogoutSessionRequired,
		FrontchannelLogoutURI: c.FrontchannelLogoutURI, FrontchannelLogoutSessionRequired: c.FrontchannelLogoutSessionRequired,
		LogoURI: c.LogoURI, PolicyURI: c.PolicyURI, TOSURI: c.TOSURI,
	}
	if len(c.JWKS) > 0 && json.Valid(c.JWKS) {
		v.JWKS = c.JWKS
	}
	return v
}

type userView struct {
	ID            string     `json:"id"`
	TenantID      string     `json:"tenant_id"`
	Email         string     `json:"email"`
	EmailVerified bool       `json:"email_verified"`
	GivenName     string     `json:"given_name"`
	FamilyName    string     `json:"family_name"`
	Locale        string     `json:"locale,omitempty"`
	Disabled      bool       `json:"disabled"`
	HasPassword   bool       `json:"has_password"`
	CreatedAt     *time.Time `json:"created_at,omitempty"`
	UpdatedAt     *time.Time `json:"updated_at,omitempty"`
}

func viewUser(u storage.User) userView {
	return userView{
		ID: u.ID, TenantID: u.TenantID, Email: u.Email, EmailVerified: u.EmailVerified, GivenName: u.GivenName,
		FamilyName: u.FamilyName, Locale: u.Locale, Disabled: u.Disabled, HasPassword: u.PasswordHash != "",
		CreatedAt: ts(u.CreatedAt), UpdatedAt: ts(u.UpdatedAt),
	}
}

type grantView struct {
	ID        string     `json:"id"`
	TenantID  string     `json:"tenant_id"`
	UserID    string     `json:"user_id"`
	Role      string     `json:"role"`
	VenueID   string     `json:"venue_id,omitempty"`
	GrantedBy string     `json:"granted_by"`
	GrantedAt *time.Time `json:"granted_at,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	Active    bool       `json:"active"`
	InForce   bool       `json:"in_force"`
	RevokedBy string     `json:"revoked_by,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

func grantViewer(now time.Time) func(storage.RoleGrant) grantView {
	return func(g storage.RoleGrant) grantView {
		v := grantView{
			ID: g.ID, TenantID: g.TenantID, UserID: g.UserID, Role: g.Role, GrantedBy: g.GrantedBy, GrantedAt: ts(g.GrantedAt),
			ExpiresAt: ts(g.ExpiresAt), Active: g.Active, InForce: g.InForce(now), RevokedBy: g.RevokedBy, RevokedAt: ts(g.RevokedAt),
		}
		if g.ResourceType == storage.ResourceVenue {
			v.VenueID = g.ResourceID
		}
		return v
	}
}

type roleView struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Permissions []string `json:"permissions"`
	Resource    string   `json:"resource,omitempty"`
}

func viewRole(r roles.Role) roleView {
	return roleView{Name: r.Name, Description: r.Description, Permissions: orEmpty(r.Permissions), Resource: r.Resource}
}

type keyView struct {
	ID          string     `json:"kid"`
	Algorithm   string     `json:"alg"`
	State       string     `json:"state"`
	CreatedAt   *time.Time `json:"created_at,omitempty"`
	ActivatedAt *time.Time `json:"activated_at,omitempty"`
	RetiredAt   *time.Time `json:"retired_at,omitempty"`
}

func viewKey(k admin.Key) keyView {
	return keyView{ID: k.ID, Algorithm: k.Algorithm, State: k.State, CreatedAt: ts(k.CreatedAt), ActivatedAt: ts(k.ActivatedAt), RetiredAt: ts(k.RetiredAt)}
}

type apiView struct {
	ID                    string     `json:"id"`
	TenantID              string     `json:"tenant_id"`
	Identifier            string     `json:"identifier"`
	Name                  string     `json:"name"`
	Scopes                []string   `json:"scopes"`
	AccessTokenTTL        int64      `json:"access_token_ttl"`
	AccessTokenSigningAlg string     `json:"access_token_signing_alg,omitempty"`
	Opaque                bool       `json:"opaque"`
	IntrospectionClientID string     `json:"introspection_client_id,omitempty"`
	CreatedAt             *time.Time `json:"created_at,omitempty"`
}

func viewAPI(a storage.API) apiView {
	return apiView{
		ID: a.ID, TenantID: a.TenantID, Identifier: a.Identifier, Name: a.Name, Scopes: orEmpty(a.Scopes),
		AccessTokenTTL: int64(a.AccessTokenLifetime / time.Second), AccessTokenSigningAlg: a.SigningAlg,
		Opaque: a.Opaque, IntrospectionClientID: a.IntrospectionClientID, CreatedAt: ts(a.CreatedAt),
	}
}

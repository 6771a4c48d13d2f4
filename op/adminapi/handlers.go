package adminapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
	"github.com/admit-idp/admit/storage/roles"
)

// query reads query parameters that validate has already checked against
// the document (types, formats, ranges, enums), so parsing cannot fail
// here; an absent parameter is the zero value.
type query struct{ r *http.Request }

func (q query) str(name string) string { return strings.TrimSpace(q.r.URL.Query().Get(name)) }

func (q query) boolp(name string) *bool {
	b, err := strconv.ParseBool(q.str(name))
	if err != nil {
		return nil
	}
	return &b
}

func (q query) time(name string) time.Time {
	t, _ := time.Parse(time.RFC3339, q.str(name))
	return t
}

func (q query) page() admin.Page {
	n, _ := strconv.Atoi(q.str("limit"))
	return admin.Page{Cursor: q.str("cursor"), Limit: n}
}

func tenantID(r *http.Request) string { return chi.URLParam(r, "tenantId") }

// respond renders v with status, or the error.
func (h *Handler) respond(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, v)
}

func (h *Handler) grantView() func(storage.RoleGrant) grantView { return grantViewer(h.Service.Now()) }

// --- roles and keys

func (h *Handler) listRoles(w http.ResponseWriter, r *http.Request) {
	q := query{r: r}
	pg, res := q.page(), q.str("resource")
	all, err := h.Service.Roles(principal(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var sel []roles.Role
	for _, role := range all {
		if res == "" || role.Resource == res || res == "global" && role.Resource == "" {
			sel = append(sel, role)
		}
	}
	l, err := admin.PageOf(sel, func(r roles.Role) string { return r.Name }, pg)
	h.respond(w, r, http.StatusOK, listView(l, viewRole), err)
}

func keyOrder(k admin.Key) string {
	return k.CreatedAt.UTC().Format("2006-01-02T15:04:05.000000000Z") + "|" + k.ID
}

func (h *Handler) listKeys(w http.ResponseWriter, r *http.Request) {
	q := query{r: r}
	pg, state := q.page(), q.str("state")
	ks, err := h.Service.ListKeys(r.Context(), principal(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var sel []admin.Key
	for _, k := range ks {
		if state == "" || k.State == state {
			sel = append(sel, k)
		}
	}
	l, err := admin.PageOf(sel, keyOrder, pg)
	h.respond(w, r, http.StatusOK, listView(l, viewKey), err)
}

func (h *Handler) rotateKeys(w http.ResponseWriter, r *http.Request) {
	ks, err := h.Service.RotateKeys(r.Context(), principal(r))
	l, _ := admin.PageOf(ks, keyOrder, admin.Page{Limit: admin.MaxLimit})
	h.respond(w, r, http.StatusOK, listView(l, viewKey), err)
}

// --- tenants

type tenantInput struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

func (h *Handler) createTenant(w http.ResponseWriter, r *http.Request) {
	var in tenantInput
	if !decode(w, r, &in) {
		return
	}
	t, err := h.Service.CreateTenant(r.Context(), principal(r), admin.TenantInput{Slug: in.Slug, Name: in.Name})
	h.respond(w, r, http.StatusCreated, viewTenant(t), err)
}

func (h *Handler) listTenants(w http.ResponseWriter, r *http.Request) {
	q := query{r: r}
	f, pg := storage.TenantFilter{Status: q.str("status"), Query: q.str("q")}, q.page()
	l, err := h.Service.ListTenants(r.Context(), principal(r), f, pg)
	h.respond(w, r, http.StatusOK, listView(l, viewTenant), err)
}

func (h *Handler) getTenant(w http.ResponseWriter, r *http.Request) {
	t, err := h.Service.GetTenant(r.Context(), principal(r), tenantID(r))
	h.respond(w, r, http.StatusOK, viewTenant(t), err)
}

func (h *Handler) updateTenant(w http.ResponseWriter, r *http.Request) {
	var in tenantInput
	if !decode(w, r, &in) {
		return
	}
	t, err := h.Service.UpdateTenant(r.Context(), principal(r), tenantID(r), admin.TenantInput{Slug: in.Slug, Name: in.Name})
	h.respond(w, r, http.StatusOK, viewTenant(t), err)
}

func (h *Handler) setTenantStatus(status string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, err := h.Service.SetTenantStatus(r.Context(), principal(r), tenantID(r), status)
		h.respond(w, r, http.StatusOK, viewTenant(t), err)
	}
}

// --- clients

type clientInput struct {
	ID                     string          `json:"id"`
	Name                   *string         `json:"name"`
	RedirectURIs           *[]string       `json:"redirect_uris"`
	PostLogoutRedirectURIs *[]string       `json:"post_logout_redirect_uris"`
	GrantTypes             *[]string       `json:"grant_types"`
	Scopes                 *[]string       `json:"scopes"`
	Public                 *bool           `json:"public"`
	FirstParty             *bool           `json:"first_party"`
	RequireMFA             *bool           `json:"require_mfa"`
	AuthMethod             *string         `json:"token_endpoint_auth_method"`
	JWKS                   json.RawMessage `json:"jwks"`
	AccessTokenTTL         *int64          `json:"access_token_ttl"`
	IDTokenTTL             *int64          `json:"id_token_ttl"`
	RefreshTokenTTL        *int64          `json:"refresh_token_ttl"`
	// Resource indicators and signing algorithms.
	AllowedResources             *[]string `json:"allowed_resources"`
	IDTokenSignedResponseAlg     *string   `json:"id_token_signed_response_alg"`
	AccessTokenSignedResponseAlg *string   `json:"access_token_signed_response_alg"`
	// RFC 9449 §5.2 and RFC 9126 §6 client metadata.
	DPoPBoundAccessTokens              *bool `json:"dpop_bound_access_tokens"`
	RequirePushedAuthorizationRequests *bool `json:"require_pushed_authorization_requests"`
	// Logout notification (Back-Channel / Front-Channel Logout 1.0).
	BackchannelLogoutURI             *string `json:"backchannel_logout_uri"`
	BackchannelLogoutSessionRequired *bool   `json:"backchannel_logout_session_required"`
	FrontchannelLogoutURI            *string `json:"frontchannel_logout_uri"`
	FrontchannelSessionRequired      *bool   `json:"frontchannel_logout_session_required"`
	LogoURI                          *string `json:"logo_uri"`
	PolicyURI                        *string `json:"policy_uri"`
	TOSURI                           *string `json:"tos_uri"`
}

// DefaultGrants and DefaultScopes apply when a new client names none.
var (
	DefaultGrants = []string{"authorization_code", "refresh_token"}
	DefaultScopes = []string{"openid", "profile", "email", "offline_access"}
)

// apply sets the present fields on s.
func (in clientInput) apply(s *admin.ClientSpec) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	setList := func(dst *[]string, v *[]string) {
		if v != nil {
			*dst = *v
		}
	}
	setBool := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	setTTL := func(dst *time.Duration, v *int64) {
		if v != nil {
			*dst = time.Duration(*v) * time.Second
		}
	}
	set(&s.Name, in.Name)
	set(&s.AuthMethod, in.AuthMethod)
	set(&s.LogoURI, in.LogoURI)
	set(&s.PolicyURI, in.PolicyURI)
	set(&s.TOSURI, in.TOSURI)
	setList(&s.RedirectURIs, in.RedirectURIs)
	setList(&s.PostLogoutURIs, in.PostLogoutRedirectURIs)
	setList(&s.Grants, in.GrantTypes)
	setList(&s.Scopes, in.Scopes)
	setBool(&s.Public, in.Public)
	setBool(&s.FirstParty, in.FirstParty)
	setBool(&s.RequireMFA, in.RequireMFA)
	setBool(&s.DPoPBoundAccessTokens, in.DPoPBoundAccessTokens)
	setBool(&s.RequirePAR, in.RequirePushedAuthorizationRequests)
	setTTL(&s.AccessTTL, in.AccessTokenTTL)
	setTTL(&s.IDTTL, in.IDTokenTTL)
	setTTL(&s.RefreshTTL, in.RefreshTokenTTL)
	setList(&s.AllowedResources, in.AllowedResources)
	set(&s.IDTokenAlg, in.IDTokenSignedResponseAlg)
	set(&s.AccessTokenAlg, in.AccessTokenSignedResponseAlg)
	set(&s.BackchannelLogoutURI, in.BackchannelLogoutURI)
	setBool(&s.BackchannelLogoutSessionRequired, in.BackchannelLogoutSessionRequired)
	set(&s.FrontchannelLogoutURI, in.FrontchannelLogoutURI)
	setBool(&s.FrontchannelSessionRequired, in.FrontchannelSessionRequired)
	if len(in.JWKS) > 0 && string(in.JWKS) != "null" {
		s.JWKS = in.JWKS
	}
}

type clientCreated struct {
	Client       clientView `json:"client"`
	ClientSecret string     `json:"client_secret,omitempty"`
}

func (h *Handler) createClient(w http.ResponseWriter, r *http.Request) {
	var in clientInput
	if !decode(w, r, &in) {
		return
	}
	spec := admin.ClientSpec{ID: in.ID, Grants: DefaultGrants, Scopes: DefaultScopes}
	in.apply(&spec)
	c, secret, err := h.Service.CreateClient(r.Context(), principal(r), tenantID(r), spec)
	h.respond(w, r, http.StatusCreated, clientCreated{Client: viewClient(c), ClientSecret: secret}, err)
}

func (h *Handler) listClients(w http.ResponseWriter, r *http.Request) {
	q := query{r: r}
	f, pg := storage.ClientFilter{TenantID: tenantID(r), Query: q.str("q")}, q.page()
	l, err := h.Service.ListClients(r.Context(), principal(r), f, pg)
	h.respond(w, r, http.StatusOK, listView(l, viewClient), err)
}

func (h *Handler) getClient(w http.ResponseWriter, r *http.Request) {
	c, err := h.Service.GetClient(r.Context(), principal(r), tenantID(r), chi.URLParam(r, "clientId"))
	h.respond(w, r, http.StatusOK, viewClient(c), err)
}

func (h *Handler) updateClient(w http.ResponseWriter, r *http.Request) {
	var in clientInput
	if !decode(w, r, &in) {
		return
	}
	id := chi.URLParam(r, "clientId")
	c, err := h.Service.UpdateClient(r.Context(), principal(r), tenantID(r), id, func(s *admin.ClientSpec) {
		in.apply(s)
		if in.ID != "" {
			s.ID = in.ID
		}
	})
	h.respond(w, r, http.StatusOK, viewClient(c), err)
}

func (h *Handler) rotateSecret(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "clientId")
	secret, err := h.Service.RotateClientSecret(r.Context(), principal(r), tenantID(r), id)
	h.respond(w, r, http.StatusOK, map[string]string{"client_id": id, "client_secret": secret}, err)
}

func (h *Handler) deleteClient(w http.ResponseWriter, r *http.Request) {
	err := h.Service.DeleteClient(r.Context(), principal(r), tenantID(r), chi.URLParam(r, "clientId"))
	h.respond(w, r, http.StatusNoContent, nil, err)
}

// --- APIs (RFC 8707 resources)

type apiInput struct {
	ID                    string    `json:"id"`
	Identifier            *string   `json:"identifier"`
	Name                  *string   `json:"name"`
	Scopes                *[]string `json:"scopes"`
	AccessTokenTTL        *int64    `json:"access_token_ttl"`
	AccessTokenSigningAlg *string   `json:"access_token_signing_alg"`
	Opaque                *bool     `json:"opaque"`
	IntrospectionClientID *string   `json:"introspection_client_id"`
}

// apply sets the present fields on s.
func (in apiInput) apply(s *admin.APISpec) {
	if in.Identifier != nil {
		s.Identifier = *in.Identifier
	}
	if in.Name != nil {
		s.Name = *in.Name
	}
	if in.Scopes != nil {
		s.Scopes = *in.Scopes
	}
	if in.AccessTokenTTL != nil {
		s.AccessTTL = time.Duration(*in.AccessTokenTTL) * time.Second
	}
	if in.AccessTokenSigningAlg != nil {
		s.SigningAlg = *in.AccessTokenSigningAlg
	}
	if in.Opaque != nil {
		s.Opaque = *in.Opaque
	}
	if in.IntrospectionClientID != nil {
		s.IntrospectionClientID = *in.IntrospectionClientID
	}
}

func (h *Handler) createAPI(w http.ResponseWriter, r *http.Request) {
	var in apiInput
	if !decode(w, r, &in) {
		return
	}
	spec := admin.APISpec{ID: in.ID}
	in.apply(&spec)
	a, err := h.Service.CreateAPI(r.Context(), principal(r), tenantID(r), spec)
	h.respond(w, r, http.StatusCreated, viewAPI(a), err)
}

func (h *Handler) listAPIs(w http.ResponseWriter, r *http.Request) {
	l, err := h.Service.ListAPIs(r.Context(), principal(r), tenantID(r))
	items := make([]apiView, 0, len(l))
	for _, a := range l {
		items = append(items, viewAPI(a))
	}
	h.respond(w, r, http.StatusOK, map[string][]apiView{"items": items}, err)
}

func (h *Handler) getAPI(w http.ResponseWriter, r *http.Request) {
	a, err := h.Service.GetAPI(r.Context(), principal(r), tenantID(r), chi.URLParam(r, "apiId"))
	h.respond(w, r, http.StatusOK, viewAPI(a), err)
}

func (h *Handler) updateAPI(w http.ResponseWriter, r *http.Request) {
	var in apiInput
	if !decode(w, r, &in) {
		return
	}
	a, err := h.Service.UpdateAPI(r.Context(), principal(r), tenantID(r), chi.URLParam(r, "apiId"), func(s *admin.APISpec) {
		in.apply(s)
		if in.ID != "" {
			s.ID = in.ID
		}
	})
	h.respond(w, r, http.StatusOK, viewAPI(a), err)
}

// apiDeleted answers a deletion: the clients whose allowed_resources
// named the API, which no longer do.
type apiDeleted struct {
	ID                 string   `json:"id"`
	RemovedFromClients []string `json:"removed_from_clients"`
}

func (h *Handler) deleteAPI(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "apiId")
	clients, err := h.Service.DeleteAPI(r.Context(), principal(r), tenantID(r), id)
	h.respond(w, r, http.StatusOK, apiDeleted{ID: id, RemovedFromClients: orEmpty(clients)}, err)
}

// --- users

type userInput struct {
	Email         string `json:"email"`
	Password      string `json:"password"`
	GivenName     string `json:"given_name"`
	FamilyName    string `json:"family_name"`
	EmailVerified bool   `json:"email_verified"`
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request) {
	var in userInput
	if !decode(w, r, &in) {
		return
	}
	u, err := h.Service.CreateUser(r.Context(), principal(r), tenantID(r), admin.NewUser{
		Email: in.Email, Password: in.Password, GivenName: in.GivenName, FamilyName: in.FamilyName, EmailVerified: in.EmailVerified})
	h.respond(w, r, http.StatusCreated, viewUser(u), err)
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request) {
	q := query{r: r}
	f := storage.UserFilter{TenantID: tenantID(r), Email: q.str("email"), Disabled: q.boolp("disabled")}
	pg := q.page()
	l, err := h.Service.ListUsers(r.Context(), principal(r), f, pg)
	h.respond(w, r, http.StatusOK, listView(l, viewUser), err)
}

func userID(r *http.Request) string { return chi.URLParam(r, "userId") }

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request) {
	u, err := h.Service.GetUser(r.Context(), principal(r), tenantID(r), userID(r))
	h.respond(w, r, http.StatusOK, viewUser(u), err)
}

func (h *Handler) setDisabled(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := h.Service.SetUserDisabled(r.Context(), principal(r), tenantID(r), userID(r), disabled)
		h.respond(w, r, http.StatusOK, viewUser(u), err)
	}
}

func (h *Handler) unlockUser(w http.ResponseWriter, r *http.Request) {
	err := h.Service.UnlockUser(r.Context(), principal(r), tenantID(r), userID(r))
	h.respond(w, r, http.StatusNoContent, nil, err)
}

func (h *Handler) resetMFA(w http.ResponseWriter, r *http.Request) {
	res, err := h.Service.ResetMFA(r.Context(), principal(r), tenantID(r), userID(r))
	h.respond(w, r, http.StatusOK, map[string]any{"totp_removed": res.TOTPRemoved, "passkeys_removed": res.PasskeysRemoved}, err)
}

func (h *Handler) revokeSessions(w http.ResponseWriter, r *http.Request) {
	n, err := h.Service.RevokeSessions(r.Context(), principal(r), tenantID(r), userID(r))
	h.respond(w, r, http.StatusOK, map[string]any{"sessions_revoked": true, "token_families_revoked": n}, err)
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request) {
	err := h.Service.DeleteUser(r.Context(), principal(r), tenantID(r), userID(r))
	h.respond(w, r, http.StatusNoContent, nil, err)
}

// --- grants

type grantInput struct {
	UserID    string     `json:"user_id"`
	Role      string     `json:"role"`
	VenueID   string     `json:"venue_id"`
	ExpiresAt *time.Time `json:"expires_at"`
}

func (in grantInput) input() admin.GrantInput {
	g := admin.GrantInput{User: in.UserID, Role: in.Role, VenueID: in.VenueID}
	if in.ExpiresAt != nil {
		g.ExpiresAt = *in.ExpiresAt
	}
	return g
}

func (h *Handler) listGrants(w http.ResponseWriter, r *http.Request) {
	q := query{r: r}
	gq := admin.GrantQuery{User: q.str("user_id"), Role: q.str("role"), VenueID: q.str("venue_id")}
	if b := q.boolp("in_force"); b != nil {
		gq.InForce = *b
	}
	pg := q.page()
	l, err := h.Service.ListGrants(r.Context(), principal(r), tenantID(r), gq, pg)
	h.respond(w, r, http.StatusOK, listView(l, h.grantView()), err)
}

func (h *Handler) createGrant(w http.ResponseWriter, r *http.Request) {
	var in grantInput
	if !decode(w, r, &in) {
		return
	}
	g, err := h.Service.CreateGrant(r.Context(), principal(r), tenantID(r), in.input())
	h.respond(w, r, http.StatusCreated, h.grantView()(g), err)
}

type revokeInput struct {
	UserID  string `json:"user_id"`
	Role    string `json:"role"`
	VenueID string `json:"venue_id"`
}

func (h *Handler) revokeGrants(w http.ResponseWriter, r *http.Request) {
	var in revokeInput
	if !decode(w, r, &in) {
		return
	}
	gs, err := h.Service.RevokeGrants(r.Context(), principal(r), tenantID(r), admin.GrantQuery{User: in.UserID, Role: in.Role, VenueID: in.VenueID})
	h.respond(w, r, http.StatusOK, listView(admin.List[storage.RoleGrant]{Items: gs}, h.grantView()), err)
}

func venueID(r *http.Request) string { return chi.URLParam(r, "venueId") }

func (h *Handler) listVenueRoles(w http.ResponseWriter, r *http.Request) {
	q := query{r: r}
	pg := q.page()
	l, err := h.Service.ListVenueRoles(r.Context(), principal(r), tenantID(r), venueID(r), pg)
	h.respond(w, r, http.StatusOK, listView(l, h.grantView()), err)
}

type venueRoleInput struct {
	UserID    string     `json:"user_id"`
	Role      string     `json:"role"`
	ExpiresAt *time.Time `json:"expires_at"`
}

func (h *Handler) grantVenueRole(w http.ResponseWriter, r *http.Request) {
	var in venueRoleInput
	if !decode(w, r, &in) {
		return
	}
	var exp time.Time
	if in.ExpiresAt != nil {
		exp = *in.ExpiresAt
	}
	g, err := h.Service.GrantVenueRole(r.Context(), principal(r), tenantID(r), venueID(r), in.UserID, in.Role, exp)
	h.respond(w, r, http.StatusCreated, h.grantView()(g), err)
}

func (h *Handler) revokeVenueRoles(w http.ResponseWriter, r *http.Request) {
	gs, err := h.Service.RevokeVenueRoles(r.Context(), principal(r), tenantID(r), venueID(r), userID(r))
	h.respond(w, r, http.StatusOK, listView(admin.List[storage.RoleGrant]{Items: gs}, h.grantView()), err)
}

// --- audit

func (h *Handler) listAudit(w http.ResponseWriter, r *http.Request) {
	q := query{r: r}
	aq := admin.AuditQuery{UserID: q.str("user_id"), ActorID: q.str("actor_id"), Event: q.str("event"), Since: q.time("since"), Until: q.time("until")}
	pg := q.page()
	l, err := h.Service.ListAudit(r.Context(), principal(r), tenantID(r), aq, pg)
	h.respond(w, r, http.StatusOK, listView(l, admin.RecordOf), err)
}

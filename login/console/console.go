package console

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-chi/chi/v5"
	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/keys/signed"
	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
	views "github.com/admit-idp/admit/templates/console"
)

// Path is where the console is mounted.
const Path = "/console"

// ClientID is the console's client at its own issuer, in the default
// tenant; other tenants' administrators sign in through their tenant's
// console client (ClientIDFor).
const ClientID = "admit-console"

// ClientIDFor is the console client of a tenant: a client signs in only
// users of its own tenant.
func ClientIDFor(tenantID string) string {
	if tenantID == "" || tenantID == storage.DefaultTenantID {
		return ClientID
	}
	return ClientID + "." + tenantID
}

// CallbackPath is the console's redirect URI path.
const CallbackPath = Path + "/callback"

// Timeouts of the console session.
const (
	DefaultIdleTimeout = 15 * time.Minute
	DefaultMaxAge      = 8 * time.Hour
	authStateTTL       = 10 * time.Minute
)

const (
	sessionCookie = "admit_console"
	stateCookie   = "admit_console_auth"
	// tenantCookie remembers which tenant's console the browser signs in
	// to (not a secret: a tenant ID or slug), so an expired session comes
	// back to the right sign-in.
	tenantCookie    = "admit_console_tenant"
	tenantCookieAge = 30 * 24 * time.Hour
)

// Admin is what the console needs of the administration service
// (*admin.Console).
type Admin interface {
	UserPrincipal(ctx context.Context, tenantID, userID string) (admin.Principal, error)
	Refused(ctx context.Context, p admin.Principal, operation, reason string)
	Dashboard(ctx context.Context, p admin.Principal, tenantID string) (admin.Dashboard, error)
	SearchUsers(ctx context.Context, p admin.Principal, q admin.UserQuery, pg admin.Page) (admin.List[storage.User], error)
	UserDetail(ctx context.Context, p admin.Principal, tenantID, userID string) (admin.UserDetail, error)
	UnlockUser(ctx context.Context, p admin.Principal, tenantID, userID string) error
	SetUserDisabled(ctx context.Context, p admin.Principal, tenantID, userID string, disabled bool) (storage.User, error)
	ResetMFA(ctx context.Context, p admin.Principal, tenantID, userID string) (admin.MFAReset, error)
	RevokeSessions(ctx context.Context, p admin.Principal, tenantID, userID string) (int, error)
	ResendVerification(ctx context.Context, p admin.Principal, tenantID, userID string) error
	SendPasswordReset(ctx context.Context, p admin.Principal, tenantID, userID string) error
	EditProfile(ctx context.Context, p admin.Principal, tenantID, userID string, e admin.ProfileEdit) (storage.User, error)
	DeleteUser(ctx context.Context, p admin.Principal, tenantID, userID string) error
	ListClients(ctx context.Context, p admin.Principal, f storage.ClientFilter, pg admin.Page) (admin.List[storage.Client], error)
	GetClient(ctx context.Context, p admin.Principal, tenantID, clientID string) (storage.Client, error)
	CreateClient(ctx context.Context, p admin.Principal, tenantID string, spec admin.ClientSpec) (storage.Client, string, error)
	UpdateClient(ctx context.Context, p admin.Principal, tenantID, clientID string, change func(*admin.ClientSpec)) (storage.Client, error)
	RotateClientSecret(ctx context.Context, p admin.Principal, tenantID, clientID string) (string, error)
	DeleteClient(ctx context.Context, p admin.Principal, tenantID, clientID string) error
	ListKeys(ctx context.Context, p admin.Principal) ([]admin.Key, error)
	RotateKeys(ctx context.Context, p admin.Principal) ([]admin.Key, error)
	ListAudit(ctx context.Context, p admin.Principal, tenantID string, q admin.AuditQuery, pg admin.Page) (admin.List[storage.AuditEvent], error)
	ListTenants(ctx context.Context, p admin.Principal, f storage.TenantFilter, pg admin.Page) (admin.List[storage.Tenant], error)
	CreateTenant(ctx context.Context, p admin.Principal, in admin.TenantInput) (storage.Tenant, error)
	GetTenant(ctx context.Context, p admin.Principal, id string) (storage.Tenant, error)
	SetTenantStatus(ctx context.Context, p admin.Principal, id, status string) (storage.Tenant, error)
	ListVenueRoles(ctx context.Context, p admin.Principal, tenantID, venueID string, pg admin.Page) (admin.List[storage.RoleGrant], error)
	GrantVenueRole(ctx context.Context, p admin.Principal, tenantID, venueID, user, role string, expiresAt time.Time) (storage.RoleGrant, error)
	RevokeVenueRoles(ctx context.Context, p admin.Principal, tenantID, venueID, user string) ([]storage.RoleGrant, error)
}

// Handler serves the console. Build it with a struct literal; Admin,
// Issuer, Cookies, Signer and Now are required.
type Handler struct {
	Admin  Admin
	Issuer string
	// Cookies are the login's (Secure on https) and its CSRF token.
	Cookies login.Cookies
	// Signer signs the console session and the sign-in state (one purpose).
	Signer *signed.Signer
	// VenueRoles are the catalogue's venue roles (the grant form's choices).
	VenueRoles []string
	// Users names the signed-in user (the ID token need not carry the
	// e-mail).
	Users interface {
		GetTenantUser(ctx context.Context, tenantID, userID string) (storage.User, error)
	}
	// Client makes sure the console client of the tenant (an ID or slug,
	// "" for the default tenant) is registered and returns its ID;
	// admin.ErrNotFound for an unknown tenant.
	Client func(ctx context.Context, tenant string) (string, error)
	// HTTPClient reaches the issuer's token and keys endpoints (default
	// http.DefaultClient).
	HTTPClient *http.Client
	// SingleFactor lets a sign-in without a second factor in (never in
	// production: it exists for tests of the refusal).
	SingleFactor bool
	IdleTimeout  time.Duration
	MaxAge       time.Duration
	Now          func() time.Time
	Logger       *slog.Logger

	verifierOnce sync.Once
	verifier     *oidc.IDTokenVerifier
}

// Routes returns the console's router (mount at Path).
func (h *Handler) Routes() http.Handler {
	r := chi.NewRouter()
	r.Use(noStore)
	r.Get("/login", h.login)
	r.Get("/callback", h.callback)
	r.Get("/signed-out", h.signedOut)
	r.Group(func(r chi.Router) {
		r.Use(h.session)
		r.Post("/logout", h.logout)
		r.Get("/", h.dashboard)
		h.userRoutes(r)
		h.clientRoutes(r)
		r.Get("/keys", h.keys)
		r.Get("/keys/rotate", h.confirmRotateKeys)
		r.Post("/keys/rotate", h.rotateKeys)
		r.Get("/audit", h.audit)
		r.Get("/audit/export", h.auditExport)
		h.tenantRoutes(r)
	})
	return r
}

func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

func (h *Handler) idle() time.Duration {
	if h.IdleTimeout > 0 {
		return h.IdleTimeout
	}
	return DefaultIdleTimeout
}

func (h *Handler) maxAge() time.Duration {
	if h.MaxAge > 0 {
		return h.MaxAge
	}
	return DefaultMaxAge
}

func (h *Handler) log() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

func (h *Handler) httpClient() *http.Client {
	if h.HTTPClient != nil {
		return h.HTTPClient
	}
	return http.DefaultClient
}

// oauth is the configuration of a console client at its issuer.
func (h *Handler) oauth(clientID string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:    clientID,
		RedirectURL: h.Issuer + CallbackPath,
		Scopes:      []string{oidc.ScopeOpenID, "email"},
		Endpoint: oauth2.Endpoint{AuthURL: h.Issuer + "/authorize", TokenURL: h.Issuer + "/oauth/token",
			AuthStyle: oauth2.AuthStyleInParams},
	}
}

func (h *Handler) idTokenVerifier() *oidc.IDTokenVerifier {
	h.verifierOnce.Do(func() {
		ctx := oidc.ClientContext(context.Background(), h.httpClient())
		keys := oidc.NewRemoteKeySet(ctx, h.Issuer+"/keys")
		// The audience is checked against the client the sign-in used
		// (callback), one of the tenants' console clients.
		h.verifier = oidc.NewVerifier(h.Issuer, keys, &oidc.Config{SkipClientIDCheck: true, Now: h.Now})
	})
	return h.verifier
}

// authState is what the sign-in keeps between /login and /callback.
type authState struct {
	ClientID string `json:"c"`
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
}

func random() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// login starts the authorization code flow with PKCE at the issuer.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	t := r.URL.Query().Get("tenant")
	if !r.URL.Query().Has("tenant") {
		t = h.Cookies.Get(r, tenantCookie)
	}
	clientID, err := h.Client(r.Context(), t)
	if errors.Is(err, admin.ErrNotFound) {
		h.Cookies.Clear(w, tenantCookie)
		h.message(w, r, http.StatusNotFound, "Unknown tenant", "There is no such tenant. Check the link you were given.", "", "", "unknown-tenant")
		return
	}
	if err != nil {
		h.unavailable(w, r, err)
		return
	}
	h.Cookies.Set(w, tenantCookie, t, tenantCookieAge)
	st := authState{ClientID: clientID, Verifier: oauth2.GenerateVerifier()}
	if st.State, err = random(); err == nil {
		st.Nonce, err = random()
	}
	if err != nil {
		h.unavailable(w, r, err)
		return
	}
	raw, _ := json.Marshal(st)
	// Lax, not Strict: the browser may come back from an upstream
	// identity provider (social sign-in) through a cross-site redirect.
	h.Cookies.Set(w, stateCookie, h.Signer.Sign(raw, authStateTTL), authStateTTL)
	u := h.oauth(st.ClientID).AuthCodeURL(st.State, oauth2.S256ChallengeOption(st.Verifier),
		oidc.Nonce(st.Nonce), oauth2.SetAuthURLParam("acr_values", login.ACRMultiFactor))
	http.Redirect(w, r, u, http.StatusSeeOther)
}

// idClaims are the ID token claims the console reads.
type idClaims struct {
	Email string   `json:"email"`
	AMR   []string `json:"amr"`
}

// callback finishes the sign-in (see doc.go).
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	var st authState
	raw, err := h.Signer.Verify(h.Cookies.Get(r, stateCookie))
	if err == nil {
		err = json.Unmarshal(raw, &st)
	}
	h.Cookies.Clear(w, stateCookie)
	q := r.URL.Query()
	if err != nil || st.State == "" || subtle.ConstantTimeCompare([]byte(st.State), []byte(q.Get("state"))) != 1 {
		h.message(w, r, http.StatusBadRequest, "Sign-in expired", "This sign-in link is no longer valid. Sign in again.", "/console/login", "Sign in", "signin-expired")
		return
	}
	if e := q.Get("error"); e != "" {
		h.message(w, r, http.StatusForbidden, "Sign-in not completed", "The sign-in did not complete ("+e+"). Sign in again.", "/console/login", "Sign in", "signin-error")
		return
	}
	ctx := oidc.ClientContext(r.Context(), h.httpClient())
	tok, err := h.oauth(st.ClientID).Exchange(ctx, q.Get("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		h.log().WarnContext(r.Context(), "console: code exchange failed", "error", err)
		h.message(w, r, http.StatusBadGateway, "Sign-in failed", "The sign-in could not be completed. Sign in again.", "/console/login", "Sign in", "signin-failed")
		return
	}
	rawID, _ := tok.Extra("id_token").(string)
	idt, err := h.idTokenVerifier().Verify(ctx, rawID)
	var claims idClaims
	if err == nil {
		err = idt.Claims(&claims)
	}
	if err == nil && (!slices.Contains(idt.Audience, st.ClientID) || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(st.Nonce)) != 1) {
		err = errors.New("audience or nonce mismatch")
	}
	if err != nil {
		h.log().WarnContext(r.Context(), "console: ID token refused", "error", err)
		h.message(w, r, http.StatusBadGateway, "Sign-in failed", "The sign-in could not be verified. Sign in again.", "/console/login", "Sign in", "signin-failed")
		return
	}
	// RFC 8176 §2: "mfa" is in amr when the login used two factors.
	if !h.SingleFactor && !slices.Contains(claims.AMR, "mfa") {
		h.message(w, r, http.StatusForbidden, "Second factor required",
			"The console needs a sign-in with a second factor. Set up an authenticator app on your account page, then sign in again.",
			"/account", "Open your account", "mfa-required")
		return
	}
	p, err := h.Admin.UserPrincipal(r.Context(), "", idt.Subject)
	if err != nil {
		h.fail(w, r, admin.Principal{}, "console sign-in", err)
		return
	}
	if !p.Console() {
		h.Admin.Refused(r.Context(), p, "console sign-in", "no console role")
		h.message(w, r, http.StatusForbidden, "No console access", "Your account has no role that uses the console.", "", "", "no-console-role")
		return
	}
	if u, err := h.Users.GetTenantUser(r.Context(), p.TenantID, p.UserID); err == nil && u.Email != "" {
		claims.Email = u.Email
	}
	now := h.Now()
	h.setSession(w, sessionState{UserID: p.UserID, TenantID: p.TenantID, Email: claims.Email, Until: now.Add(h.maxAge()).Unix()})
	http.Redirect(w, r, Path+"/", http.StatusSeeOther)
}

// sessionState is the console session's signed payload.
type sessionState struct {
	UserID   string `json:"u"`
	TenantID string `json:"t"`
	Email    string `json:"e"`
	// Until is the absolute end (Unix seconds); the signature's expiry is
	// the idle timeout.
	Until int64 `json:"x"`
}

func (h *Handler) setSession(w http.ResponseWriter, s sessionState) {
	raw, _ := json.Marshal(s)
	idle := h.idle()
	if left := time.Unix(s.Until, 0).Sub(h.Now()); left < idle {
		idle = left
	}
	http.SetCookie(w, &http.Cookie{Name: h.cookieName(), Value: h.Signer.Sign(raw, idle), Path: "/", MaxAge: int(idle.Seconds()),
		HttpOnly: true, Secure: h.Cookies.Secure, SameSite: http.SameSiteStrictMode})
}

func (h *Handler) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: h.cookieName(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: h.Cookies.Secure, SameSite: http.SameSiteStrictMode})
}

// cookieName carries the __Host- prefix on https, as login.Cookies does.
func (h *Handler) cookieName() string {
	if h.Cookies.Secure {
		return "__Host-" + sessionCookie
	}
	return sessionCookie
}

type viewerKey struct{}

// viewer is the signed-in console user.
type viewer struct {
	P     admin.Principal
	Email string
	CSRF  string
}

func from(r *http.Request) viewer { v, _ := r.Context().Value(viewerKey{}).(viewer); return v }

// session admits requests of a live console session and slides its idle
// timeout; others go to the sign-in (a GET) or get 401 (a POST).
func (h *Handler) session(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var s sessionState
		ck, err := r.Cookie(h.cookieName())
		if err == nil {
			var raw []byte
			if raw, err = h.Signer.Verify(ck.Value); err == nil {
				err = json.Unmarshal(raw, &s)
			}
		}
		if err == nil && (s.UserID == "" || !h.Now().Before(time.Unix(s.Until, 0))) {
			err = errors.New("console session ended")
		}
		if err != nil {
			h.clearSession(w)
			if r.Method == http.MethodGet {
				http.Redirect(w, r, Path+"/login", http.StatusSeeOther)
				return
			}
			h.message(w, r, http.StatusUnauthorized, "Signed out", "Your console session ended. Sign in again.", "/console/login", "Sign in", "session-ended")
			return
		}
		p, err := h.Admin.UserPrincipal(r.Context(), s.TenantID, s.UserID)
		if errors.Is(err, admin.ErrUnauthenticated) || errors.Is(err, admin.ErrForbidden) {
			h.clearSession(w)
			h.message(w, r, http.StatusUnauthorized, "Signed out", "Your account can no longer use the console.", "", "", "session-ended")
			return
		}
		if err != nil {
			h.unavailable(w, r, err)
			return
		}
		if !p.Console() {
			h.clearSession(w)
			h.Admin.Refused(r.Context(), p, r.Method+" "+r.URL.Path, "no console role")
			h.message(w, r, http.StatusForbidden, "No console access", "Your account has no role that uses the console.", "", "", "no-console-role")
			return
		}
		if r.Method == http.MethodPost && !h.Cookies.CheckCSRF(r) {
			h.message(w, r, http.StatusForbidden, "Form expired", "This form has expired. Go back, reload the page and try again.", "", "", "csrf")
			return
		}
		csrf, err := h.Cookies.CSRFToken(w, r)
		if err != nil {
			h.unavailable(w, r, err)
			return
		}
		h.setSession(w, s) // slide the idle timeout
		ctx := context.WithValue(r.Context(), viewerKey{}, viewer{P: p, Email: s.Email, CSRF: csrf})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	h.clearSession(w)
	http.Redirect(w, r, Path+"/signed-out", http.StatusSeeOther)
}

func (h *Handler) signedOut(w http.ResponseWriter, r *http.Request) {
	h.message(w, r, http.StatusOK, "Signed out", "You are signed out of the console.", "/console/login", "Sign in again", "signed-out")
}

// shell is the frame of a page for the viewer.
func (h *Handler) shell(r *http.Request, title, section string) views.Shell {
	v := from(r)
	email := v.Email
	if email == "" {
		email = v.P.UserID
	}
	return views.Shell{Title: title, Section: section, Email: email, Role: roleName(v.P), CSRFToken: v.CSRF,
		Users: v.P.May(admin.ActReadUsers), Clients: v.P.May(admin.ActManageClients), Keys: v.P.May(admin.ActManageKeys), Tenants: v.P.May(admin.ActManageTenants), Venues: v.P.May(admin.ActManageVenueRoles),
		Audit: v.P.May(admin.ActReadAudit)}
}

// roleName names the viewer's console role.
func roleName(p admin.Principal) string {
	switch {
	case p.Platform():
		return "platform administrator"
	case p.Admin:
		return "tenant administrator"
	case p.Support():
		return "support agent"
	case p.May(admin.ActManageVenueRoles):
		return "venue administrator"
	}
	return ""
}

// tenant is the tenant a page works in: the viewer's own, or the one a
// platform administrator asks for (?tenant=).
func tenant(r *http.Request) string {
	v := from(r)
	if t := r.URL.Query().Get("tenant"); t != "" && v.P.Platform() {
		return t
	}
	return v.P.TenantID
}

// confirmed reports whether a destructive POST carries the confirmation
// page's confirm=yes; if not, it sends the browser to that page (a GET:
// nothing changes without it) and the handler stops.
func confirmed(w http.ResponseWriter, r *http.Request, confirmPage string) bool {
	if r.PostFormValue("confirm") == "yes" {
		return true
	}
	http.Redirect(w, r, confirmPage, http.StatusSeeOther)
	return false
}

// withTenant adds ?tenant= to a console URL when the page works in
// another tenant than the viewer's.
func withTenant(r *http.Request, path string, q url.Values) string {
	if q == nil {
		q = url.Values{}
	}
	if t := tenant(r); t != from(r).P.TenantID {
		q.Set("tenant", t)
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

func (h *Handler) message(w http.ResponseWriter, r *http.Request, status int, title, msg, href, label, testID string) {
	s := views.Shell{Title: title}
	if v := from(r); v.P.UserID != "" && v.P.Console() {
		s = h.shell(r, title, "")
	}
	login.Render(w, r, status, views.MessagePage(views.MessageView{Shell: s, Message: msg, LinkHref: href, LinkLabel: label, TestID: testID}))
}

func (h *Handler) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	if !errors.Is(err, context.Canceled) {
		h.log().ErrorContext(r.Context(), "console: backend failure", "error", err)
	}
	w.Header().Set("Retry-After", "5")
	h.message(w, r, http.StatusServiceUnavailable, "Temporarily unavailable",
		"A service is unavailable. Nothing was changed: wait a moment and try again.", "", "", "unavailable")
}

// fail answers a service error: 403 (audited), 404, 409, 400, or 503.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, p admin.Principal, operation string, err error) {
	var ve *admin.ValidationError
	switch {
	case errors.Is(err, admin.ErrForbidden):
		if p.Kind != "" {
			h.Admin.Refused(r.Context(), p, operation, err.Error())
		}
		h.message(w, r, http.StatusForbidden, "Not allowed", "Your role does not allow this.", "/console/", "Back to the dashboard", "forbidden")
	case errors.Is(err, admin.ErrNotFound):
		h.message(w, r, http.StatusNotFound, "Not found", "There is no such record here.", "/console/", "Back to the dashboard", "not-found")
	case errors.Is(err, admin.ErrUnauthenticated):
		h.message(w, r, http.StatusForbidden, "No console access", "Your account cannot use the console.", "", "", "no-console-role")
	case errors.Is(err, admin.ErrConflict):
		h.message(w, r, http.StatusConflict, "Not done", conflictText(err), "", "", "conflict")
	case errors.Is(err, admin.ErrUnsupported):
		h.message(w, r, http.StatusConflict, "Not available", "This instance cannot do this (it runs without e-mail or defences).", "", "", "unsupported")
	case errors.As(err, &ve):
		h.message(w, r, http.StatusBadRequest, "Check the input", ve.Error(), "", "", "invalid")
	default:
		h.unavailable(w, r, err)
	}
}

// conflictText is the service's explanation without the sentinel suffix.
func conflictText(err error) string {
	msg := err.Error()
	if i := len(msg) - len(": "+admin.ErrConflict.Error()); i > 0 && msg[i:] == ": "+admin.ErrConflict.Error() {
		msg = msg[:i]
	}
	return msg + "."
}

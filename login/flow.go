package login

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"

	"github.com/admit-idp/admit/templates/i18n"
)

// Authentication context class references Admit issues (see doc.go).
const (
	ACRSingleFactor = "urn:admit:acr:sfa"
	ACRMultiFactor  = "urn:admit:acr:mfa"
)

// MaxFailures ends a login flow after this many failed attempts.
const MaxFailures = 5

// Authentication is the outcome of a completed login.
type Authentication struct {
	UserID   string
	AuthTime time.Time
	AMR      []string
	ACR      string
	// MFAAt is when a second factor was proved in this login (zero: none).
	MFAAt time.Time
}

// Flow is a login in progress with its authorization request and client.
// A local flow (Admit's own pages, such as the account area) has neither: it
// ends with a redirect to the page that started it.
type Flow struct {
	storage.LoginFlow
	Request storage.AuthRequest
	Client  storage.Client
	// User is the user a method loaded while verifying the first factor
	// (it is not stored): the engine's checks use it instead of loading
	// the user again. Zero when the method did not set it.
	User storage.User
}

// Local reports whether the flow signs in to Admit's own pages.
func (f *Flow) Local() bool { return f.AuthRequestID == "" }

// MayCreateAccounts reports whether a sign-up in this flow may create an
// account: always for a client's flow (the deployment and the client
// decide), but on Admit's own pages only in the default tenant. Another
// tenant opens sign-up through its own clients, and can close it there;
// /account?tenant=<slug> must not be a way around that.
func (f *Flow) MayCreateAccounts() bool {
	return !f.Local() || f.TenantID == storage.DefaultTenantID
}

// dataReturnTo is where a local flow ends.
const dataReturnTo = "engine.return_to"

// Method is a login method (password, passkey, wallet, ...). Each mounts its
// own handlers and may add an entry to the login page; it reports success
// through Engine.Succeed.
type Method interface {
	// Mount adds the method's routes to r (the /login router).
	Mount(r chi.Router)
	// Option renders the method's entry on the login page; nil for none.
	Option(f *Flow, csrfToken string) templ.Component
}

// ErrorRedirector sends a protocol error back to the client's redirect URI
// (login_required, consent_required, access_denied).
type ErrorRedirector interface {
	RedirectError(w http.ResponseWriter, r *http.Request, req storage.AuthRequest, err *oidc.Error)
}

// ClientReader reads clients (storage.Clients' GetClient): ErrNotFound if
// there is none.
type ClientReader interface {
	GetClient(ctx context.Context, id string) (storage.Client, error)
}

// Engine runs login flows: it starts them from op's redirect, hands them to
// methods, applies the policy and finishes the authorization request.
type Engine struct {
	Flows        storage.LoginFlows
	AuthRequests storage.AuthRequests
	// Clients reads the flow's client on every step: production passes
	// op's node row cache (op.Storage.CachedClients).
	Clients ClientReader
	Users   storage.Users
	// Tenants resolves ?tenant=<slug> for local sign-ins; nil: the
	// default tenant only.
	Tenants  TenantResolver
	Consents storage.Consents
	Sessions *Sessions
	Cookies  Cookies
	// Respond sends the authorization response (the code, by redirect or
	// form_post) for a completed request to its client. It runs in the
	// browser's own request: nobody else can fetch a code by request ID.
	Respond func(w http.ResponseWriter, r *http.Request, authRequestID string)
	Errors  ErrorRedirector
	Methods []Method
	// Gate, when set, may refuse a user for the flow's client (a client
	// that requires a confirmed e-mail); it returns the message to show, or
	// "". Login methods apply it to fresh logins, the engine to SSO
	// sessions (gate.go).
	Gate func(f *Flow, u storage.User) string
	// SecondFactors are asked for after the first factor when the MFA
	// policy requires it (see mfa.go).
	SecondFactors []SecondFactor
	// LoginSucceeded/LoginFailed, when set, observe outcomes (metrics, audit).
	LoginSucceeded func(r *http.Request, method string)
	LoginFailed    func(r *http.Request, method, reason string)
	// Defences (lockout, rate limits, CAPTCHA; login/defence) and Audit
	// (storage/audit) are optional; see defences.go.
	Defences Defences
	Audit    Auditor
	Devices  DeviceTrust
	Now      func() time.Time
	Logger   *slog.Logger
	// Brands resolves the brand of each page and its default language
	// (nil: Admit's look, no tenant default).
	Brands *Branding
	// Outages logs backend outages without a line per failed request
	// (nil: each failure is logged, cancelled requests still at DEBUG).
	Outages *OutageLog
}

// Routes returns the /login router: the start page, consent, and every
// method's routes.
func (e *Engine) Routes() chi.Router {
	r := chi.NewRouter()
	r.Get("/", e.start)
	r.Get("/consent", e.consentPage)
	r.Post("/consent", e.consentSubmit)
	r.Post("/consent/not-you", e.notYou)
	for _, m := range e.Methods {
		m.Mount(r)
	}
	return r
}

// StartPath is where op sends the browser to sign in (/login?id=<auth
// request>); it is mounted at the root of Routes.
const StartPath = "/login"

// start is where op sends the browser (/login?id=<auth request>).
func (e *Engine) start(w http.ResponseWriter, r *http.Request) {
	req, client, ok := e.loadRequest(w, r, r.URL.Query().Get("id"))
	if !ok {
		return
	}
	sess, found, err := e.Sessions.Current(r)
	if err != nil {
		e.Unavailable(w, r, err)
		return
	}
	if found && e.sessionSatisfies(req, sess) {
		e.continueWithSession(w, r, req, client, sess)
		return
	}
	if slices.Contains(req.Prompt, oidc.PromptNone) {
		e.Errors.RedirectError(w, r, req, oidc.ErrLoginRequired())
		return
	}
	e.beginFlow(w, r, req, client)
}

func (e *Engine) loadRequest(w http.ResponseWriter, r *http.Request, id string) (storage.AuthRequest, storage.Client, bool) {
	req, err := e.AuthRequests.GetAuthRequest(r.Context(), id)
	if err != nil {
		e.requestGone(w, r, err)
		return storage.AuthRequest{}, storage.Client{}, false
	}
	client, err := e.Clients.GetClient(r.Context(), req.ClientID)
	if err != nil {
		e.requestGone(w, r, err)
		return storage.AuthRequest{}, storage.Client{}, false
	}
	return req, client, true
}

// requestGone answers a flow or request that is no longer stored (expired,
// or lost with the ephemeral store): a way to start the same sign-in again
// when this browser showed its login page (restart.go), the plain advice
// otherwise.
// RequestGone answers a sign-in whose flow or authorization request is
// gone: the retry page for an outage, otherwise a page that starts the same
// sign-in again when the browser remembers it (restart cookie).
func (e *Engine) RequestGone(w http.ResponseWriter, r *http.Request, err error) {
	e.requestGone(w, r, err)
}

func (e *Engine) requestGone(w http.ResponseWriter, r *http.Request, err error) {
	if !errors.Is(err, storage.ErrNotFound) {
		e.Unavailable(w, r, err)
		return
	}
	const title = "error.link_expired.title"
	if again := e.restartURL(r); again != "" {
		v := templates.ErrorView{Status: http.StatusBadRequest, Title: title, RequestID: RequestID(r.Context()),
			Message:       i18n.T(r.Context(), "error.link_expired.restart", "Client", e.restartName(r, again)),
			StartAgainURL: again}
		render(w, r, http.StatusBadRequest, templates.ErrorPage(v))
		return
	}
	e.ErrorPage(w, r, http.StatusBadRequest, title, "error.start_over")
}

// restartName names the application the restart URL signs in to.
func (e *Engine) restartName(r *http.Request, again string) string {
	u, _ := url.Parse(again)
	if u == nil || u.Path != authorizePath {
		return i18n.T(r.Context(), "login.your_account")
	}
	c, err := e.Clients.GetClient(r.Context(), u.Query().Get("client_id"))
	if err != nil {
		return i18n.T(r.Context(), "login.the_application")
	}
	return clientName(c)
}

// sessionSatisfies: an SSO session may answer the request unless the client
// forces re-authentication (prompt=login sets max_age 0) or its max_age has
// passed, or an id_token_hint names another user.
func (e *Engine) sessionSatisfies(req storage.AuthRequest, s storage.Session) bool {
	if slices.Contains(req.Prompt, oidc.PromptLogin) {
		return false
	}
	if req.MaxAge >= 0 && e.Now().Sub(s.AuthTime) > time.Duration(req.MaxAge)*time.Second {
		return false
	}
	return req.HintSubject == "" || req.HintSubject == s.UserID
}

func (e *Engine) continueWithSession(w http.ResponseWriter, r *http.Request, req storage.AuthRequest, client storage.Client, s storage.Session) {
	f, err := e.newFlow(r.Context(), req, client.TenantID)
	if err != nil {
		e.Unavailable(w, r, err)
		return
	}
	f.Client = client
	if e.sessionGated(w, r, f, s) {
		return
	}
	need, err := e.sessionNeedsSecondFactor(r.Context(), f, s)
	if err != nil {
		e.Unavailable(w, r, err)
		return
	}
	if need && e.stepUp(w, r, f, s) {
		return
	}
	auth := Authentication{UserID: s.UserID, AuthTime: s.AuthTime, AMR: s.AMR, ACR: s.ACR, MFAAt: s.MFAAt}
	e.authenticated(w, r, f, auth, s.ID)
}

func (e *Engine) beginFlow(w http.ResponseWriter, r *http.Request, req storage.AuthRequest, client storage.Client) {
	f, err := e.newFlow(r.Context(), req, client.TenantID)
	if err != nil {
		e.Unavailable(w, r, err)
		return
	}
	f.Client = client
	if err := e.Flows.PutLoginFlow(r.Context(), f.LoginFlow); err != nil {
		e.Unavailable(w, r, err)
		return
	}
	e.rememberRestart(w, r, f, "")
	e.RenderLogin(w, r, f, http.StatusOK, req.LoginHint, "")
}

// StartLocal begins a sign-in to one of Admit's own pages and shows the
// login page; the flow ends at returnTo, which must be a local path.
func (e *Engine) StartLocal(w http.ResponseWriter, r *http.Request, returnTo string) {
	if !strings.HasPrefix(returnTo, "/") || strings.HasPrefix(returnTo, "//") {
		returnTo = "/account"
	}
	tenantID, ok := e.localTenant(w, r)
	if !ok {
		return
	}
	now := e.Now()
	f, err := e.newFlow(r.Context(), storage.AuthRequest{ExpiresAt: now.Add(localFlowLifetime)}, tenantID)
	if err != nil {
		e.Unavailable(w, r, err)
		return
	}
	f.Data[dataReturnTo] = returnTo
	if err := e.Flows.PutLoginFlow(r.Context(), f.LoginFlow); err != nil {
		e.Unavailable(w, r, err)
		return
	}
	e.rememberRestart(w, r, f, returnTo)
	e.RenderLogin(w, r, f, http.StatusOK, "", "")
}

// localFlowLifetime bounds a sign-in to Admit's own pages.
const localFlowLifetime = 30 * time.Minute

func (e *Engine) newFlow(_ context.Context, req storage.AuthRequest, tenantID string) (*Flow, error) {
	id, err := randomID()
	if err != nil {
		return nil, err
	}
	now := e.Now()
	lf := storage.LoginFlow{ID: id, AuthRequestID: req.ID, TenantID: cmp.Or(tenantID, storage.DefaultTenantID),
		Data: map[string]string{}, CreatedAt: now, ExpiresAt: req.ExpiresAt}
	if len(req.UILocales) > 0 {
		lf.Data[dataUILocales] = strings.Join(req.UILocales, " ")
	}
	return &Flow{LoginFlow: lf, Request: req}, nil
}

// RenderLogin shows the login page for the flow, keeping what the user typed
// (never the password) and an optional error.
func (e *Engine) RenderLogin(w http.ResponseWriter, r *http.Request, f *Flow, status int, email, errMsg string) {
	e.renderLoginCaptcha(w, r, f, status, email, errMsg, Captcha{})
}

// renderLogin renders the page, with the CAPTCHA widget c when shown.
func (e *Engine) renderLogin(w http.ResponseWriter, r *http.Request, f *Flow, status int, email, errMsg string, c Captcha) {
	csrf, err := e.Cookies.CSRFToken(w, r)
	if err != nil {
		e.Unavailable(w, r, err)
		return
	}
	v := templates.LoginView{
		FlowID: f.ID, CSRFToken: csrf, ClientName: cmp.Or(f.Data[dataLocalFor], clientName(f.Client)), Email: email, Error: errMsg,
	}
	allowFormTarget(w, f.Request.RedirectURI)
	v.Captcha = captchaComponent(w, c)
	for _, m := range e.Methods {
		if c := m.Option(f, csrf); c != nil {
			v.Methods = append(v.Methods, c)
		}
	}
	render(w, r, status, templates.LoginPage(v))
}

// clientName is the name a page shows for the client; "" for Admit's own
// pages (the page then says "Sign in to continue").
func clientName(c storage.Client) string {
	if c.ID == "" {
		return ""
	}
	if c.Name != "" {
		return c.Name
	}
	return c.ID
}

// LoadFlow reads the flow named by the posted "flow" field after checking
// the CSRF token. On failure it has already answered and returns false.
func (e *Engine) LoadFlow(w http.ResponseWriter, r *http.Request) (*Flow, bool) {
	if !e.Cookies.CheckCSRF(r) {
		e.ErrorPage(w, r, http.StatusForbidden, "error.csrf.title", "error.csrf.message")
		return nil, false
	}
	return e.loadFlow(w, r, r.PostFormValue("flow"))
}

func (e *Engine) loadFlow(w http.ResponseWriter, r *http.Request, id string) (*Flow, bool) {
	lf, err := e.Flows.GetLoginFlow(r.Context(), id)
	if err != nil {
		e.requestGone(w, r, err)
		return nil, false
	}
	if lf.AuthRequestID == "" {
		return &Flow{LoginFlow: lf}, true
	}
	req, client, ok := e.loadRequest(w, r, lf.AuthRequestID)
	if !ok {
		return nil, false
	}
	return &Flow{LoginFlow: lf, Request: req, Client: client}, true
}

// Fail records a failed attempt; it returns false (and has answered) when
// the flow is over because of too many failures.
func (e *Engine) Fail(w http.ResponseWriter, r *http.Request, f *Flow, method, reason string) bool {
	if e.LoginFailed != nil {
		e.LoginFailed(r, method, reason)
	}
	v, a := e.defenceFailed(r, f, method, reason)
	f.Failures++
	if v.Refused {
		e.lockedAfterFailure(w, r, f, v, a)
		return false
	}
	if f.Failures >= MaxFailures {
		_ = e.Flows.DeleteLoginFlow(r.Context(), f.ID)
		e.ErrorPage(w, r, http.StatusTooManyRequests, "error.too_many.title", "error.too_many.message")
		return false
	}
	if err := e.Flows.PutLoginFlow(r.Context(), f.LoginFlow); err != nil {
		e.Unavailable(w, r, err)
		return false
	}
	return true
}

// Succeed records that a method verified the user with the given factors
// (RFC 8176 amr values) and moves the flow on: a first factor is followed
// by a second when the MFA policy requires one (askSecondFactor); a second
// factor adds "mfa" and finishes the login.
func (e *Engine) Succeed(w http.ResponseWriter, r *http.Request, f *Flow, method, userID string, amr ...string) {
	if f.UserID != "" && f.UserID != userID {
		e.ErrorPage(w, r, http.StatusBadRequest, "error.other_account.title", "error.other_account.message")
		return
	}
	second := f.AwaitingSecondFactor() && e.isSecondFactor(method)
	f.UserID = userID
	if second {
		amr = append(amr, "mfa")
	}
	for _, v := range amr {
		if !slices.Contains(f.AMR, v) {
			f.AMR = append(f.AMR, v)
		}
	}
	// The tenant check comes before anything is recorded for the user: a
	// refused sign-in must not reset their lockout counter or enrol the
	// device.
	if !second && !e.tenantAdmits(w, r, f) {
		return
	}
	if e.LoginSucceeded != nil {
		e.LoginSucceeded(r, method)
	}
	e.defenceSucceeded(r, f, method)
	if !second {
		e.observeDevice(w, r, f)
	}
	if !second && e.askSecondFactor(w, r, f) {
		return
	}
	e.finish(w, r, f)
}

func acrFor(amr []string) string {
	if slices.Contains(amr, "mfa") {
		return ACRMultiFactor
	}
	return ACRSingleFactor
}

// authenticated finishes, or asks for consent first.
func (e *Engine) authenticated(w http.ResponseWriter, r *http.Request, f *Flow, a Authentication, sessionID string) {
	need, err := e.needsConsent(r.Context(), f, a.UserID)
	if err != nil {
		e.Unavailable(w, r, err)
		return
	}
	if !need {
		e.complete(w, r, f, a, sessionID)
		return
	}
	if slices.Contains(f.Request.Prompt, oidc.PromptNone) {
		e.Errors.RedirectError(w, r, f.Request, consentRequired())
		return
	}
	e.askConsent(w, r, f, a, sessionID)
}

func (e *Engine) complete(w http.ResponseWriter, r *http.Request, f *Flow, a Authentication, sessionID string) {
	if f.Local() {
		_ = e.Flows.DeleteLoginFlow(r.Context(), f.ID)
		http.Redirect(w, r, f.Data[dataReturnTo], http.StatusSeeOther)
		return
	}
	c := storage.AuthCompletion{UserID: a.UserID, AuthTime: a.AuthTime, AMR: a.AMR, ACR: a.ACR, SessionID: sessionID}
	if err := e.AuthRequests.CompleteAuthRequest(r.Context(), f.Request.ID, c); err != nil {
		e.requestGone(w, r, err)
		return
	}
	_ = e.Flows.DeleteLoginFlow(r.Context(), f.ID)
	e.Respond(w, r, f.Request.ID)
}

// consentRequired is OIDC Core 3.1.2.6's consent_required (zitadel's oidc
// package has no constructor for it).
func consentRequired() *oidc.Error {
	e := oidc.ErrInteractionRequired().WithDescription("the user has not consented to this client")
	e.ErrorType = "consent_required"
	return e
}

// ErrorPage renders a friendly error page. title and msg are catalog
// message ids (or text already translated with i18n.T): the page shows
// them in the request's language (i18n.Text).
func (e *Engine) ErrorPage(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	v := templates.ErrorView{Status: status, Title: title, Message: msg, RequestID: RequestID(r.Context())}
	render(w, r, status, templates.ErrorPage(v))
}

// Unavailable answers a backend failure: logged, 503, retryable. An
// unreachable backend is logged through Outages (one line per outage and a
// summary, not one per request), and a request the client cancelled is no
// error at all; anything else is unexpected and logged every time.
func (e *Engine) Unavailable(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, storage.ErrUnavailable) || errors.Is(err, context.Canceled) {
		o := e.Outages
		if o == nil {
			o = &OutageLog{Logger: e.Logger}
		}
		o.Failed(r.Context(), slog.LevelError, "login: backend unavailable", err)
	} else {
		e.Logger.ErrorContext(r.Context(), "login: backend failure", "error", err)
	}
	w.Header().Set("Retry-After", strconv.Itoa(5))
	e.ErrorPage(w, r, http.StatusServiceUnavailable, "error.unavailable.title", "error.unavailable.message")
}

func render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = c.Render(r.Context(), w)
}

// Render writes a page with the headers every hosted page carries: HTML,
// never cached (pages carry CSRF tokens and personal data).
func Render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	render(w, r, status, c)
}

// WriteJSON writes a JSON answer of a page's script endpoint, never cached.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

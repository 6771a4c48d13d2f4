package login

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"

	"github.com/admit-idp/admit/templates/i18n"
)

// Flow data keys the engine keeps while the consent page is shown.
const (
	dataSessionID = "engine.session_id"
	dataAuthTime  = "engine.auth_time"
	dataACR       = "engine.acr"
)

// needsConsent: first-party clients never ask; others ask when the user has
// not granted every requested scope, or when the client forces it.
func (e *Engine) needsConsent(ctx context.Context, f *Flow, userID string) (bool, error) {
	if f.Local() || f.Client.FirstParty {
		return false, nil
	}
	if slices.Contains(f.Request.Prompt, oidc.PromptConsent) {
		return true, nil
	}
	c, err := e.Consents.GetConsent(ctx, userID, f.Client.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return !c.Covers(f.Request.Scopes), nil
}

func (e *Engine) askConsent(w http.ResponseWriter, r *http.Request, f *Flow, a Authentication, sessionID string) {
	f.UserID, f.AMR = a.UserID, a.AMR
	f.Data[dataSessionID] = sessionID
	f.Data[dataAuthTime] = strconv.FormatInt(a.AuthTime.Unix(), 10)
	f.Data[dataACR] = a.ACR
	if err := e.Flows.PutLoginFlow(r.Context(), f.LoginFlow); err != nil {
		e.Unavailable(w, r, err)
		return
	}
	http.Redirect(w, r, "/login/consent?flow="+url.QueryEscape(f.ID), http.StatusSeeOther)
}

// pendingConsent loads a flow waiting on the consent page.
func (e *Engine) pendingConsent(w http.ResponseWriter, r *http.Request, f *Flow) (*Flow, Authentication, bool) {
	if f.UserID == "" || f.Data[dataSessionID] == "" {
		e.ErrorPage(w, r, http.StatusBadRequest, "error.sign_in_first.title", "error.start_over")
		return nil, Authentication{}, false
	}
	at, _ := strconv.ParseInt(f.Data[dataAuthTime], 10, 64)
	a := Authentication{UserID: f.UserID, AuthTime: time.Unix(at, 0).UTC(), AMR: f.AMR, ACR: f.Data[dataACR]}
	return f, a, true
}

func (e *Engine) consentPage(w http.ResponseWriter, r *http.Request) {
	f, ok := e.loadFlow(w, r, r.URL.Query().Get("flow"))
	if !ok {
		return
	}
	f, _, ok = e.pendingConsent(w, r, f)
	if !ok {
		return
	}
	u, err := e.Users.GetUser(r.Context(), f.UserID)
	if err != nil {
		e.requestGone(w, r, err)
		return
	}
	csrf, err := e.Cookies.CSRFToken(w, r)
	if err != nil {
		e.Unavailable(w, r, err)
		return
	}
	allowFormTarget(w, f.Request.RedirectURI)
	v := templates.ConsentView{FlowID: f.ID, CSRFToken: csrf, ClientName: clientName(f.Client), UserEmail: u.Email, Scopes: scopeItems(r.Context(), f.Request.Scopes),
		// The client's own uploaded logo, served from Admit's origin; its
		// logo_uri is not shown: the page's CSP allows images from 'self'
		// only, and a third-party image would tell that site who signs in.
		ClientLogoURL: e.Brands.ClientLogoURL(r.Context(), f.Client.TenantID, f.Client.ID),
		PolicyURL:     httpsOnly(f.Client.PolicyURI), TermsURL: httpsOnly(f.Client.TOSURI)}
	render(w, r, http.StatusOK, templates.ConsentPage(v))
}

// httpsOnly returns u when it is an https URL (storage/admin checks this on
// write; the page checks again), else "".
func httpsOnly(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "https" || p.Host == "" {
		return ""
	}
	return u
}

// notYou answers the consent page's "Not you?" form: it ends the browser's
// session (the account shown is not the user's) and starts the same
// sign-in again at the login page, keeping the authorization request. A
// POST with the CSRF token: a link could sign anyone out.
func (e *Engine) notYou(w http.ResponseWriter, r *http.Request) {
	f, ok := e.LoadFlow(w, r)
	if !ok {
		return
	}
	if f, _, ok = e.pendingConsent(w, r, f); !ok {
		return
	}
	if err := e.Sessions.End(w, r); err != nil {
		e.Unavailable(w, r, err)
		return
	}
	f.UserID, f.AMR = "", nil
	for _, k := range []string{dataSessionID, dataAuthTime, dataACR, dataStage} {
		delete(f.Data, k)
	}
	if err := e.Flows.PutLoginFlow(r.Context(), f.LoginFlow); err != nil {
		e.Unavailable(w, r, err)
		return
	}
	e.RenderLogin(w, r, f, http.StatusOK, "", "")
}

func (e *Engine) consentSubmit(w http.ResponseWriter, r *http.Request) {
	f, ok := e.LoadFlow(w, r)
	if !ok {
		return
	}
	f, a, ok := e.pendingConsent(w, r, f)
	if !ok {
		return
	}
	if r.PostFormValue("decision") != "allow" {
		_ = e.Flows.DeleteLoginFlow(r.Context(), f.ID)
		e.Errors.RedirectError(w, r, f.Request, oidc.ErrAccessDenied().WithDescription("the user declined"))
		return
	}
	c := storage.Consent{UserID: a.UserID, ClientID: f.Client.ID, Scopes: f.Request.Scopes, GrantedAt: e.Now()}
	if err := e.Consents.SaveConsent(r.Context(), c); err != nil {
		e.Unavailable(w, r, err)
		return
	}
	e.complete(w, r, f, a, f.Data[dataSessionID])
}

// scopeDescriptions name, in words, what each scope Admit knows lets the
// client do (the consent page shows these, not the raw scope names). Each
// value is a catalog message id: "name" and "description" are its two parts.
var scopeDescriptions = map[string]string{
	oidc.ScopeOpenID:        "consent.scope.openid",
	oidc.ScopeProfile:       "consent.scope.profile",
	oidc.ScopeEmail:         "consent.scope.email",
	oidc.ScopeOfflineAccess: "consent.scope.offline_access",
	"wallet":                "consent.scope.wallet",
}

// ScopeNames are the scopes in words, as the consent page names them: the
// account area's list of apps shows what each app may see the same way.
func ScopeNames(ctx context.Context, scopes []string) []string {
	items := scopeItems(ctx, scopes)
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Name
	}
	return out
}

func scopeItems(ctx context.Context, scopes []string) []templates.ScopeItem {
	out := make([]templates.ScopeItem, 0, len(scopes))
	for _, s := range scopes {
		id, ok := scopeDescriptions[s]
		if !ok {
			// A scope Admit has no words for (a resource's own): its name
			// is all there is to show.
			out = append(out, templates.ScopeItem{Name: i18n.T(ctx, "consent.scope.other", "Scope", s), Raw: s})
			continue
		}
		out = append(out, templates.ScopeItem{Name: i18n.T(ctx, id+".name"), Description: i18n.T(ctx, id+".description"), Raw: s})
	}
	return out
}

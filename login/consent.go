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
		e.ErrorPage(w, r, http.StatusBadRequest, "Sign in first", "Go back to the application and start signing in again.")
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
	v := templates.ConsentView{FlowID: f.ID, CSRFToken: csrf, ClientName: clientName(f.Client), UserEmail: u.Email, Scopes: scopeItems(f.Request.Scopes)}
	render(w, r, http.StatusOK, templates.ConsentPage(v))
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

var scopeDescriptions = map[string]string{
	oidc.ScopeOpenID:        "Confirm who you are",
	oidc.ScopeProfile:       "Your name and profile details",
	oidc.ScopeEmail:         "Your e-mail address",
	oidc.ScopeOfflineAccess: "Stay connected when you are not using the app",
	"wallet":                "See the addresses of the wallets linked to your account",
}

func scopeItems(scopes []string) []templates.ScopeItem {
	out := make([]templates.ScopeItem, 0, len(scopes))
	for _, s := range scopes {
		d, ok := scopeDescriptions[s]
		if !ok {
			d = "Access to " + s
		}
		out = append(out, templates.ScopeItem{Name: s, Description: d})
	}
	return out
}

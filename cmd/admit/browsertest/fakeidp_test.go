package browsertest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/a-h/templ"

	"github.com/admit-idp/admit/static"
	"github.com/admit-idp/admit/templates"
)

// The CSP Admit serves its login pages with; the pages must work under it.
const loginCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// fakeIdP plays both a relying party and a minimal Admit built from the real
// templates and stylesheet, so scripts/login.mjs and the pages can be tested
// in a browser before the real handlers exist. Its flow: /start (RP) →
// /authorize → login page → POST /login/password → consent page →
// POST /login/consent → /callback (RP).
type fakeIdP struct {
	email, password string
}

const (
	fakeFlow  = "flow-1"
	fakeCSRF  = "csrf-1"
	fakeState = "state-1"
	fakeCode  = "code-1"
)

func newFakeIdP(t *testing.T, email, password string) *httptest.Server {
	t.Helper()
	f := fakeIdP{email: email, password: password}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static", static.Handler()))
	mux.HandleFunc("GET /start", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/authorize?client_id=notes&state="+fakeState, http.StatusFound)
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		render(w, r, http.StatusOK, templates.LoginPage(f.loginView("", "")))
	})
	mux.HandleFunc("POST /login/password", f.passwordPost)
	mux.HandleFunc("GET /consent", func(w http.ResponseWriter, r *http.Request) {
		render(w, r, http.StatusOK, templates.ConsentPage(f.consentView()))
	})
	mux.HandleFunc("POST /login/consent", f.consentPost)
	mux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("Signed in. code=" + r.URL.Query().Get("code") + " state=" + r.URL.Query().Get("state") + " error=" + r.URL.Query().Get("error")))
	})
	// A gallery of the remaining pages, for the layout test.
	mux.HandleFunc("GET /pages/login-error", func(w http.ResponseWriter, r *http.Request) {
		v := f.loginView("someone.with.a.rather.long.address@subdomain.example.com", "That email and password don't match. Check them and try again.")
		v.Methods = []templ.Component{templ.Raw(`<button type="button" class="btn btn-secondary" data-testid="passkey">Sign in with a passkey</button>`)}
		v.SignUpURL, v.AccountURL = "/signup", "/account"
		render(w, r, http.StatusUnauthorized, templates.LoginPage(v))
	})
	mux.HandleFunc("GET /pages/error", func(w http.ResponseWriter, r *http.Request) {
		render(w, r, http.StatusBadRequest, templates.ErrorPage(templates.ErrorView{
			Status: http.StatusBadRequest, Title: "This sign-in link has expired",
			Message: "Go back to the app you came from and try signing in again.", RequestID: "01J9ZQ4W7X8Y2K3M5N6P7R8S9T",
		}))
	})
	mux.HandleFunc("GET /pages/message", func(w http.ResponseWriter, r *http.Request) {
		render(w, r, http.StatusOK, templates.MessagePage(templates.MessageView{Title: "You are signed out", Message: "You can close this window."}))
	})
	srv := httptest.NewServer(withCSP(mux))
	t.Cleanup(srv.Close)
	return srv
}

func withCSP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", loginCSP)
		next.ServeHTTP(w, r)
	})
}

func render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = c.Render(r.Context(), w) // the status is out; a failure shows as a broken page
}

func (f fakeIdP) loginView(email, errMsg string) templates.LoginView {
	return templates.LoginView{FlowID: fakeFlow, CSRFToken: fakeCSRF, ClientName: "Acme Notes", Email: email, Error: errMsg}
}

func (f fakeIdP) consentView() templates.ConsentView {
	return templates.ConsentView{
		FlowID: fakeFlow, CSRFToken: fakeCSRF, ClientName: "Acme Notes", UserEmail: f.email,
		Scopes: []templates.ScopeItem{
			{Name: "Your identity", Description: "Confirm it's you (openid)"},
			{Name: "Email address", Description: "See your email address (email)"},
			{Name: "Stay signed in", Description: "Keep access while you're away (offline_access)"},
		},
	}
}

// validForm rejects posts that lost the hidden fields, as the real handler would.
func validForm(r *http.Request) bool {
	return r.PostFormValue("flow") == fakeFlow && r.PostFormValue("csrf_token") == fakeCSRF
}

func (f fakeIdP) passwordPost(w http.ResponseWriter, r *http.Request) {
	if !validForm(r) {
		http.Error(w, "bad flow or csrf token", http.StatusForbidden)
		return
	}
	email := r.PostFormValue("email")
	if email != f.email || r.PostFormValue("password") != f.password {
		render(w, r, http.StatusUnauthorized, templates.LoginPage(f.loginView(email, "That email and password don't match.")))
		return
	}
	http.Redirect(w, r, "/consent", http.StatusSeeOther)
}

func (f fakeIdP) consentPost(w http.ResponseWriter, r *http.Request) {
	if !validForm(r) {
		http.Error(w, "bad flow or csrf token", http.StatusForbidden)
		return
	}
	q := url.Values{"state": {fakeState}}
	if r.PostFormValue("decision") == "allow" {
		q.Set("code", fakeCode)
	} else {
		q.Set("error", "access_denied")
	}
	http.Redirect(w, r, "/callback?"+q.Encode(), http.StatusSeeOther)
}

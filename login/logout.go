package login

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/admit-idp/admit/keys/signed"
	"github.com/admit-idp/admit/templates"
)

// Logout finishes RP-initiated logout: op validates the end_session request
// and its post_logout_redirect_uri, then sends the browser here with that URI
// signed, because only this handler can see and clear the session cookie.
type Logout struct {
	Sessions *Sessions
	// Signer signs the redirect (keys/signed) so this endpoint cannot become
	// an open redirect.
	Signer *signed.Signer
	Engine *Engine
	// Hints reads an id_token_hint at end_session.
	Hints HintVerifier
}

// HintVerifier verifies an id_token_hint's signature and issuer. An expired
// hint still names its user: RP-Initiated Logout 1.0 §2 accepts it.
type HintVerifier interface {
	VerifyIDTokenHint(ctx context.Context, token string) (IDTokenHint, error)
}

// IDTokenHint is what end_session needs from a verified id_token_hint.
type IDTokenHint struct {
	Subject   string
	SessionID string // sid; empty when the token has none
	ClientID  string // azp
}

// logoutLinkLifetime bounds the signed URL: op sends the browser straight
// to it, so minutes are plenty.
const logoutLinkLifetime = 10 * time.Minute

// URL returns the signed logout URL that ends at redirectURI ("" or op's
// default: Admit's signed-out page).
func (l *Logout) URL(redirectURI string) string {
	q := url.Values{"to": {redirectURI}, "sig": {l.Signer.SignDetached([]byte(redirectURI), logoutLinkLifetime)}}
	return "/logout?" + q.Encode()
}

// ServeHTTP ends the browser session and redirects.
func (l *Logout) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	to, sig := r.URL.Query().Get("to"), r.URL.Query().Get("sig")
	if l.Signer.VerifyDetached([]byte(to), sig) != nil {
		l.Engine.ErrorPage(w, r, http.StatusBadRequest, "Invalid sign-out link",
			"This sign-out link is not valid. To sign out, use the application's sign-out button.")
		return
	}
	if err := l.Sessions.End(w, r); err != nil {
		l.Engine.Unavailable(w, r, err)
		return
	}
	if to == "" || to == SignedOutPath {
		render(w, r, http.StatusOK, templates.MessagePage(templates.MessageView{Title: "You are signed out", Message: "You can close this window."}))
		return
	}
	// A page, not a redirect: the sign-out confirmation is a form POST, and
	// the client's post-logout page may redirect on (see Continue).
	Continue(w, r, to, "You are signed out", "Taking you back to the application…")
}

// SignedOutPath is op's default post-logout page.
const SignedOutPath = "/logged-out"

// SignedOut renders the signed-out page (op's DefaultLogoutRedirectURI).
func SignedOut(w http.ResponseWriter, r *http.Request) {
	render(w, r, http.StatusOK, templates.MessagePage(templates.MessageView{Title: "You are signed out", Message: "You can close this window."}))
}

// ConfirmEndSession wraps op's end_session endpoint (RP-Initiated Logout
// 1.0, section 2). A request with an id_token_hint naming the browser's own
// session (its sub, and its sid when the token has one) goes straight on.
// Any other request could be any site's doing (a GET from an <img> signs
// people out, and anyone's ID token would do as a hint), so the user is
// asked first: "If the End-User does not match the ID Token, the OP SHOULD
// ask whether to log out". Only their answer, a same-site POST with the
// CSRF token, goes on to op, which validates the hint again.
func (l *Logout) ConfirmEndSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			l.Engine.ErrorPage(w, r, http.StatusBadRequest, "Invalid sign-out request",
				"The application sent a sign-out request Admit cannot read. Use its sign-out button again.")
			return
		}
		if r.Method == http.MethodPost && r.PostForm.Get("confirm") == "yes" && l.Engine.Cookies.CheckCSRF(r) {
			for _, k := range []string{"confirm", "csrf_token"} {
				r.Form.Del(k)
				r.PostForm.Del(k)
			}
			next.ServeHTTP(w, r)
			return
		}
		hint := r.Form.Get("id_token_hint")
		if hint == "" {
			l.askToSignOut(w, r, "")
			return
		}
		h, mine, err := l.hintNamesSession(r, hint)
		switch {
		case err != nil:
			l.Engine.Unavailable(w, r, err)
		case mine:
			next.ServeHTTP(w, r)
		default:
			l.askToSignOut(w, r, h.ClientID)
		}
	})
}

// hintNamesSession reports whether the hint may end the browser's session
// without asking: it names that session's user (and session, when it has a
// sid), or there is no session to end. A hint that does not verify goes on
// too, so that op answers it with the spec's invalid_request.
func (l *Logout) hintNamesSession(r *http.Request, hint string) (IDTokenHint, bool, error) {
	s, ok, err := l.Sessions.Current(r)
	if err != nil || !ok {
		return IDTokenHint{}, !ok, err
	}
	h, err := l.Hints.VerifyIDTokenHint(r.Context(), hint)
	if err != nil {
		return IDTokenHint{}, true, nil //nolint:nilerr // op refuses it with invalid_request
	}
	return h, h.Subject == s.UserID && (h.SessionID == "" || h.SessionID == s.ID), nil
}

// askToSignOut renders the confirmation, carrying the request's parameters
// for op. The form ends at the client's registered post-logout URI through
// /logout's ContinuePage; a native app's private-use scheme is reached by
// redirect, so it is allowed as a form target (allowFormTarget); op
// validates the URI again. hintClient is the azp of a verified
// id_token_hint, for requests without client_id.
func (l *Logout) askToSignOut(w http.ResponseWriter, r *http.Request, hintClient string) {
	csrf, err := l.Engine.Cookies.CSRFToken(w, r)
	if err != nil {
		l.Engine.Unavailable(w, r, err)
		return
	}
	hidden := map[string]string{"confirm": "yes"}
	for _, k := range []string{"id_token_hint", "client_id", "post_logout_redirect_uri", "state", "ui_locales", "logout_hint"} {
		if v := r.Form.Get(k); v != "" {
			hidden[k] = v
		}
	}
	if l.registeredTarget(r, cmp.Or(hidden["client_id"], hintClient), hidden["post_logout_redirect_uri"]) {
		allowFormTarget(w, hidden["post_logout_redirect_uri"])
	}
	render(w, r, http.StatusOK, templates.FormPage(templates.FormView{
		Title: "Sign out?", Intro: "An application asked to sign you out of Admit on this device. Sign out?",
		Action: r.URL.Path, CSRFToken: csrf, Hidden: hidden, Submit: "Sign out", TestID: "signout-form",
		Links: []templates.Link{{Href: "/account", Label: "Stay signed in", TestID: "stay"}},
	}))
}

// registeredTarget reports whether the client registered the post-logout
// URI (errors count as no).
func (l *Logout) registeredTarget(r *http.Request, clientID, uri string) bool {
	if clientID == "" || uri == "" {
		return false
	}
	c, err := l.Engine.Clients.GetClient(r.Context(), clientID)
	return err == nil && slices.Contains(c.PostLogoutRedirectURIs, uri)
}

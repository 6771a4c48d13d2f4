package login

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/admit-idp/admit/keys/signed"
	"github.com/admit-idp/admit/templates"
	"github.com/admit-idp/admit/templates/i18n"
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
	// EndSessionPath is op's end_session endpoint, where the confirmation
	// of an invalid /logout link posts ("": /end_session).
	EndSessionPath string
	// FrontChannel, when set, returns the front-channel logout URIs (with
	// iss and sid where asked) of the clients that got tokens through the
	// session: the signed-out page loads each in an iframe (Front-Channel
	// Logout 1.0 §4). Called before the session ends.
	FrontChannel func(ctx context.Context, sessionID string) []string
}

// HintVerifier verifies an id_token_hint's signature and issuer. An expired
// hint still names its user: RP-Initiated Logout 1.0 §2 accepts it.
type HintVerifier interface {
	VerifyIDTokenHint(ctx context.Context, token string) (IDTokenHint, error)
}

// ErrNotAnIDToken: the hint verifies but is not an ID token (one of
// Admit's access tokens): the user is asked.
var ErrNotAnIDToken = errors.New("login: id_token_hint is not an ID token")

// IDTokenHint is what end_session needs from a verified id_token_hint.
type IDTokenHint struct {
	Subject   string
	SessionID string // sid; empty when the token has none
	ClientID  string // azp
}

// logoutLinkLifetime bounds the signed URL: op sends the browser straight
// to it, so minutes are plenty.
const logoutLinkLifetime = 10 * time.Minute

type endingSessionKey struct{}

// withEndingSession records, for URL, the ID of the browser session
// end_session is ending ("" when the browser has none).
func withEndingSession(ctx context.Context, sessionID string) context.Context {
	return context.WithValue(ctx, endingSessionKey{}, sessionID)
}

// logoutPayload is what the /logout link signs: the target and the session
// it ends, so that the link signs out only the browser it was made for.
// The session ID is length-prefixed so that no (sid, to) pair reads as
// another.
func logoutPayload(sessionID, to string) []byte {
	return []byte(strconv.Itoa(len(sessionID)) + ":" + sessionID + to)
}

// URL returns the signed logout URL that ends at redirectURI ("" or op's
// default: Admit's signed-out page). The signature covers the session
// end_session ended (ConfirmEndSession puts it in ctx; none: ""), which
// ServeHTTP requires to be the browser's: a link obtained by one browser
// (for instance by an attacker without cookies, whose end_session "signs
// out" at once) must not sign another out without asking (RP-Initiated
// Logout 1.0 §2 and §6: logout requests can be forged).
func (l *Logout) URL(ctx context.Context, redirectURI string) string {
	sid, _ := ctx.Value(endingSessionKey{}).(string)
	sig := l.Signer.SignDetached(logoutPayload(sid, redirectURI), logoutLinkLifetime)
	q := url.Values{"to": {redirectURI}, "sig": {sig}}
	return "/logout?" + q.Encode()
}

// ServeHTTP ends the browser session and redirects. A link that is not
// signed for this browser's current session (forged, expired, or made for
// another browser) signs nobody out: the user is asked instead.
func (l *Logout) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	to, sig := r.URL.Query().Get("to"), r.URL.Query().Get("sig")
	s, ok, err := l.Sessions.Current(r)
	if err != nil {
		l.Engine.Unavailable(w, r, err)
		return
	}
	sid := ""
	if ok {
		sid = s.ID
	}
	if l.Signer.VerifyDetached(logoutPayload(sid, to), sig) != nil {
		l.askToSignOutHere(w, r, ok)
		return
	}
	var frames []string
	if ok {
		frames = l.FrontChannelFrames(r.Context(), s.ID)
	}
	if err := l.Sessions.End(w, r); err != nil {
		l.Engine.Unavailable(w, r, err)
		return
	}
	if len(frames) > 0 {
		l.frontChannelPage(w, r, frames, to, nil)
		return
	}
	if to == "" || to == SignedOutPath {
		SignedOut(w, r)
		return
	}
	// A page, not a redirect: the sign-out confirmation is a form POST, and
	// the client's post-logout page may redirect on (see Continue).
	Continue(w, r, to, "logout.done.title", "continue.back_to_app")
}

// FrontChannelFrames are the front-channel logout URIs of the clients
// that got tokens through the session (none without FrontChannel). Read
// them before the session ends: its record of clients goes with it.
func (l *Logout) FrontChannelFrames(ctx context.Context, sessionID string) []string {
	if l.FrontChannel == nil || sessionID == "" {
		return nil
	}
	return l.FrontChannel(ctx, sessionID)
}

// SignedOutPage answers a sign-out that ended the browser's own session
// outside end_session (the account area's "sign out", the deletion of the
// account): page v, which loads frames (FrontChannelFrames, read before
// the session ended) in hidden iframes when there are any, so that the
// session's browser-only applications sign out too (Front-Channel Logout
// 1.0 §4), whichever way the user left.
func (l *Logout) SignedOutPage(w http.ResponseWriter, r *http.Request, frames []string, v templates.MessageView) {
	if len(frames) == 0 {
		render(w, r, http.StatusOK, templates.MessagePage(v))
		return
	}
	l.frontChannelPage(w, r, frames, "", &v)
}

// SignedOutView is Admit's own signed-out page (SignedOut).
func SignedOutView(ctx context.Context) templates.MessageView {
	return templates.MessageView{Title: "logout.done.title", Message: "logout.done.message",
		Links: []templates.Link{{Href: "/account", Label: i18n.T(ctx, "pages.link.sign_in_again"), TestID: "sign-in-again"}}}
}

// frontChannelPage renders the signed-out page with one iframe per
// front-channel logout URI, its CSP allowing frames from exactly their
// origins (on this page only), and goes on to the post-logout URI; page
// (nil: the signed-out page's) gives its title, message and links.
func (l *Logout) frontChannelPage(w http.ResponseWriter, r *http.Request, frames []string, to string, page *templates.MessageView) {
	var origins []string
	var kept []string
	for _, f := range frames {
		u, err := url.Parse(f)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(u.Host, " ;'") {
			continue
		}
		kept = append(kept, f)
		if o := u.Scheme + "://" + u.Host; !slices.Contains(origins, o) {
			origins = append(origins, o)
		}
	}
	if csp := w.Header().Get("Content-Security-Policy"); csp != "" && len(origins) > 0 {
		w.Header().Set("Content-Security-Policy", csp+"; frame-src "+strings.Join(origins, " "))
	}
	if to == SignedOutPath {
		to = ""
	}
	v := templates.FrontChannelLogoutView{Title: "logout.done.title", Message: "logout.frontchannel.message", Frames: kept, Target: to}
	if page != nil {
		v.Title, v.Message, v.Links = page.Title, page.Message, page.Links
	}
	render(w, r, http.StatusOK, templates.FrontChannelLogoutPage(v))
}

// askToSignOutHere answers a /logout link that is not valid for this
// browser: without a session there is nothing to do; with one, the
// sign-out confirmation, whose answer goes through end_session (and so
// gets a link for this session) to Admit's signed-out page. The link's
// target is not used: it was not validated for this browser.
func (l *Logout) askToSignOutHere(w http.ResponseWriter, r *http.Request, hasSession bool) {
	if !hasSession {
		l.Engine.ErrorPage(w, r, http.StatusBadRequest, "logout.bad_link.title", "logout.bad_link.message")
		return
	}
	csrf, err := l.Engine.Cookies.CSRFToken(w, r)
	if err != nil {
		l.Engine.Unavailable(w, r, err)
		return
	}
	render(w, r, http.StatusBadRequest, templates.FormPage(templates.FormView{
		Title:  "logout.confirm.title",
		Intro:  "logout.confirm.other_browser",
		Action: cmp.Or(l.EndSessionPath, "/end_session"), CSRFToken: csrf, Hidden: map[string]string{"confirm": "yes"},
		Submit: "logout.confirm.submit", TestID: "signout-form",
		Links: []templates.Link{{Href: "/account", Label: "logout.confirm.stay", TestID: "stay"}},
	}))
}

// SignedOutPath is op's default post-logout page.
const SignedOutPath = "/logged-out"

// SignedOut renders the signed-out page (op's DefaultLogoutRedirectURI).
func SignedOut(w http.ResponseWriter, r *http.Request) {
	render(w, r, http.StatusOK, templates.MessagePage(SignedOutView(r.Context())))
}

// ConfirmEndSession wraps op's end_session endpoint (RP-Initiated Logout
// 1.0, section 2). A request with an id_token_hint naming the browser's own
// session (its sub and its sid) goes straight on.
// Any other request could be any site's doing (a GET from an <img> signs
// people out, and anyone's ID token would do as a hint), so the user is
// asked first: "If the End-User does not match the ID Token, the OP SHOULD
// ask whether to log out". Only their answer, a same-site POST with the
// CSRF token, goes on to op, which validates the hint again.
func (l *Logout) ConfirmEndSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			l.Engine.ErrorPage(w, r, http.StatusBadRequest, "logout.bad_request.title", "logout.bad_request.message")
			return
		}
		if r.Method == http.MethodPost && r.PostForm.Get("confirm") == "yes" && l.Engine.Cookies.CheckCSRF(r) {
			for _, k := range []string{"confirm", "csrf_token"} {
				r.Form.Del(k)
				r.PostForm.Del(k)
			}
			l.endSession(next, w, r)
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
			l.endSession(next, w, r)
		default:
			l.askToSignOut(w, r, h.ClientID)
		}
	})
}

// endSession hands the request to op's end_session with the browser's
// current session in the context, for the /logout link URL signs.
func (l *Logout) endSession(next http.Handler, w http.ResponseWriter, r *http.Request) {
	s, ok, err := l.Sessions.Current(r)
	if err != nil {
		l.Engine.Unavailable(w, r, err)
		return
	}
	sid := ""
	if ok {
		sid = s.ID
	}
	next.ServeHTTP(w, r.WithContext(withEndingSession(r.Context(), sid)))
}

// hintNamesSession reports whether the hint may end the browser's session
// without asking: it names that session's user and session (its sid; a
// hint without sid could be any of the user's sessions, so it is asked
// about: RP-Initiated Logout 1.0 §2, "the OP SHOULD ask"), or there is no
// session to end. A hint that does not verify goes on too, so that op
// answers it with the spec's invalid_request; one that is not an ID token
// (an access token) is asked about.
func (l *Logout) hintNamesSession(r *http.Request, hint string) (IDTokenHint, bool, error) {
	s, ok, err := l.Sessions.Current(r)
	if err != nil || !ok {
		return IDTokenHint{}, !ok, err
	}
	h, err := l.Hints.VerifyIDTokenHint(r.Context(), hint)
	if errors.Is(err, ErrNotAnIDToken) {
		return IDTokenHint{}, false, nil
	}
	if err != nil {
		return IDTokenHint{}, true, nil //nolint:nilerr // op refuses it with invalid_request
	}
	return h, h.Subject == s.UserID && h.SessionID != "" && h.SessionID == s.ID, nil
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
		Title: "logout.confirm.title", Intro: "logout.confirm.app_asked",
		Action: r.URL.Path, CSRFToken: csrf, Hidden: hidden, Submit: "logout.confirm.submit", TestID: "signout-form",
		Links: []templates.Link{{Href: "/account", Label: "logout.confirm.stay", TestID: "stay"}},
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

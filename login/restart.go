package login

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/admit-idp/admit/storage"
)

// Starting a lost sign-in again.
//
// Login flows and authorization requests are short-lived state (Redis in
// production) and may be lost: a Redis restart without persistence, or
// simply expiry. The browser then posts to, or reloads, a flow the server no
// longer knows. Rather than a dead end, the page offers "Start again": a
// link to /authorize with the original request's parameters, so the user
// signs in to the same application and the client gets its own state (and
// PKCE challenge, nonce) back, as if the first attempt had worked. The
// parameters travel in a cookie written when the login page is first shown
// (HttpOnly, SameSite=Lax, at most an hour), never in the page.
//
// Following the link is safe whatever the cookie holds: it only ever leads
// to Admit's own /authorize (or, for Admit's own pages, a local path), and
// /authorize validates the client, the redirect URI and every parameter
// again (OIDC Core 3.1.2.2). Lost for good are an id_token_hint (only its
// subject was kept) and anything already proved in the lost flow.

const (
	restartCookie = "admit_restart"
	// restartCookieAge outlives the authorization request (30 minutes),
	// so a user returning to an expired page still finds the way back.
	restartCookieAge = time.Hour
	// restartKeep is how many sign-ins (tabs) the cookie remembers.
	restartKeep = 3
	// restartMaxLen keeps the cookie well under browsers' 4 KB limit.
	restartMaxLen = 3000
	authorizePath = "/authorize"
)

// restartEntry is one remembered sign-in: its flow and request IDs and the
// local URL that starts it again.
type restartEntry struct {
	Flow    string `json:"f"`
	Request string `json:"r,omitempty"`
	URL     string `json:"u"`
}

// rememberRestart records how to start the flow f again. Failures are
// ignored: the cookie only improves the page shown if the flow is lost.
func (e *Engine) rememberRestart(w http.ResponseWriter, r *http.Request, f *Flow, returnTo string) {
	entry := restartEntry{Flow: f.ID, Request: f.AuthRequestID, URL: returnTo}
	if !f.Local() {
		entry.URL = authorizePath + "?" + authorizeQuery(f.Request).Encode()
	}
	list := []restartEntry{entry}
	for _, old := range e.restartEntries(r) {
		if len(list) == restartKeep {
			break
		}
		if old.Flow != entry.Flow && (entry.Request == "" || old.Request != entry.Request) {
			list = append(list, old)
		}
	}
	for ; len(list) > 0; list = list[:len(list)-1] {
		raw, err := json.Marshal(list)
		if err != nil {
			return
		}
		if v := base64.RawURLEncoding.EncodeToString(raw); len(v) <= restartMaxLen {
			e.Cookies.Set(w, restartCookie, v, restartCookieAge)
			return
		}
	}
}

// restartEntries decodes the cookie; a missing or damaged one is empty.
func (e *Engine) restartEntries(r *http.Request) []restartEntry {
	raw, err := base64.RawURLEncoding.DecodeString(e.Cookies.Get(r, restartCookie))
	if err != nil || len(raw) == 0 {
		return nil
	}
	var list []restartEntry
	if json.Unmarshal(raw, &list) != nil {
		return nil
	}
	return list
}

// restartURL is the way to start again the sign-in this request belongs to
// (the posted flow, or the request of /login?id=), or "" when the browser
// never showed its login page.
func (e *Engine) restartURL(r *http.Request) string {
	flowID, requestID := r.PostFormValue("flow"), r.URL.Query().Get("id")
	for _, en := range e.restartEntries(r) {
		if (flowID != "" && en.Flow == flowID) || (requestID != "" && en.Request == requestID) {
			if restartable(en.URL) {
				return en.URL
			}
		}
	}
	return ""
}

// restartable accepts only Admit's /authorize and local paths: a planted
// cookie must not turn "Start again" into a link elsewhere.
func restartable(u string) bool {
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "" || p.Host != "" || p.User != nil || !strings.HasPrefix(u, "/") || strings.HasPrefix(u, "//") || strings.Contains(u, "\\") {
		return false
	}
	return true
}

// authorizeQuery rebuilds the authorization request's parameters (OIDC
// Core 3.1.2.1) from what was stored for it.
func authorizeQuery(req storage.AuthRequest) url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("client_id", req.ClientID)
	set("redirect_uri", req.RedirectURI)
	set("response_type", req.ResponseType)
	set("response_mode", req.ResponseMode)
	set("scope", strings.Join(req.Scopes, " "))
	set("state", req.State)
	set("nonce", req.Nonce)
	set("code_challenge", req.CodeChallenge)
	set("code_challenge_method", req.CodeChallengeMethod)
	// prompt=none never reaches the login page; prompt=login also set
	// max_age=0, which says the same and is kept below.
	set("prompt", strings.Join(slices.DeleteFunc(slices.Clone(req.Prompt), func(p string) bool { return p == "none" }), " "))
	if req.MaxAge >= 0 {
		q.Set("max_age", strconv.FormatInt(req.MaxAge, 10))
	}
	set("login_hint", req.LoginHint)
	set("acr_values", strings.Join(req.ACRValues, " "))
	set("ui_locales", strings.Join(req.UILocales, " "))
	return q
}

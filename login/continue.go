package login

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"

	"github.com/admit-idp/admit/templates"
)

// Leaving Admit for the client.
//
// Browsers apply a page's CSP form-action to the form's submission and to
// every redirect that follows it (CSP 3, "form-action"; Chromium enforces it
// hop by hop). A login that ends with a POST (password, TOTP, backup code,
// passkey, wallet, consent, step-up, Apple's form_post callback) and then
// redirects to the client's callback would need, in the login page's
// policy, the origin of the callback and of every site the callback
// redirects on to: unknowable, so the redirect chain dies at the first
// foreign hop with ERR_ABORTED and the code is wasted. The same holds for a
// social login, whose chain starts with a form POST on the provider's page.
//
// So every answer that leaves Admit for a client after a page interaction
// is a page (ContinuePage) that moves the browser on with a meta refresh:
// a new navigation that no form started, so form-action does not apply to
// it or to whatever the client does next, and the login pages keep
// form-action 'self'. Only /authorize itself (a navigation the client
// started) answers with a plain redirect. Private-use schemes of native
// apps (RFC 8252 7.1) keep the redirect, which hands the URI to the
// operating system (a browser keeps the user gesture of a redirect, not of
// a refresh); their pages allow that scheme in form-action (allowFormTarget).

// Continue sends the browser to target, an http(s) URL outside Admit that
// the caller has validated (a registered redirect URI with the response's
// parameters): by a page that moves on by itself. title and message say
// what is happening ("Signing you in").
func Continue(w http.ResponseWriter, r *http.Request, target, title, message string) {
	if !isWebURL(target) {
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	render(w, r, http.StatusOK, templates.ContinuePage(templates.ContinueView{
		Title: title, Message: message, Link: "common.continue", Target: templ.SafeURL(target),
	}))
}

// isWebURL reports whether u is an absolute http or https URL.
func isWebURL(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != ""
}

// DeliverToClient runs answer, which writes op's authorization response (a
// redirect, or a form_post page), and hands it to the browser in a way that
// survives whatever the client's callback does next (see Continue):
//   - a redirect to an http(s) URL becomes a ContinuePage, unless
//     keepRedirect (the request is /authorize itself);
//   - a form_post page gets a policy that lets its form, and the
//     redirects after it, reach any web origin: it holds nothing but op's
//     escaped form to the registered redirect URI, and its inline script
//     only submits it;
//   - anything else (an error page) passes through unchanged.
func DeliverToClient(w http.ResponseWriter, r *http.Request, keepRedirect bool, answer func(http.ResponseWriter)) {
	rec := &responseRecorder{header: http.Header{}}
	answer(rec)
	location := rec.header.Get("Location")
	switch {
	case isRedirect(rec.status) && location != "" && !keepRedirect && isWebURL(location):
		Continue(w, r, location, "continue.signing_in", "continue.back_to_app")
		return
	case rec.status == http.StatusOK && strings.HasPrefix(rec.header.Get("Content-Type"), "text/html"):
		rec.header.Set("Content-Security-Policy",
			"default-src 'none'; script-src 'unsafe-inline'; form-action *; frame-ancestors 'none'; base-uri 'none'")
	}
	rec.copyTo(w)
}

func isRedirect(status int) bool { return status >= 300 && status < 400 }

// responseRecorder holds an answer so it can be inspected before it is sent.
type responseRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (rr *responseRecorder) Header() http.Header { return rr.header }

func (rr *responseRecorder) WriteHeader(status int) {
	if rr.status == 0 {
		rr.status = status
	}
}

func (rr *responseRecorder) Write(b []byte) (int, error) {
	if rr.status == 0 {
		rr.status = http.StatusOK
	}
	return rr.body.Write(b)
}

// copyTo sends the held answer: its headers over w's (the page's security
// headers stay unless the answer sets its own).
func (rr *responseRecorder) copyTo(w http.ResponseWriter) {
	for k, v := range rr.header {
		w.Header()[k] = v
	}
	if rr.status == 0 {
		rr.status = http.StatusOK
	}
	w.WriteHeader(rr.status)
	_, _ = w.Write(rr.body.Bytes())
}

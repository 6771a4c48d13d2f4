package login

import "net/http"

// ResumeFlow loads flow id for a GET that continues a step parked earlier
// (the password method's busy page). There is no CSRF token on a GET: the
// caller must have bound what it resumes to the browser itself, e.g. with
// CSRFCookie.
func (e *Engine) ResumeFlow(w http.ResponseWriter, r *http.Request, id string) (*Flow, bool) {
	return e.loadFlow(w, r, id)
}

// CSRFCookie returns the browser's CSRF token ("" when it has none), to bind
// server-side state to this browser.
func (c Cookies) CSRFCookie(r *http.Request) string { return c.Get(r, csrfCookie) }

package login

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
)

// FlowByID loads a flow named by something other than a CSRF-checked form
// (an upstream provider's redirect back, which carries it in the OAuth
// state). The caller must bind the flow to the browser itself, e.g. with
// BrowserBinding. On failure it has already answered and returns false.
func (e *Engine) FlowByID(w http.ResponseWriter, r *http.Request, id string) (*Flow, bool) {
	return e.loadFlow(w, r, id)
}

// BrowserBinding returns a value that identifies this browser for as long as
// its CSRF cookie lives: the hex SHA-256 of the cookie (the token itself is
// never stored). It creates the cookie when missing.
func (c Cookies) BrowserBinding(w http.ResponseWriter, r *http.Request) (string, error) {
	tok, err := c.CSRFToken(w, r)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte("admit browser binding\x00" + tok))
	return hex.EncodeToString(sum[:]), nil
}

// CurrentBrowserBinding is BrowserBinding without creating a cookie: "" when
// the browser has none.
func (c Cookies) CurrentBrowserBinding(r *http.Request) string {
	tok := c.Get(r, csrfCookie)
	if tok == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("admit browser binding\x00" + tok))
	return hex.EncodeToString(sum[:])
}

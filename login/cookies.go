package login

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"time"
)

// Cookies names and writes Admit's browser cookies. On https they carry the
// __Host- prefix (Secure, Path=/, no Domain), which stops a sibling domain or
// a plain-http page from planting them.
type Cookies struct {
	// Secure is true when the issuer is https (false only for local development).
	Secure bool
}

func (c Cookies) name(base string) string {
	if c.Secure {
		return "__Host-" + base
	}
	return base
}

// Set writes an HttpOnly, SameSite=Lax cookie. Lax (not Strict) because the
// login is reached by a top-level redirect from the relying party.
func (c Cookies) Set(w http.ResponseWriter, base, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: c.name(base), Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode,
	})
}

// Clear deletes the cookie.
func (c Cookies) Clear(w http.ResponseWriter, base string) {
	http.SetCookie(w, &http.Cookie{
		Name: c.name(base), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode,
	})
}

// Get returns the cookie's value, or "".
func (c Cookies) Get(r *http.Request, base string) string {
	ck, err := r.Cookie(c.name(base))
	if err != nil {
		return ""
	}
	return ck.Value
}

const (
	csrfCookie    = "admit_csrf"
	csrfField     = "csrf_token"
	csrfCookieAge = 24 * time.Hour
)

// CSRFToken returns the browser's CSRF token, creating the cookie when
// missing. Forms echo it in a hidden field (double submit); package-level
// http.CrossOriginProtection additionally refuses cross-site POSTs.
func (c Cookies) CSRFToken(w http.ResponseWriter, r *http.Request) (string, error) {
	if tok := c.Get(r, csrfCookie); len(tok) == 43 {
		return tok, nil
	}
	tok, err := randomToken()
	if err != nil {
		return "", err
	}
	c.Set(w, csrfCookie, tok, csrfCookieAge)
	return tok, nil
}

// CheckCSRF reports whether the posted token matches the cookie.
func (c Cookies) CheckCSRF(r *http.Request) bool {
	cookie := c.Get(r, csrfCookie)
	posted := r.PostFormValue(csrfField)
	return cookie != "" && subtle.ConstantTimeCompare([]byte(cookie), []byte(posted)) == 1
}

// randomToken returns 256 random bits, base64url (43 characters).
func randomToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("login: random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

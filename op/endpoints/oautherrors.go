package endpoints

import (
	"encoding/json"
	"net/http"
)

// op answers some protocol errors as plain text; these middlewares give them
// the shape the RFCs require. They buffer only error answers.

// BearerErrors: a refused access token at userinfo is 401 with
// WWW-Authenticate: Bearer error="invalid_token" (RFC 6750 3.1, OIDC Core
// 5.3.3), whether op said 401 (unreadable token) or 403 (revoked, or no user).
// A token presented with the DPoP scheme (DPoPUserinfo) gets the DPoP
// challenge instead (RFC 9449 §7.1).
func BearerErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		const desc = "the access token is invalid, expired or revoked"
		rewriteErrors(next, func(status int) bool { return status == http.StatusUnauthorized || status == http.StatusForbidden },
			func(w http.ResponseWriter) {
				if presentedWithDPoP(r.Context()) {
					dpopChallenge(w, "invalid_token", desc)
					return
				}
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+desc+`"`)
				WriteOAuthError(w, http.StatusUnauthorized, "invalid_token", desc)
			}).ServeHTTP(w, r)
	})
}

// ClientAuthErrors: failed client authentication at introspection is 401
// invalid_client JSON (RFC 7662 2.3, RFC 6749 5.2).
func ClientAuthErrors(next http.Handler) http.Handler {
	return rewriteErrors(next, func(status int) bool { return status == http.StatusUnauthorized },
		func(w http.ResponseWriter) {
			w.Header().Set("WWW-Authenticate", `Basic realm="admit"`)
			WriteOAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		})
}

// WriteOAuthError answers an OAuth error as JSON (RFC 6749 5.2).
func WriteOAuthError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Del("Content-Length")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
}

func rewriteErrors(next http.Handler, match func(int) bool, answer func(http.ResponseWriter)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &errorRewriter{ResponseWriter: w, match: match}
		next.ServeHTTP(rw, r)
		if rw.matched {
			answer(w)
		}
	})
}

// errorRewriter swallows a matching status and its body.
type errorRewriter struct {
	http.ResponseWriter
	match   func(int) bool
	status  int
	matched bool
}

func (e *errorRewriter) WriteHeader(code int) {
	if e.status != 0 {
		return
	}
	e.status, e.matched = code, e.match(code)
	if !e.matched {
		e.ResponseWriter.WriteHeader(code)
	}
}

func (e *errorRewriter) Write(b []byte) (int, error) {
	if e.status == 0 {
		e.WriteHeader(http.StatusOK)
	}
	if e.matched {
		return len(b), nil
	}
	return e.ResponseWriter.Write(b)
}

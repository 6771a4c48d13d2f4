package app

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// rejectMalformedInput refuses requests whose query, form or Basic
// credentials carry invalid UTF-8 or NUL bytes: no identifier, e-mail,
// name or token contains them, and Postgres refuses them in text columns
// (SQLSTATE 22021) — which would surface as a 500 or 503 deep inside a
// handler instead of a clear 400 at the edge. Protocol paths answer the
// OAuth error JSON; pages a plain 400.
func rejectMalformedInput(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || !cleanValues(r.Form) || !cleanBasicAuth(r) {
			answerMalformed(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func cleanValues(v url.Values) bool {
	for k, vals := range v {
		if !clean(k) {
			return false
		}
		for _, s := range vals {
			if !clean(s) {
				return false
			}
		}
	}
	return true
}

func cleanBasicAuth(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	return !ok || (clean(user) && clean(pass))
}

func clean(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

func answerMalformed(w http.ResponseWriter, r *http.Request) {
	if isPage(r.URL.Path) {
		http.Error(w, "The request contains characters that are not allowed. Go back and check what you typed.", http.StatusBadRequest)
		return
	}
	writeOAuthError(w, http.StatusBadRequest, "invalid_request", "the request contains invalid characters")
}

func isPage(path string) bool {
	for _, p := range []string{"/login", "/account", "/logout", "/dev/"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

package endpoints

import (
	"net/http"
	"net/url"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/admit-idp/admit/op"
)

// ClientAuth guards the endpoints where clients authenticate (token,
// revocation, introspection):
//   - it tells op's storage how the client presented its secret, so a client
//     is held to its registered token_endpoint_auth_method
//     (op.WithPresentedAuthMethod);
//   - a request presenting it both ways is invalid_request (RFC 6749 §2.3:
//     "MUST NOT use more than one authentication method in each request");
//   - every 401 carries a Basic challenge (RFC 6749 §5.2: required when the
//     client tried Basic; RFC 9110 §15.5.2 requires a challenge on any 401,
//     and Basic is the scheme a secret client may use).
func ClientAuth(next http.Handler) http.Handler { return clientAuthWith(false)(next) }

// IntrospectionClientAuth is ClientAuth for op's introspection endpoint,
// which reads a secret from Basic only: a client_secret_post client's form
// secret is handed to op as Basic credentials, so such a client can
// introspect with the method it registered (RFC 7662 §2.1 leaves the
// method to the server; discovery lists it).
func IntrospectionClientAuth(next http.Handler) http.Handler { return clientAuthWith(true)(next) }

func clientAuthWith(postAsBasic bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			serveClientAuth(next, postAsBasic, w, r)
		})
	}
}

func serveClientAuth(next http.Handler, postAsBasic bool, w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		next.ServeHTTP(w, r) // op answers the unreadable form
		return
	}
	_, _, basic := r.BasicAuth()
	post := r.Form.Has("client_secret")
	ctx := r.Context()
	switch {
	case basic && post:
		WriteOAuthError(w, http.StatusBadRequest, "invalid_request", "the client authenticated both with HTTP Basic and client_secret; use one method")
		return
	case basic:
		ctx = op.WithPresentedAuthMethod(ctx, oidc.AuthMethodBasic)
	case post:
		ctx = op.WithPresentedAuthMethod(ctx, oidc.AuthMethodPost)
		if postAsBasic {
			// RFC 6749 §2.3.1: Basic carries form-encoded ID and secret.
			r.SetBasicAuth(url.QueryEscape(r.Form.Get("client_id")), url.QueryEscape(r.Form.Get("client_secret")))
			r.Form.Del("client_secret")
			r.PostForm.Del("client_secret")
		}
	}
	next.ServeHTTP(basicChallenge{w}, r.WithContext(ctx))
}

// basicChallenge adds the Basic challenge to a 401.
type basicChallenge struct{ http.ResponseWriter }

func (b basicChallenge) WriteHeader(code int) {
	if code == http.StatusUnauthorized && b.Header().Get("WWW-Authenticate") == "" {
		b.Header().Set("WWW-Authenticate", `Basic realm="admit"`)
	}
	b.ResponseWriter.WriteHeader(code)
}

func (b basicChallenge) Unwrap() http.ResponseWriter { return b.ResponseWriter }

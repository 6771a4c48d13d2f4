// Package api is the admin API: JSON over HTTP under /admin/v1, described
// by the OpenAPI 3 document openapi.yaml (served at /admin/v1/openapi.yaml
// and /admin/v1/openapi.json). The document is enforced at run time: every
// authenticated request is validated against it (kin-openapi's
// openapi3filter) before a handler runs, so the handlers only decode
// requests, call the admin.Service (which holds the business rules and
// decides what the principal may do) and render the results; errors are
// RFC 9457 problem details.
//
// Callers authenticate with Admit's own access tokens (Bearer, RFC 6750)
// carrying the scope admit:admin.
package adminapi

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"
	"gopkg.in/yaml.v3"

	"github.com/admit-idp/admit/op"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
)

// Scope is the scope every admin API token must carry.
const Scope = admin.Scope

// Spec is the OpenAPI 3 document of the API (YAML).
//
//go:embed openapi.yaml
var Spec []byte

// SpecJSON is Spec as JSON, converted on first use (not at start: a node
// that never serves the document never pays for it).
var SpecJSON = sync.OnceValue(func() []byte { return mustJSON(Spec) })

func mustJSON(y []byte) []byte {
	var doc any
	if err := yaml.Unmarshal(y, &doc); err != nil {
		panic(fmt.Sprintf("admin api: openapi.yaml: %v", err))
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("admin api: openapi.yaml as JSON: %v", err))
	}
	return out
}

// TokenVerifier verifies Admit's access tokens (op.Storage).
type TokenVerifier interface {
	VerifyAccessToken(ctx context.Context, token string) (op.AccessToken, error)
}

// Handler serves the admin API.
type Handler struct {
	Service *admin.Service
	Tokens  TokenVerifier
	Logger  *slog.Logger
	// CheckResponses, when set (in tests), receives the result of
	// validating every response of a validated request against the
	// document (nil when it matches).
	CheckResponses func(r *http.Request, err error)
}

// Routes is the API, to be mounted at /admin/v1.
func (h *Handler) Routes() http.Handler {
	r := chi.NewRouter()
	r.Use(noStore)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusNotFound, "not-found", "Not Found", "no such endpoint", nil)
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusMethodNotAllowed, "method-not-allowed", "Method Not Allowed", "the endpoint does not support "+r.Method, nil)
	})
	r.Get("/openapi.yaml", serveSpec("application/yaml", Spec))
	r.Get("/openapi.json", func(w http.ResponseWriter, r *http.Request) { serveSpec("application/json", SpecJSON())(w, r) })
	r.Group(func(r chi.Router) {
		r.Use(h.authenticate, h.validate)
		r.Get("/roles", h.listRoles)
		r.Get("/keys", h.listKeys)
		r.Post("/keys/rotate", h.rotateKeys)
		r.Post("/tenants", h.createTenant)
		r.Get("/deliveries", h.listDeliveries)
		r.Post("/deliveries/replay", h.replayDelivery)
		r.Get("/tenants", h.listTenants)
		// The old service's venue role routes, in the caller's own tenant
		// (the handlers pass an empty tenant: the principal's).
		r.Get("/venues/{venueId}/roles", h.listVenueRoles)
		r.Post("/venues/{venueId}/roles", h.grantVenueRole)
		r.Delete("/venues/{venueId}/roles/{userId}", h.revokeVenueRoles)
		r.Route("/tenants/{tenantId}", func(r chi.Router) {
			r.Get("/", h.getTenant)
			r.Patch("/", h.updateTenant)
			r.Post("/suspend", h.setTenantStatus(storage.TenantSuspended))
			r.Post("/activate", h.setTenantStatus(storage.TenantActive))

			r.Post("/clients", h.createClient)
			r.Get("/clients", h.listClients)
			r.Get("/clients/{clientId}", h.getClient)
			r.Patch("/clients/{clientId}", h.updateClient)
			r.Delete("/clients/{clientId}", h.deleteClient)
			r.Post("/clients/{clientId}/secret", h.rotateSecret)

			r.Post("/apis", h.createAPI)
			r.Get("/apis", h.listAPIs)
			r.Get("/apis/{apiId}", h.getAPI)
			r.Patch("/apis/{apiId}", h.updateAPI)
			r.Delete("/apis/{apiId}", h.deleteAPI)
			for _, prefix := range []string{"", "/clients/{clientId}"} {
				r.Get(prefix+"/brand", h.getBrand)
				r.Put(prefix+"/brand", h.putBrand)
				r.Delete(prefix+"/brand", h.deleteBrand)
				r.Put(prefix+"/brand/logo", h.putBrandLogo)
				r.Delete(prefix+"/brand/logo", h.deleteBrandLogo)
			}

			r.Post("/users", h.createUser)
			r.Get("/users", h.listUsers)
			r.Get("/users/{userId}", h.getUser)
			r.Delete("/users/{userId}", h.deleteUser)
			r.Post("/users/{userId}/disable", h.setDisabled(true))
			r.Post("/users/{userId}/enable", h.setDisabled(false))
			r.Post("/users/{userId}/unlock", h.unlockUser)
			r.Post("/users/{userId}/mfa/reset", h.resetMFA)
			r.Post("/users/{userId}/sessions/revoke", h.revokeSessions)

			r.Get("/grants", h.listGrants)
			r.Post("/grants", h.createGrant)
			r.Post("/grants/revoke", h.revokeGrants)
			r.Get("/venues/{venueId}/roles", h.listVenueRoles)
			r.Post("/venues/{venueId}/roles", h.grantVenueRole)
			r.Delete("/venues/{venueId}/roles/{userId}", h.revokeVenueRoles)

			r.Get("/audit", h.listAudit)
			r.Post("/webhooks", h.createWebhook)
			r.Get("/webhooks", h.listWebhooks)
			r.Delete("/webhooks/{webhookId}", h.deleteWebhook)
			r.Get("/webhooks/{webhookId}/deliveries", h.listWebhookDeliveries)
			r.Post("/webhooks/{webhookId}/deliveries/{eventId}/replay", h.replayWebhookDelivery)
			r.Post("/import/users", h.importUsers)
		})
	})
	return r
}

func serveSpec(contentType string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(body)
	}
}

func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

type principalKey struct{}

func principal(r *http.Request) admin.Principal {
	p, _ := r.Context().Value(principalKey{}).(admin.Principal)
	return p
}

// authenticate verifies the Bearer token, requires the admit:admin scope
// and builds the principal from the store (live: a disabled user or a
// deleted client loses access at once).
func (h *Handler) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := bearer(r)
		if !ok {
			// RFC 6750 3.1: a request without credentials gets the
			// challenge but no error code.
			w.Header().Set("WWW-Authenticate", `Bearer realm="admit-admin"`)
			writeProblem(w, http.StatusUnauthorized, "invalid-token", "Unauthorized", "missing bearer access token", nil)
			return
		}
		tok, err := h.Tokens.VerifyAccessToken(r.Context(), raw)
		switch {
		case errors.Is(err, op.ErrInvalidToken):
			unauthorized(w, "the access token is invalid or expired")
			return
		case errors.Is(err, op.ErrTokenRevoked):
			unauthorized(w, "the access token was revoked")
			return
		case err != nil:
			h.fail(w, r, err)
			return
		}
		if !slices.Contains(tok.Scopes, Scope) {
			forbidden(w, "the access token lacks the scope "+Scope)
			return
		}
		p, err := h.Service.TokenPrincipal(r.Context(), admin.Token{ClientID: tok.ClientID, Subject: tok.Subject,
			TenantID: tok.TenantID, User: tok.User, IssuedAt: tok.IssuedAt})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	return tok, ok && strings.EqualFold(scheme, "Bearer") && tok != ""
}

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type   string             `json:"type"`
	Title  string             `json:"title"`
	Status int                `json:"status"`
	Detail string             `json:"detail,omitempty"`
	Errors []admin.FieldError `json:"errors,omitempty"`
}

// ProblemBase prefixes the problem type URIs.
const ProblemBase = "https://admit.dev/problems/"

func writeProblem(w http.ResponseWriter, status int, typ, title, detail string, errs []admin.FieldError) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(Problem{Type: ProblemBase + typ, Title: title, Status: status, Detail: detail, Errors: errs})
}

func unauthorized(w http.ResponseWriter, detail string) {
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="admit-admin", error="invalid_token", error_description=%q`, detail))
	writeProblem(w, http.StatusUnauthorized, "invalid-token", "Unauthorized", detail, nil)
}

func forbidden(w http.ResponseWriter, detail string) {
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="admit-admin", error="insufficient_scope", scope=%q`, Scope))
	writeProblem(w, http.StatusForbidden, "insufficient-scope", "Forbidden", detail, nil)
}

// fail renders a service error.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ve *admin.ValidationError
	switch {
	case errors.As(err, &ve):
		writeProblem(w, http.StatusUnprocessableEntity, "validation", "Validation Failed", "the request has invalid fields", ve.Errors)
	case errors.Is(err, admin.ErrUnauthenticated):
		unauthorized(w, "the token's principal no longer exists or is disabled")
	case errors.Is(err, admin.ErrForbidden):
		// The token has the scope: what is missing is a right, which RFC
		// 6750's insufficient_scope would misdescribe.
		if p, ok := r.Context().Value(principalKey{}).(admin.Principal); ok {
			h.Service.Refused(r.Context(), p, r.Method+" "+r.URL.Path, trimSentinel(err))
		}
		writeProblem(w, http.StatusForbidden, "forbidden", "Forbidden", "the principal may not do this", nil)
	case errors.Is(err, admin.ErrNotFound):
		writeProblem(w, http.StatusNotFound, "not-found", "Not Found", trimSentinel(err), nil)
	case errors.Is(err, admin.ErrUnsupported):
		writeProblem(w, http.StatusNotImplemented, "not-implemented", "Not Implemented", trimSentinel(err), nil)
	case errors.Is(err, admin.ErrConflict):
		writeProblem(w, http.StatusConflict, "conflict", "Conflict", trimSentinel(err), nil)
	case errors.Is(err, storage.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded):
		h.logger().WarnContext(r.Context(), "admin api: storage unavailable", "path", r.URL.Path, "error", err)
		w.Header().Set("Retry-After", "5")
		writeProblem(w, http.StatusServiceUnavailable, "unavailable", "Service Unavailable", "the service is temporarily unavailable; retry later", nil)
	default:
		h.logger().ErrorContext(r.Context(), "admin api: internal error", "path", r.URL.Path, "error", err)
		writeProblem(w, http.StatusInternalServerError, "internal", "Internal Server Error", "internal error", nil)
	}
}

// trimSentinel drops the ": admin: ..." suffix of a wrapped sentinel.
func trimSentinel(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ": admin: "); i >= 0 {
		return msg[:i]
	}
	return msg
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.Default()
	}
	return h.Logger
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decode reads a JSON body, which validate has already checked against the
// document (media type, size, shape), into v. Decoding can still fail where
// JSON Schema and Go types differ (an integer too large for int64), which
// is a malformed body too.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(r.Body)
	if err == nil {
		err = json.Unmarshal(body, v)
	}
	if err != nil {
		writeProblem(w, http.StatusBadRequest, "malformed", "Bad Request", "the body is not valid JSON for this operation",
			[]admin.FieldError{{Field: jsonField(err), Detail: err.Error()}})
		return false
	}
	if field, ok := nulField(body); ok {
		writeProblem(w, http.StatusBadRequest, "malformed", "Bad Request", "text fields cannot contain NUL characters",
			[]admin.FieldError{{Field: field, Detail: field + ": contains a NUL character"}})
		return false
	}
	return true
}

// nulField finds a string holding a NUL character (JSON allows "\u0000";
// Postgres text does not) and names its field: the request is refused
// before it reaches the store, which would fail with an internal error.
func nulField(body []byte) (string, bool) {
	var doc any
	if json.Unmarshal(body, &doc) != nil {
		return "", false
	}
	return findNUL(doc, "")
}

func findNUL(v any, path string) (string, bool) {
	switch x := v.(type) {
	case string:
		return path, strings.ContainsRune(x, 0)
	case map[string]any:
		for k, e := range x {
			if p, ok := findNUL(e, joinField(path, k)); ok || strings.ContainsRune(k, 0) {
				return p, true
			}
		}
	case []any:
		for i, e := range x {
			if p, ok := findNUL(e, path+"["+strconv.Itoa(i)+"]"); ok {
				return p, true
			}
		}
	}
	return "", false
}

func joinField(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func jsonField(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	return ""
}

package app

import (
	"context"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/console"
	"github.com/admit-idp/admit/login/devicegrant"
	"github.com/admit-idp/admit/op"
	"github.com/admit-idp/admit/op/endpoints"
	"github.com/admit-idp/admit/static"
	"github.com/admit-idp/admit/storage"
)

// The probes: health checks and metrics scrapes, which do not end a quiet
// spell (idleTrimmer).
const (
	healthzPath = "/healthz"
	readyzPath  = "/readyz"
	metricsPath = "/metrics"
)

// maxBodyBytes bounds every request body: OAuth and login forms are small,
// so anything larger is refused before it is read.
const maxBodyBytes = 64 << 10

func (a *App) routes() http.Handler {
	r := chi.NewRouter()
	// The proxy middleware comes first: everything after it reads the
	// client address (audit context, logs, limits) through login.ClientIP.
	proxies, _ := parseTrustedProxies(a.Config.TrustedProxies) // validated at load
	if len(proxies) > 0 {
		r.Use(proxies.middleware)
	}
	if a.idle != nil {
		r.Use(a.idle.Middleware)
	}
	r.Use(a.requestID, auditContext, a.recoverer, a.Metrics.Middleware, a.accessLog, limitBody, rejectMalformedInput)
	r.Get(healthzPath, healthz)
	r.Get(readyzPath, a.readyz)
	r.Handle(metricsPath, a.Metrics.Handler())
	r.Handle("/static/*", http.StripPrefix("/static/", static.Handler()))
	// Brand stylesheets and logos: Admit's own origin, nosniff (login/branding.go).
	r.With(securityHeaders(a.Config.Secure())).Mount(login.BrandPath, a.Engine.Brands.Routes())
	r.Group(a.pageRoutes)
	r.Group(a.adminRoutes)
	r.Group(a.protocolRoutes)
	return r
}

// pageRoutes are the browser pages: security headers and CSRF defences.
func (a *App) pageRoutes(r chi.Router) {
	r.Use(securityHeaders(a.Config.Secure()), crossOriginProtection().Handler, a.Engine.Localize)
	r.Mount(login.StartPath, a.Engine.Routes())
	r.Mount("/account", a.Account.Routes())
	r.Mount(devicegrant.Path, a.devicePages().Routes())
	r.Mount(console.Path, a.Console.Routes())
	r.Handle("/logout", a.logout)
	r.Get(login.SignedOutPath, login.SignedOut)
	a.devRoutes(r)
	a.devEventsRoutes(r)
}

// protocolRoutes are op's endpoints, behind the behaviour Admit adds to
// them (op/endpoints); discovery and JWKS are served from precomputed
// documents.
func (a *App) protocolRoutes(r chi.Router) {
	p := a.Protocol
	r.Use(apiHeaders, p.UnavailableAs503(), a.protocolLimits)
	disc := &discovery{app: a}
	for path, h := range map[string]http.HandlerFunc{"/.well-known/openid-configuration": disc.configuration, "/keys": disc.jwks} {
		r.With(useReserve, endpoints.PublicCORS).Get(path, h)
		r.With(useReserve, endpoints.PublicCORS).Options(path, h) // PublicCORS answers the preflight
	}
	r.Get(RolesPath, a.rolesCatalogue)
	cors := a.cors.Handler()
	r.With(useReserve, cors, p.DPoPUserinfo, endpoints.BearerErrors).Handle(endpoints.UserinfoPath, a.Provider)
	// Introspection is answered by Admit (op/endpoints), through op's
	// client authentication, with op's CORS.
	r.With(useReserve, cors, endpoints.ClientAuthErrors, endpoints.IntrospectionClientAuth).Handle(endpoints.IntrospectPath, p.Introspection(a.Provider))
	// Token exchange is answered by Admit (op/endpoints), after ClientAuth.
	// DPoP (RFC 9449) proofs are checked before any grant, token exchange
	// included; PAR (RFC 9126) authenticates clients as the token endpoint.
	r.With(useReserve, cors, endpoints.ClientAuth, p.DPoPToken, p.TokenExchange, p.DeviceTokenClientAuth, op.ResourceIndicators).Handle(endpoints.TokenPath, a.Provider)
	r.With(cors, endpoints.ClientAuth).HandleFunc(endpoints.PARPath, p.PushedAuthorization)
	r.With(endpoints.ClientAuth, p.DeviceClientAuth).Handle(endpoints.DeviceAuthorizationPath, a.Provider)
	r.With(useReserve, endpoints.ClientAuth).Handle("/revoke", a.Provider)
	r.Get("/authorize/callback", endpoints.ClosedCallback)
	r.With(a.Engine.Localize, p.PushedAuthorize, p.AuthorizeParams, op.ResourceIndicators).Handle(endpoints.AuthorizePath, p.Authorize())
	// end_session may answer with a page (the sign-out confirmation): it
	// gets the pages' security headers.
	r.With(securityHeaders(a.Config.Secure()), a.Engine.Localize).Handle(op.EndSessionPath, a.logout.ConfirmEndSession(a.Provider))
	r.Mount("/", a.Provider)
}

// useReserve lets a request use the Postgres connections kept in reserve
// (storage.WithReserve): the endpoints relying parties and resource servers
// call (token, refresh, userinfo, introspection, revocation, JWKS,
// discovery), which a login surge must not starve (issue 20). Everything
// else, /authorize, PAR and the device authorization endpoint (each starts
// a sign-in) included, shares the rest of the pool; so do background work
// and the operator commands, whose contexts carry no mark.
func useReserve(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(storage.WithReserve(r.Context())))
	})
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz checks both backends within two seconds.
func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	for name, ping := range map[string]func(context.Context) error{"database": a.Stores.Durable.Ping, "cache": a.Stores.Ephemeral.Ping} {
		if err := ping(ctx); err != nil {
			a.Logger.WarnContext(ctx, "readiness check failed", "backend", name, "error", err)
			w.Header().Set("Retry-After", "5")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(name + " unavailable\n"))
			return
		}
	}
	_, _ = w.Write([]byte("ready\n"))
}

// issuerContext lets code outside op's router (discovery) build absolute URLs.
func (a *App) issuerContext(ctx context.Context) context.Context {
	return zop.ContextWithIssuer(ctx, a.Config.Issuer)
}

package endpoints

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/admit-idp/admit/op"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/audit"
)

// Provider is what Protocol needs of zitadel's *op.Provider: it authorizes
// (/authorize, authorization responses) and exchanges tokens.
type Provider interface {
	zop.Authorizer
	zop.Exchanger
}

// Clients reads a client's registration (redirect URIs, tenant).
type Clients interface {
	GetClient(ctx context.Context, id string) (storage.Client, error)
}

// AuthRequestDeleter removes an answered authorization request.
type AuthRequestDeleter interface {
	DeleteAuthRequest(ctx context.Context, id string) error
}

// Limiter counts attempts per key (token exchange per client address).
type Limiter interface {
	AllowRate(ctx context.Context, key string, rate storage.Rate) (storage.RateResult, error)
}

// Auditor records audit events (token exchange, native sign-in).
type Auditor interface {
	Record(ctx context.Context, e audit.Event)
}

// Outages logs a backend failure once per outage (login.OutageLog).
type Outages interface {
	Failed(ctx context.Context, level slog.Level, msg string, err error, attrs ...slog.Attr) bool
}

// Pages are the login engine's pages the protocol endpoints answer a
// browser with (login.Engine).
type Pages interface {
	ErrorPage(w http.ResponseWriter, r *http.Request, status int, title, msg string)
	RequestGone(w http.ResponseWriter, r *http.Request, err error)
	Unavailable(w http.ResponseWriter, r *http.Request, err error)
}

// Protocol is the HTTP behaviour Admit adds around zitadel's op endpoints.
// cmd/admit/app builds one and mounts its handlers and middlewares; Pages
// may be set after construction (the login engine needs Protocol as its
// Respond and Errors).
type Protocol struct {
	Provider Provider
	// Issuer is the static issuer (zop.StaticIssuer), put into the context
	// of requests served outside op's router and into every authorization
	// response (RFC 9207).
	Issuer string
	// PageHeaders are the login pages' security headers, for the HTML
	// answers given at /authorize.
	PageHeaders  func(http.Handler) http.Handler
	Clients      Clients
	AuthRequests AuthRequestDeleter
	Pages        Pages
	Outages      Outages
	Limiter      Limiter
	Audit        Auditor
	// LoginSucceeded and LoginFailed count native sign-ins (token
	// exchange with an ID token), like the login pages' sign-ins.
	LoginSucceeded func(r *http.Request, method string)
	LoginFailed    func(r *http.Request, method, reason string)
	Logger         *slog.Logger
	// DPoP validates DPoP proofs (RFC 9449; dpop.go); Tokens reads the key
	// an access token is bound to. DPoPNonce makes the token and PAR
	// endpoints (§8) and userinfo (§9) require server nonces.
	DPoP      *op.DPoPVerifier
	DPoPNonce bool
	Tokens    TokenBinding
	// Introspections answers the introspection endpoint (introspect.go).
	Introspections Introspecter
	// Pushed stores pushed authorization requests and PushValidator
	// checks them (RFC 9126; par.go).
	Pushed        PushedRequests
	PushValidator PushValidator
	// Now is the clock of pushed requests' expiry (nil: time.Now).
	Now func() time.Time
}

// Paths of op's endpoints, as routed (zop.DefaultEndpoints).
var (
	AuthorizePath           = zop.DefaultEndpoints.Authorization.Relative()
	IntrospectPath          = zop.DefaultEndpoints.Introspection.Relative()
	TokenPath               = zop.DefaultEndpoints.Token.Relative()
	DeviceAuthorizationPath = zop.DefaultEndpoints.DeviceAuthorization.Relative()
)

// issuerContext lets code outside op's router build absolute URLs and
// verify tokens against the issuer.
func (p *Protocol) issuerContext(ctx context.Context) context.Context {
	return zop.ContextWithIssuer(ctx, p.Issuer)
}

// page serves h with the pages' security headers.
func (p *Protocol) page(w http.ResponseWriter, r *http.Request, h http.HandlerFunc) {
	p.PageHeaders(h).ServeHTTP(w, r)
}

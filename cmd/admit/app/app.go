package app

import (
	"context"
	"fmt"
	"github.com/admit-idp/admit/cmd/admit/app/idletrim"
	"log/slog"
	"net/http"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/admit-idp/admit/keys"
	"github.com/admit-idp/admit/keys/signed"
	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/account"
	"github.com/admit-idp/admit/login/console"
	"github.com/admit-idp/admit/login/defence"
	"github.com/admit-idp/admit/login/password"
	"github.com/admit-idp/admit/op"
	"github.com/admit-idp/admit/op/endpoints"
	"github.com/admit-idp/admit/op/events"
	"github.com/admit-idp/admit/storage/admin"
	"github.com/admit-idp/admit/storage/audit"
	"github.com/admit-idp/admit/storage/roles"
	"github.com/admit-idp/admit/templates/i18n"
)

// App is a configured Admit: stores, keys, the OpenID Provider and the login
// pages, ready to serve.
type App struct {
	Config   Config
	Stores   *Stores
	Keys     *keys.Manager
	Provider *zop.Provider
	Protocol *endpoints.Protocol // the HTTP behaviour around op's endpoints
	Engine   *login.Engine
	Account  *account.Area
	Accounts *Accounts // sign-up, verification, reset, account sections (accounts.go)
	Hasher   *password.Hasher
	Metrics  *Metrics
	Logger   *slog.Logger
	// Outages logs failures caused by an unavailable backend once per
	// outage plus a periodic count, not once per request (resilience.go).
	Outages *login.OutageLog
	Now     func() time.Time
	// Audit is the asynchronous audit-log writer; Defences the shared
	// lockout/rate-limit/CAPTCHA guard; LockoutNotifier, when set before
	// the first lockout, e-mails owners (see defences.go).
	Audit           *audit.Writer
	Defences        *defence.Guard
	LockoutNotifier defence.Notifier
	// Admin is the administration service (admin API, CLI, account area;
	// admin.go).
	Admin *admin.Service
	// Events delivers the outbox's events and back-channel logouts
	// (events.go); RunEvents runs it.
	Events *events.Worker
	// Console is the operator console at /console (console.go).
	Console *console.Handler
	// Roles is the role catalogue (config_roles.go); rolesDoc its JSON.
	Roles    *roles.Catalogue
	rolesDoc []byte
	// passkeysOn is set when passkeys are installed (not on an IP issuer).
	passkeysOn bool
	logout     *login.Logout
	handler    http.Handler
	// cors is op's CORS policy, also applied to the answers Admit gives
	// before op at the token, userinfo and PAR endpoints.
	cors *endpoints.CORSOrigins
	// idle returns a quiet server's memory (footprint.go); nil when
	// idle_trim_after is 0.
	idle *idletrim.Trimmer
	// serveWarnings are configuration warnings that concern a serving
	// node only (see warnAtServe).
	serveWarnings []serveWarning
}

type serveWarning struct {
	msg  string
	args []any
}

// warnAtServe keeps a warning about how the server will behave (no SMTP,
// no passkeys) for LogServeWarnings: an operator command such as
// `admit clients list` builds the same App but neither sends mail nor
// serves passkeys, and must not print warnings that do not concern it.
func (a *App) warnAtServe(msg string, args ...any) {
	a.serveWarnings = append(a.serveWarnings, serveWarning{msg: msg, args: args})
}

// LogServeWarnings logs the warnings kept by warnAtServe; `admit serve`
// calls it before it listens.
func (a *App) LogServeWarnings() {
	for _, w := range a.serveWarnings {
		a.Logger.Warn(w.msg, w.args...)
	}
}

// Options tune New for tests and benchmarks.
type Options struct {
	Now          func() time.Time
	PasswordHash *password.Hasher // nil: OWASP argon2id
}

// New builds an App on opened stores.
func New(ctx context.Context, cfg Config, st *Stores, log *slog.Logger, o Options) (*App, error) {
	a := &App{Config: cfg, Stores: st, Logger: log, Now: o.Now, Hasher: o.PasswordHash, Metrics: NewMetrics(st.Pool),
		Outages: &login.OutageLog{Logger: log}}
	if a.Now == nil {
		a.Now = func() time.Time { return time.Now().UTC() }
	}
	a.startAudit()
	a.announceChanges()
	if err := a.initRoles(); err != nil {
		return nil, err
	}
	if err := a.initKeys(ctx); err != nil {
		return nil, err
	}
	if a.Hasher == nil {
		h, err := password.New(password.OWASP)
		if err != nil {
			return nil, err
		}
		a.Hasher = h
	}
	// One hash budget for every argon2id a request triggers (sign-in,
	// timing floor, sign-up, password change, upgrades): config_hash.go.
	a.Hasher.UseBudget(password.NewBudget(cfg.Hash.Slots(), cfg.Hash.QueueWait))
	a.Metrics.observeHashBudget(a.Hasher.Budget())
	if err := a.buildProvider(); err != nil {
		return nil, err
	}
	if err := a.addSocial(); err != nil {
		return nil, err
	}
	a.addWallet()
	a.Accounts = a.addAccounts()
	if err := a.addPasskey(); err != nil {
		return nil, err
	}
	a.addDefences()
	a.addAdmin()
	if err := a.startEvents(ctx); err != nil {
		return nil, err
	}
	a.Console = a.addConsole()
	a.idle = a.idleTrimmer()
	a.handler = a.routes()
	return a, nil
}

func (a *App) initKeys(ctx context.Context) error {
	extra, err := a.Config.ExtraSigningAlgs()
	if err != nil {
		return err
	}
	a.Keys = &keys.Manager{
		Store: a.Stores.Durable, Sealer: a.Stores.Sealer, Algorithm: jose.SignatureAlgorithm(a.Config.SigningAlg),
		Extra: extra, Grace: a.Config.KeyGrace, Now: a.Now, Logger: a.Logger,
	}
	if err := a.Keys.Init(ctx); err != nil {
		return fmt.Errorf("signing keys: %w", err)
	}
	return nil
}

// Handler serves everything: protocol endpoints, login pages, operations.
func (a *App) Handler() http.Handler { return a.handler }

func (a *App) buildProvider() error {
	logout := &login.Logout{Signer: a.signer("logout redirect"), EndSessionPath: op.EndSessionPath}
	st := a.opStorage(logout)
	provider, err := zop.NewProvider(a.opConfig(), st, zop.StaticIssuer(a.Config.Issuer), a.opOptions(st)...)
	if err != nil {
		return fmt.Errorf("openid provider: %w", err)
	}
	a.Provider = provider
	a.Protocol = a.protocol(provider, st)
	a.Engine = a.loginEngine()
	a.Engine.Clients = st.CachedClients() // the protocol's row cache (op/rowcache.go)
	a.Protocol.Pages = a.Engine
	logout.Sessions, logout.Engine = a.Engine.Sessions, a.Engine
	logout.Hints = a.Protocol
	a.logout = logout
	a.Account = &account.Area{
		Engine: a.Engine, Sessions: a.Engine.Sessions, Users: a.Stores.Durable, Cookies: a.Engine.Cookies,
		Hasher: a.Hasher, Now: a.Now, FrontChannel: logout,
	}
	a.addTOTP()
	return nil
}

func (a *App) opStorage(logout *login.Logout) *op.Storage {
	d, e := a.Stores.Durable, a.Stores.Ephemeral
	return &op.Storage{
		Users: d, Clients: d, RefreshTokens: d, Sessions: d, AuthRequests: e, Revocations: e, Keys: a.Keys,
		Issuer:       a.Config.Issuer,
		LoginURL:     func(id string) string { return "/login?id=" + id },
		LogoutURL:    logout.URL,
		TokenIssued:  a.Metrics.TokenIssued,
		GrantRevoked: a.grantRevoked,
		ExtraClaims:  a.allClaims,
		Now:          a.Now, Logger: a.Logger,
		Authorizer: a.Roles, Grants: d, MaxTokenVenues: a.Config.Roles.TokenVenueLimit(),
		LegacyClaimsClients:  a.Config.Roles.LegacyClaimsClients,
		RefreshReuseInterval: a.Config.Resilience.RefreshReuseInterval,
		Device:               a.deviceGrant(), Exchange: &op.TokenExchange{},
		Stamps: a.Stores.Stamps,
		APIs:   d, OpaqueKey: a.derivedKey("opaque access tokens"),
	}
}

func algNames(algs []jose.SignatureAlgorithm) []string {
	out := make([]string, len(algs))
	for i, a := range algs {
		out[i] = string(a)
	}
	return out
}

// derivedKey is a 32-byte key for one purpose, derived from the master key.
func (a *App) derivedKey(purpose string) []byte {
	k, err := keys.DeriveKey(a.Stores.MasterKey, purpose)
	if err != nil {
		panic(err) // the master key is 32 bytes (keys.ParseMasterKey) and purposes are constants
	}
	return k
}

func (a *App) opConfig() *zop.Config {
	return &zop.Config{
		DefaultLogoutRedirectURI: login.SignedOutPath,
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		AuthMethodPrivateKeyJWT:  true,
		GrantTypeRefreshToken:    true,
		SupportedUILocales:       i18n.Supported, // discovery's ui_locales_supported
		SupportedScopes:          SupportedScopes,
		SupportedClaims:          supportedClaims,
		DeviceAuthorization:      a.deviceGrant().Config(),
	}
}

func (a *App) opOptions(st *op.Storage) []zop.Option {
	origins := &endpoints.CORSOrigins{Clients: a.Stores.Durable, Now: a.Now, Logger: a.Logger}
	a.cors = origins
	opts := []zop.Option{zop.WithCrypto(st), zop.WithLogger(a.Logger), zop.WithCORSOptions(origins.Options()),
		// ID tokens are signed with the client's id_token_signed_response_alg:
		// an id_token_hint may carry any algorithm Admit signs with (op
		// checks RS256 only by default).
		zop.WithIDTokenHintVerifierOpts(zop.WithSupportedIDTokenHintSigningAlgorithms(algNames(a.Keys.SigningAlgorithms())...))}
	if !a.Config.Secure() {
		opts = append(opts, zop.WithAllowInsecure())
	}
	return opts
}

// SupportedScopes are the scopes Admit knows.
var SupportedScopes = []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess, ScopeWallet, op.ScopeVenues}

var supportedClaims = []string{
	"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "sid", "at_hash", "c_hash",
	"name", "given_name", "family_name", "locale", "updated_at", "email", "email_verified",
	ClaimWallets, op.ClaimTenantID, op.ClaimRoles, op.ClaimPermissions, op.ClaimVenueRoles,
}

// protocol is the glue around op's endpoints; its Pages are the login
// engine's, set once the engine exists (the engine answers through it).
func (a *App) protocol(provider *zop.Provider, st *op.Storage) *endpoints.Protocol {
	return &endpoints.Protocol{
		DPoP:      &op.DPoPVerifier{Proofs: a.Stores.Ephemeral, Nonces: a.signer("dpop nonce"), Now: a.Now},
		DPoPNonce: a.Config.DPoPNonce, Tokens: st, Introspections: st,
		Pushed: a.Stores.Ephemeral, PushValidator: st, Now: a.Now,
		Provider: provider, Issuer: a.Config.Issuer, PageHeaders: securityHeaders(a.Config.Secure()),
		Clients: a.Stores.Durable, AuthRequests: a.Stores.Ephemeral, Limiter: a.Stores.Ephemeral,
		Outages: a.Outages, Audit: a.Audit, Logger: a.Logger,
		LoginSucceeded: a.Metrics.LoginSucceeded, LoginFailed: a.Metrics.LoginFailed,
	}
}

func (a *App) loginEngine() *login.Engine {
	d, e := a.Stores.Durable, a.Stores.Ephemeral
	cookies := login.Cookies{Secure: a.Config.Secure()}
	eng := &login.Engine{
		Flows: e, AuthRequests: e, Clients: d, Users: d, Tenants: d, Consents: d, Cookies: cookies,
		Sessions:       &login.Sessions{Store: d, Cookies: cookies, Lifetime: a.Config.SessionLifetime, Now: a.Now},
		Respond:        a.Protocol.Respond,
		Errors:         a.Protocol,
		Brands:         &login.Branding{Store: d, Now: a.Now},
		LoginSucceeded: a.Metrics.LoginSucceeded, LoginFailed: a.Metrics.LoginFailed,
		Now: a.Now, Logger: a.Logger, Outages: a.Outages,
	}
	eng.Methods = []login.Method{&password.Method{Engine: eng, Users: d, Hasher: a.Hasher, Now: a.Now, Logger: a.Logger}}
	return eng
}

// signer returns the purpose's signer, keyed from the master key
// (keys/signed derives one key per purpose with HKDF) so no extra secret
// needs configuring.
func (a *App) signer(purpose string) *signed.Signer {
	s, err := signed.New(a.Stores.MasterKey, purpose, a.Now)
	if err != nil {
		panic(err) // the master key is 32 bytes (keys.ParseMasterKey) and purposes are constants
	}
	return s
}

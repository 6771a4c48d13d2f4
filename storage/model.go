package storage

import (
	"slices"
	"time"
)

// User is an account. Email is stored normalised (trimmed, lower case).
type User struct {
	ID string
	// TenantID is the user's tenant; the e-mail is unique per tenant.
	// Backends store an empty TenantID as DefaultTenantID.
	TenantID string
	// TenantStatus is read-only: backends fill it from the tenant when they
	// read the user (in the same query), so sign-in and token paths see a
	// suspension without another round trip.
	TenantStatus  string
	Email         string
	EmailVerified bool
	// PasswordHash is self-describing: a PHC string for argon2id
	// ("$argon2id$v=19$m=19456,t=2,p=1$salt$hash"), a bcrypt hash ("$2a$…")
	// carried over from the old service, or an imported format that
	// login/password verifies and upgrades (argon2i, scrypt, PBKDF2, and
	// FirebaseScryptHash's). Empty when the user has no password.
	PasswordHash string
	GivenName    string
	FamilyName   string
	Locale       string
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TenantSuspended reports whether the user's tenant is suspended.
func (u User) TenantSuspended() bool { return u.TenantStatus == TenantSuspended }

// Name is the display name built from the given and family names.
func (u User) Name() string {
	switch {
	case u.GivenName == "":
		return u.FamilyName
	case u.FamilyName == "":
		return u.GivenName
	}
	return u.GivenName + " " + u.FamilyName
}

// Client authentication methods (RFC 7591 token_endpoint_auth_method values).
const (
	AuthMethodBasic         = "client_secret_basic"
	AuthMethodPost          = "client_secret_post"
	AuthMethodPrivateKeyJWT = "private_key_jwt"
	AuthMethodNone          = "none"
)

// Client is a registered relying party.
type Client struct {
	ID string
	// TenantID is the client's tenant: it signs in only users of it.
	// Backends store an empty TenantID as DefaultTenantID.
	TenantID string
	// TenantStatus is read-only, filled from the tenant (see User).
	TenantStatus string
	Name         string
	// SecretHash is the hex SHA-256 of the client secret; empty for public
	// clients. Secrets are generated with 256 bits of entropy, so a fast hash
	// is the right tool (unlike passwords).
	SecretHash string
	// Public clients (SPAs, native apps) have no secret and must use PKCE.
	Public                 bool
	AuthMethod             string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	GrantTypes             []string
	Scopes                 []string
	// FirstParty clients skip the consent page.
	FirstParty bool
	// RequireMFA makes every login to this client use a second factor
	// (users without one are led through TOTP enrolment).
	RequireMFA bool
	// JWKS holds the client's public keys (a JSON Web Key Set) for
	// private_key_jwt authentication.
	JWKS                 []byte
	AccessTokenLifetime  time.Duration
	IDTokenLifetime      time.Duration
	RefreshTokenLifetime time.Duration
	CreatedAt            time.Time

	// Resource indicators and signing algorithms (issues 19 and 20).
	//
	// AllowedResources are the identifiers of the APIs (of the client's
	// tenant) the client may ask tokens for with "resource" (RFC 8707);
	// none means only tokens whose audience is the client itself.
	AllowedResources []string
	// IDTokenSignedResponseAlg is the registered "id_token_signed_response_alg"
	// (OpenID Connect Dynamic Client Registration section 2); empty is RS256.
	IDTokenSignedResponseAlg string
	// AccessTokenSignedResponseAlg signs the client's JWT access tokens
	// unless the API they are for names its own; empty is the instance
	// default.
	AccessTokenSignedResponseAlg string

	// DPoPBoundAccessTokens (RFC 9449 §5.2 client metadata
	// dpop_bound_access_tokens) makes every token request of this client
	// carry a DPoP proof: access tokens are always sender-constrained.
	DPoPBoundAccessTokens bool
	// RequirePushedAuthorizationRequests (RFC 9126 §6) makes /authorize
	// accept this client's requests only by a request_uri from the PAR
	// endpoint.
	RequirePushedAuthorizationRequests bool

	// Logout notification (issue 19). BackchannelLogoutURI receives a
	// signed logout token when a session through which the client got
	// tokens ends (OpenID Connect Back-Channel Logout 1.0 §2.2);
	// BackchannelLogoutSessionRequired: the token must carry "sid".
	// FrontchannelLogoutURI is rendered in an iframe of the sign-out page
	// (Front-Channel Logout 1.0 §2); FrontchannelLogoutSessionRequired adds
	// the "iss" and "sid" query parameters.
	BackchannelLogoutURI              string
	BackchannelLogoutSessionRequired  bool
	FrontchannelLogoutURI             string
	FrontchannelLogoutSessionRequired bool

	// LogoURI, PolicyURI and TOSURI are the client metadata of OpenID
	// Connect Dynamic Client Registration 1.0 §2 (logo_uri, policy_uri,
	// tos_uri), https only (storage/admin checks). The consent page links
	// the policy and terms; it shows the client's uploaded brand logo
	// (served from Admit's origin) rather than LogoURI, which the pages' CSP
	// (img-src 'self') would block.
	LogoURI, PolicyURI, TOSURI string
}

// TenantSuspended reports whether the client's tenant is suspended.
func (c Client) TenantSuspended() bool { return c.TenantStatus == TenantSuspended }

// AllowsGrant reports whether the client registered the grant type.
func (c Client) AllowsGrant(grant string) bool { return slices.Contains(c.GrantTypes, grant) }

// Consent is the set of scopes a user granted a client.
type Consent struct {
	UserID    string
	ClientID  string
	Scopes    []string
	GrantedAt time.Time
}

// Covers reports whether every scope is in the consent.
func (c Consent) Covers(scopes []string) bool {
	for _, s := range scopes {
		if !slices.Contains(c.Scopes, s) {
			return false
		}
	}
	return true
}

// RefreshToken is one link of a rotation chain. All rotations of one grant
// share FamilyID; presenting a rotated link revokes the family.
type RefreshToken struct {
	ID        string
	Hash      string // hex SHA-256 of the opaque token value
	FamilyID  string
	ClientID  string
	UserID    string
	Scopes    []string
	AMR       []string
	ACR       string
	AuthTime  time.Time
	SessionID string
	CreatedAt time.Time
	ExpiresAt time.Time
	// RotatedAt is set once the token has been exchanged for its successor.
	RotatedAt time.Time
	// RevokedAt is set when the token (or its family) was revoked.
	RevokedAt time.Time
	// Resources are the API identifiers granted with the token (RFC 8707):
	// a refresh may ask for an access token for one of them.
	Resources []string
	// DPoPJKT is the JWK SHA-256 thumbprint (RFC 7638) of the DPoP key
	// the token is bound to (RFC 9449 §5: a public client's refresh token
	// is usable only with a proof of that key); empty when unbound.
	// Rotation keeps it.
	DPoPJKT string
}

// Usable reports whether the token may be exchanged at now.
func (t RefreshToken) Usable(now time.Time) bool {
	return t.RotatedAt.IsZero() && t.RevokedAt.IsZero() && now.Before(t.ExpiresAt)
}

// Session is a browser SSO session. The cookie holds a random token; only its
// SHA-256 is stored.
type Session struct {
	ID         string
	TokenHash  string
	UserID     string
	AuthTime   time.Time
	AMR        []string
	ACR        string
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	// MFAAt is when the session last proved a second factor (zero: never);
	// a step-up request within login.MFAWindow of it is not asked again.
	MFAAt time.Time
}

// Key states of a signing key's life.
const (
	KeyNext    = "next"    // published in JWKS, not yet signing
	KeyActive  = "active"  // signing, published
	KeyRetired = "retired" // no longer signing, published during the grace period
)

// SigningKey is a stored key pair; PrivateKey is encrypted at rest (AES-256-GCM
// under the master key) and opaque to the store.
type SigningKey struct {
	ID          string // the JWK "kid"
	Algorithm   string // RS256, ES256
	State       string // KeyNext, KeyActive, KeyRetired
	PrivateKey  []byte // sealed PKCS#8
	CreatedAt   time.Time
	ActivatedAt time.Time
	RetiredAt   time.Time
}

// AuthRequest is an OpenID Connect authorization request and, once the login
// finished, its outcome.
type AuthRequest struct {
	ID                  string
	ClientID            string
	RedirectURI         string
	Scopes              []string
	ResponseType        string
	ResponseMode        string
	State               string
	Nonce               string
	CodeChallenge       string
	CodeChallengeMethod string
	Prompt              []string
	// MaxAge in seconds; negative when the request had no max_age.
	MaxAge int64
	// HintSubject is the subject of a verified id_token_hint.
	HintSubject string
	LoginHint   string
	ACRValues   []string
	UILocales   []string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	// DPoPJKT binds the authorization code to a DPoP key (RFC 9449 §10,
	// the dpop_jkt parameter): the code is exchanged only with a proof of
	// that key. Empty when unbound.
	DPoPJKT string

	// Set by CompleteAuthRequest.
	Done      bool
	UserID    string
	AuthTime  time.Time
	AMR       []string
	ACR       string
	SessionID string

	// Resources are the API identifiers requested with "resource" (RFC
	// 8707), checked against the client's allowlist.
	Resources []string
}

// AuthCompletion is the outcome of a finished login.
type AuthCompletion struct {
	UserID    string
	AuthTime  time.Time
	AMR       []string
	ACR       string
	SessionID string
}

// AuthCode is an issued authorization code (by hash) with the completed
// request it was issued for.
type AuthCode struct {
	Hash    string
	Request AuthRequest
	// ExpiresAt ends the code's validity (60 s after issue).
	ExpiresAt time.Time
	// KeepUntil is how long the record is kept so that a replay is recognised
	// (and the grant revoked) rather than answered "unknown code".
	KeepUntil time.Time
}

// LoginFlow is the server-side state of one login: the factors satisfied so
// far for one authorization request in one browser.
type LoginFlow struct {
	ID            string
	AuthRequestID string
	// TenantID is the tenant the flow signs in to: the client's, or for a
	// local flow (Admit's own pages) the one chosen when it started.
	TenantID string
	// UserID is set once a factor has identified the user.
	UserID string
	// AMR lists satisfied factors (RFC 8176 values: "pwd", "otp", "hwk", ...).
	AMR []string
	// Failures counts failed attempts in this flow.
	Failures int
	// Data is authenticator-private state (challenges and the like), keyed by
	// authenticator name.
	Data      map[string]string
	CreatedAt time.Time
	ExpiresAt time.Time
}

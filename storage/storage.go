package storage

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors. Backends wrap them (fmt.Errorf("...: %w", ErrNotFound)) so
// callers test with errors.Is.
var (
	// ErrNotFound: no such record, or it has expired (an expired record is
	// indistinguishable from a missing one).
	ErrNotFound = errors.New("storage: not found")
	// ErrAlreadyExists: a unique key (id, e-mail, token hash) is taken.
	ErrAlreadyExists = errors.New("storage: already exists")
	// ErrAlreadyUsed: a single-use record (authorization code, refresh token)
	// was presented again after it had been consumed. The caller treats this as
	// replay and revokes what the first use issued.
	ErrAlreadyUsed = errors.New("storage: already used")
	// ErrUnavailable: the backend could not be reached or timed out. It is
	// retryable; HTTP layers answer 503 (temporarily_unavailable).
	ErrUnavailable = errors.New("storage: backend unavailable")
)

// Users is the user aggregate (durable).
type Users interface {
	// CreateUser stores u. ErrAlreadyExists if the ID or, in u's tenant,
	// the (normalised, lower-case) e-mail is taken; ErrNotFound if the
	// tenant does not exist.
	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, id string) (User, error)
	// GetUserByEmail looks up by tenant and normalised e-mail (callers pass
	// lower case).
	GetUserByEmail(ctx context.Context, tenantID, email string) (User, error)
	// SetPasswordHash replaces the stored hash (used to upgrade bcrypt or old
	// argon2 parameters after a successful login). ErrNotFound if no user.
	SetPasswordHash(ctx context.Context, userID, hash string, at time.Time) error
}

// Clients is the OAuth client aggregate (durable).
type Clients interface {
	// CreateClient: ErrAlreadyExists if the ID is taken.
	CreateClient(ctx context.Context, c Client) error
	GetClient(ctx context.Context, id string) (Client, error)
	// ListClients returns all clients ordered by ID.
	ListClients(ctx context.Context) ([]Client, error)
	// DeleteClient: ErrNotFound if there is no such client.
	DeleteClient(ctx context.Context, id string) error
}

// Consents records which scopes a user granted to a client (durable).
type Consents interface {
	// GetConsent: ErrNotFound if the user never consented to the client.
	GetConsent(ctx context.Context, userID, clientID string) (Consent, error)
	// SaveConsent inserts or replaces the consent of (UserID, ClientID).
	SaveConsent(ctx context.Context, c Consent) error
	// DeleteConsent: ErrNotFound if there was none.
	DeleteConsent(ctx context.Context, userID, clientID string) error
}

// RefreshTokens is the refresh-token aggregate (durable). Tokens are looked up
// by the SHA-256 of the opaque value handed to the client; the value itself is
// never stored.
type RefreshTokens interface {
	// CreateRefreshToken: ErrAlreadyExists if the hash is taken.
	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	// GetRefreshToken returns the token by hash, whatever its state (rotated,
	// revoked or expired), so the caller can tell replay from an unknown token.
	// ErrNotFound only if no record exists.
	GetRefreshToken(ctx context.Context, hash string) (RefreshToken, error)
	// RotateRefreshToken atomically marks the token with oldHash as rotated at
	// next.CreatedAt and stores next. Exactly one of several concurrent
	// rotations of the same token succeeds; the others get ErrAlreadyUsed and
	// store nothing. ErrNotFound if oldHash is unknown, ErrAlreadyUsed if it is
	// rotated or revoked already.
	RotateRefreshToken(ctx context.Context, oldHash string, next RefreshToken) error
	// ReuseRefreshToken is RotateRefreshToken for a retry of a token that
	// was rotated already, its response lost on the way to the client: if
	// oldHash is not revoked, was rotated at or after rotatedSince, and the
	// token that replaced it has not been used (neither rotated nor
	// revoked), it atomically marks that successor rotated at
	// next.CreatedAt (superseded: the client never got it), records next as
	// oldHash's replacement and stores next. A later retry may supersede
	// next in turn. The superseded successor records no replacement of its
	// own, so a reuse of it gets ErrAlreadyUsed (replay). ErrAlreadyUsed
	// otherwise (rotated before rotatedSince, never rotated, revoked, its
	// successor used, superseded, or rotated before the store recorded
	// successors), storing nothing. The family never forks:
	// whatever mix of reuses and rotations runs concurrently, it ends with
	// exactly one usable token, and every call that could not claim the
	// then-current successor gets ErrAlreadyUsed. ErrNotFound if oldHash is
	// unknown.
	ReuseRefreshToken(ctx context.Context, oldHash string, rotatedSince time.Time, next RefreshToken) error
	// RevokeRefreshFamily marks every token of the family revoked (idempotent).
	RevokeRefreshFamily(ctx context.Context, familyID string, at time.Time) error
	// RevokeRefreshTokens revokes every token of the user, for one client if
	// clientID is not empty (idempotent). It returns the revoked family IDs.
	RevokeRefreshTokens(ctx context.Context, userID, clientID string, at time.Time) ([]string, error)
	// RevokeSessionRefreshTokens revokes the user's tokens issued under the
	// browser session (rotations keep it), when that session is signed out
	// from the account area (idempotent). It returns the family IDs.
	RevokeSessionRefreshTokens(ctx context.Context, userID, sessionID string, at time.Time) ([]string, error)
}

// Sessions is the browser SSO session aggregate (durable).
type Sessions interface {
	// CreateSession: ErrAlreadyExists if the ID or token hash is taken.
	CreateSession(ctx context.Context, s Session) error
	// GetSessionByTokenHash returns a session that has not expired;
	// ErrNotFound otherwise.
	GetSessionByTokenHash(ctx context.Context, tokenHash string) (Session, error)
	// TouchSession records activity. ErrNotFound if there is no such session.
	TouchSession(ctx context.Context, id string, at time.Time, ip, userAgent string) error
	// DeleteSession is idempotent (deleting a missing session is not an error).
	DeleteSession(ctx context.Context, id string) error
	// DeleteUserSessions deletes every session of the user (idempotent).
	DeleteUserSessions(ctx context.Context, userID string) error
	// ListUserSessions returns one page of the user's unexpired sessions,
	// newest (CreatedAt) first, ties by greater ID first. Next is a
	// TimeCursor; a p.After that is not one is ErrBadCursor.
	ListUserSessions(ctx context.Context, userID string, p PageRequest) (Page[Session], error)
	// DeleteUserSession deletes one of the user's sessions; ErrNotFound if
	// the user has no such unexpired session.
	DeleteUserSession(ctx context.Context, userID, id string) error
}

// SigningKeys stores the provider's signing keys (durable). Private keys are
// stored only encrypted (see package keys); the store never sees plaintext.
type SigningKeys interface {
	// ListSigningKeys returns all keys, oldest first.
	ListSigningKeys(ctx context.Context) ([]SigningKey, error)
	// CreateSigningKey: ErrAlreadyExists if the ID is taken, or if k is
	// active/next and a key of that state and algorithm exists already.
	CreateSigningKey(ctx context.Context, k SigningKey) error
	// RotateSigningKeys atomically, for the algorithm of newNext: retires the
	// active key (RetiredAt = at), promotes the next key (ActivatedAt = at) and
	// stores newNext as the next key. ErrNotFound if there is no next key.
	RotateSigningKeys(ctx context.Context, newNext SigningKey, at time.Time) error
	// DeleteRetiredSigningKeys removes keys retired before the given time.
	DeleteRetiredSigningKeys(ctx context.Context, retiredBefore time.Time) error
}

// AuthRequests holds authorization requests and their codes (ephemeral: every
// record carries ExpiresAt and is gone, ErrNotFound, after it).
type AuthRequests interface {
	// CreateAuthRequest: ErrAlreadyExists if the ID is taken.
	CreateAuthRequest(ctx context.Context, r AuthRequest) error
	GetAuthRequest(ctx context.Context, id string) (AuthRequest, error)
	// CompleteAuthRequest records the finished login on the request.
	// ErrNotFound if it does not exist or has expired.
	CompleteAuthRequest(ctx context.Context, id string, c AuthCompletion) error
	// DeleteAuthRequest is idempotent.
	DeleteAuthRequest(ctx context.Context, id string) error

	// SaveAuthCode stores a code (by hash) with a snapshot of its completed
	// request. ErrAlreadyExists if the hash is taken.
	SaveAuthCode(ctx context.Context, c AuthCode) error
	// GetAuthCode returns the code's request without consuming it, so the
	// caller can check the client and PKCE before spending the code:
	// ErrAlreadyUsed (with the request) once consumed, ErrNotFound for
	// unknown codes and unused codes past ExpiresAt.
	GetAuthCode(ctx context.Context, hash string) (AuthRequest, error)
	// ConsumeAuthCode atomically marks the code used and returns its request.
	// The first call wins; every later call gets ErrAlreadyUsed together with
	// the request (so the caller knows which grant to revoke) for as long as
	// the record is kept (AuthCode.KeepUntil). ErrNotFound for unknown codes
	// and for unused codes past ExpiresAt.
	ConsumeAuthCode(ctx context.Context, hash string) (AuthRequest, error)
}

// LoginFlows holds the server-side state of logins in progress (ephemeral).
type LoginFlows interface {
	// PutLoginFlow creates or replaces the flow (keyed by ID).
	PutLoginFlow(ctx context.Context, f LoginFlow) error
	// GetLoginFlow: ErrNotFound if missing or expired.
	GetLoginFlow(ctx context.Context, id string) (LoginFlow, error)
	// DeleteLoginFlow is idempotent.
	DeleteLoginFlow(ctx context.Context, id string) error
}

// Revocations is a deny-list for self-contained access tokens (ephemeral).
// An entry lives until the latest moment a token it covers could still be
// valid, then disappears.
type Revocations interface {
	// Revoke adds key (an access-token ID or a grant ID) until the given time.
	Revoke(ctx context.Context, key string, until time.Time) error
	// IsRevoked reports whether any of the keys is on the list.
	IsRevoked(ctx context.Context, keys ...string) (bool, error)
}

// Stamps are change stamps of durable rows that a node keeps in memory
// between requests (op caches users with their role grants, and clients).
// A stamp key names a row ("user:<id>", "tenant:<id>", "client:<id>"); every
// write of the row gives its key a new stamp (Restamp), on the shared store,
// so every node sees the change on its next check. A stamp may also change
// without a Restamp (the cache lost its data): a reader may conclude only
// "unchanged" from equal stamps, never the opposite.
type Stamps interface {
	// Restamp gives each key a new, unpredictable stamp.
	Restamp(ctx context.Context, keys ...string) error
	// CheckRevokedStamped is IsRevoked(revocationKeys...) together with the
	// current stamps of stampKeys (same order), in one round trip: the hot
	// path of userinfo and introspection checks the deny-list and whether
	// its cached rows are still current at once. A key never stamped has a
	// stamp too (stable until the key is restamped or the data is lost).
	CheckRevokedStamped(ctx context.Context, revocationKeys, stampKeys []string) (revoked bool, stamps []string, err error)
}

// Stamp keys of the rows nodes cache: a user (with their role grants), a
// tenant (its status) and a client.
func UserStamp(id string) string   { return "user:" + id }
func TenantStamp(id string) string { return "tenant:" + id }
func ClientStamp(id string) string { return "client:" + id }

// Durable is what must survive restarts: Postgres in production, memory in
// development.
type Durable interface {
	Users
	Clients
	Consents
	RefreshTokens
	Sessions
	SigningKeys
	Identities
	TOTPCredentials
	Wallets
	Passkeys
	AccountTokens
	UserAdmin
	AuditLog
	Devices
	Tenants
	RoleGrants
	Directory
	RevocationRecords
	LockRecords
	APIs
	Outbox
	SessionClients
	ConsoleCounts
	Brands
	// Ping reports whether the backend is reachable (readiness).
	Ping(ctx context.Context) error
}

// Ephemeral is short-lived state with expiry: Redis in production, memory in
// development.
type Ephemeral interface {
	AuthRequests
	LoginFlows
	Revocations
	Stamps
	TOTPEphemeral
	WalletNonces
	PasskeyChallenges
	RateLimiter
	FailureCounters
	DeviceAuthorizations
	DPoPProofs
	PushedRequests
	Ping(ctx context.Context) error
}

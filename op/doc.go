// Package op adapts Admit's storage to zitadel/oidc's OpenID Provider
// (github.com/zitadel/oidc/v3/pkg/op), which parses and validates every
// protocol request. Storage implements op.Storage plus the optional
// client-credentials, userinfo-from-request and terminate-session-from-request
// interfaces.
//
// # Access tokens (RFC 9068)
//
// Access tokens are JWTs with header typ "at+jwt" and the claims iss, sub,
// aud (the client, or the APIs asked for: see below), exp, iat, jti, client_id, scope, auth_time, acr, amr, sid,
// gid (the grant) and the tenant and role claims below, so resource servers
// verify them with the JWKS alone.
// op signs its own JWT access tokens with typ "JWT", so Admit mints them
// itself: clients report AccessTokenTypeBearer, CreateAccessToken returns the
// signed JWT as the "token ID", and Storage, installed as op's Crypto
// (op.WithCrypto), hands it back unchanged from Encrypt. Decrypt verifies an
// access token (signature, typ, issuer, expiry) and returns its payload as
// the token ID, so SetUserinfoFromToken and SetIntrospectionFromToken see all
// claims. Introspection itself is answered by Storage.Introspect
// (introspect.go, mounted by op/endpoints), which verifies the token and
// builds the answer in one step and encodes it once. Encrypt also makes
// authorization codes: 256 random bits.
//
// # Resource indicators and signing algorithms (resources.go, opaque.go)
//
// Registered APIs (storage.API) are the targets a client names with
// "resource" (RFC 8707): ResourceIndicators, mounted in front of
// /authorize and the token endpoint, puts the parameters in the context,
// since op does not pass them on. CreateAuthRequest checks them (an API of
// the client's tenant, in its AllowedResources: else invalid_target) and
// keeps them on the request and then on the refresh-token family; the code,
// refresh and client_credentials grants and token exchange shape the access
// token for the APIs asked for, among those granted (aud = the
// identifiers, scopes narrowed to the APIs', the API's lifetime and
// algorithm). Tokens for opaque APIs are the same JWT sealed as a
// compact JWE for Admit itself (Storage.OpaqueKey); introspection of a token
// for an API answers only that API's introspection client.
//
// Keys of several algorithms are active at once (KeySource.SigningKeyFor).
// Access tokens use the API's algorithm, else the client's
// AccessTokenSignedResponseAlg, else the default; op signs ID tokens with
// Storage.SigningKey, which picks the presenting client's
// IDTokenSignedResponseAlg (OpenID Connect Dynamic Client Registration 2).
//
// # Tenants and roles
//
// Every user and client belongs to a tenant; the store returns the tenant's
// status with the record (no extra query). A client of a suspended tenant
// is refused like an unknown client (invalid_client; at /authorize an error
// page, never a redirect; at client_credentials unauthorized_client, as op
// has authenticated it by then); a user of a suspended tenant gets
// invalid_grant where a disabled user does, and so does a user of another
// tenant than the client's (code exchange and refresh; the login pages
// refuse it first).
//
// Access tokens carry tenant_id (the user's, or the client's for
// client_credentials). With Storage.Authorizer and Storage.Grants set, user
// tokens also carry roles (global roles, defaults included) and permissions
// (their union), computed from one UserRoleGrants read at issue time (the
// injected clock decides which grants are in force), and, only with the
// "venues" scope, venue_roles {"<venue id>": ["box-office", ...]} for at
// most MaxTokenVenues venues. Past the limit the token carries OIDC Core
// 5.6.2 distributed-claims pointers instead:
//
//	"_claim_names":   {"venue_roles": "venues"},
//	"_claim_sources": {"venues": {"endpoint": "<issuer>/userinfo"}}
//
// and a resource server calls that endpoint with the same access token
// (Authorization: Bearer): userinfo answers tenant_id, roles, permissions
// and, for a token with the venues scope, every venue role, read fresh.
// op's userinfo endpoint does not require the openid scope, so this works
// for any user access token. Id tokens carry tenant_id only.
//
// # Grants, codes and refresh tokens
//
// Every token belongs to a grant: the authorization request ID for the code
// flow (and the refresh-token family it starts), a fresh ID per
// client_credentials issue. Codes live 60 s. op looks a code up before it
// authenticates the client and checks PKCE, so AuthRequestByCode only reads
// it; the code is spent atomically when tokens are issued (of two concurrent
// exchanges one wins). A used code is remembered for ten minutes, and
// presenting it again revokes its grant. Refresh tokens are
// opaque, stored as SHA-256 hashes, rotated on every use within the family's
// original lifetime; presenting a rotated token (or losing a concurrent
// rotation of the same token) revokes the family, except a retry: within
// Storage.RefreshReuseInterval of the rotation the same client may present
// it again (its response was lost) while the successor is unused, and
// storage.RefreshTokens.ReuseRefreshToken atomically supersedes that
// successor with a new one. Revoking a grant marks its
// refresh tokens revoked and puts "grant:<id>" on the ephemeral deny-list
// until its access tokens have expired; userinfo and introspection consult
// the list (resource servers validating offline accept a revoked access
// token until it expires: keep lifetimes short, 15 minutes by default).
//
// # Caches between requests (tokencache.go, rowcache.go)
//
// A verified access token is remembered (verifiedTokens, bounded): a token
// presented again skips the signature check and the JSON decoding, but its
// key must still be published and issuer, expiry and the deny-list are
// checked as for a new one. With Storage.Stamps (production) the node also
// keeps users (with their role grants) and clients under the change stamps
// they were read with (storage.Stamps): userinfo and introspection read
// the stamps of the user and tenant in the deny-list's round trip, a client
// lookup reads the client's stamp, a grant (code, refresh, device) reads
// its user's and tenant's stamps instead of the user's row, and an entry
// is used only while its
// stamps are unchanged. Every write of these rows restamps them
// (storage/layered.Stamped), so a disabled user, a revoked role grant, a
// suspended tenant or a removed client is refused by every node on its
// next request. Entries end after a minute and when their first grant
// expires.
//
// # Device authorization grant (RFC 8628, device.go)
//
// With Storage.Device set, op serves /device_authorization and the
// device_code grant on storage.DeviceAuthorizations: device codes stored as
// SHA-256, user codes of UserCodeCharset (8 letters, XXXX-XXXX), expiry by
// the injected clock. GetDeviceAuthorizatonState maps the poll: too soon
// after the previous one is slow_down (op's signal is an error wrapping
// context.DeadlineExceeded), gone (expired, unknown or redeemed) is
// expired_token, then access_denied, authorization_pending or the tokens,
// once. Device tokens have their own grant and no sid. The user's side is
// login/devicegrant.
//
// # Token exchange (RFC 8693, exchange.go)
//
// Clients that registered the grant exchange either an upstream provider's
// ID token (native social sign-in, through TokenExchange.Upstream) or an
// Admit access token addressed to them (delegation: audience another
// client, scopes narrowed, act claim). The HTTP layer authenticates the
// client and carries the request's ExchangeState in the context; op's
// CreateTokenExchangeRequest/Response call the storage methods.
//
// # DPoP (RFC 9449, dpop.go) and PAR (RFC 9126, par.go)
//
// DPoPVerifier checks a proof (ParseDPoPProof: typ dpop+jwt, an asymmetric
// algorithm, a public jwk header that verifies it, the claims; then htm,
// htu, ath, a server nonce signed with keys/signed, iat within
// DPoPProofMaxAge/DPoPClockSkew by the injected clock, and last the jti,
// recorded in storage.DPoPProofs, shared by all nodes). The HTTP layer
// (op/endpoints) puts the proof's thumbprint in the context
// (WithDPoPProof); checkDPoPGrant then refuses, before a code or refresh
// token is spent, a grant bound to another key (a code with dpop_jkt, a
// public client's refresh token) or a client with dpop_bound_access_tokens
// without a proof, and tokenSubject carries the thumbprint into cnf.jkt of
// the access token and into a public client's new refresh token (rotation
// keeps it). DPoPBound and DPoPRefusal tell the HTTP layer to answer
// token_type DPoP or the DPoP error zitadel would have rewrapped.
// Introspection reports cnf and token_type DPoP; VerifyAccessToken (the
// Bearer-only admin API) refuses bound tokens. For PAR, the HTTP layer
// validates a pushed request with zitadel and ValidatePushedRequest and
// marks a request replayed from a request_uri (WithAuthorizeExtras), which
// CreateAuthRequest needs for require_pushed_authorization_requests and to
// bind the code to dpop_jkt.
//
// # Errors
//
// Storage errors become OAuth errors: unknown or expired records are
// invalid_grant, an unavailable backend is temporarily_unavailable (RFC
// 6749 4.1.2.1; /authorize redirects it to the client) and is recorded
// in the request state (WithRequestState), from which Admit's HTTP layer
// answers 503 temporarily_unavailable with Retry-After. The request state
// also memoises client and user lookups for the duration of one request.
package op

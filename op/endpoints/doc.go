// Package endpoints is the HTTP behaviour Admit adds around zitadel's op
// endpoints: what op leaves out, misreports or answers in a shape the
// specifications do not allow. zitadel parses and validates every protocol
// request; the op package (one layer down) is its storage. This package
// wraps op's handlers and is mounted by cmd/admit/app, which builds one
// Protocol with narrow dependencies (the provider, the issuer, the clients,
// the login engine's pages, the audit writer, the rate limiter, a logger)
// and only assembles: it never decides protocol behaviour itself.
//
// # Flow of a request
//
// Every protocol request passes UnavailableAs503 (a backend failure during
// the request becomes 503 temporarily_unavailable, or the HTML retry page
// at /authorize). Then, per endpoint:
//
//   - /authorize: AuthorizeParams answers the parameters op would misreport
//     (missing client_id or redirect_uri, a bad max_age, request and
//     request_uri: OIDC Core 6.1/6.2), then Authorize runs op's endpoint
//     with an iss in every answer (RFC 9207).
//   - The login engine finishes a request through Respond (the code, with
//     iss, by redirect or form_post, answered in the browser's own request)
//     and sends refusals back through RedirectError; both go through
//     login.DeliverToClient unless the request is the client's own
//     navigation. op's /authorize/callback is closed (ClosedCallback).
//   - token, revocation, introspection, device authorization: ClientAuth
//     holds a client to its registered token_endpoint_auth_method and adds
//     the Basic challenge to a 401 (RFC 6749 §2.3, §5.2);
//     IntrospectionClientAuth hands a client_secret_post secret to op as
//     Basic; ClientAuthErrors makes introspection's 401 invalid_client JSON
//     (RFC 7662 §2.3).
//   - introspection: Introspection answers it (RFC 7662) in place of op's
//     handler, after op's client authentication, with op's answers
//     (op.Storage.Introspect): the claims encoded once.
//   - token: TokenExchange answers RFC 8693 token exchange (native social
//     sign-in and delegation), leaving every other grant to op.
//   - device authorization: DeviceClientAuth makes confidential clients
//     authenticate (RFC 8628 §3.1).
//   - userinfo: DPoPUserinfo accepts "Authorization: DPoP" with a proof of
//     the token's key (and, with DPoPNonce, a server nonce: §9) and
//     refuses a DPoP-bound token sent as Bearer (RFC 9449 §7); BearerErrors makes every refused token 401 with a Bearer
//     challenge (RFC 6750 §3.1), or a DPoP one for a DPoP-presented token.
//   - token: DPoPToken validates a DPoP proof (RFC 9449 §4.3, nonces §8),
//     has op bind the tokens to its key and answers token_type DPoP; it
//     also makes every grant's response state the access token's own
//     scopes (RFC 6749 §5.1, narrowed by RFC 8707 resources).
//   - /oauth/par: PushedAuthorization (RFC 9126) authenticates the client
//     as the token endpoint does, validates the parameters with op and
//     stores them for 60 s; at /authorize PushedAuthorize, before
//     AuthorizeParams, replaces client_id + request_uri with the pushed
//     parameters (single use).
//   - end_session: VerifyIDTokenHint lets the logout page judge the
//     id_token_hint with op's own verifier.
//
// CORSOrigins is op's CORS policy (only the clients' registered web
// origins); PublicCORS serves discovery and JWKS to any origin.
// SetDefaultLogger keeps op's own log lines at DEBUG.
package endpoints

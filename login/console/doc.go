// Package console is the operator console at /console: server-rendered
// pages for platform administrators, tenant administrators, support
// agents and venue administrators, on the administration service
// (storage/admin). Every decision (who may do what, in which tenant) and
// every audit record is the service's: the pages build an admin.Principal
// from the signed-in user and call admin.Console, as the admin API and
// the CLI call admin.Service.
//
// # Sign-in
//
// The console is a first-party OpenID Connect client of Admit's own
// issuer (client "admit-console", registered at start by cmd/admit/app,
// public with PKCE, RequireMFA):
//
//  1. GET /console/login makes a state, a nonce and a PKCE verifier
//     (RFC 7636 S256), keeps them in a signed cookie (keys/signed, 10
//     minutes) and sends the browser to <issuer>/authorize with
//     acr_values=urn:admit:acr:mfa.
//  2. The hosted login signs the user in; the client's RequireMFA makes it
//     ask for a second factor (and offer TOTP enrolment when the user has
//     none).
//  3. GET /console/callback checks the state (constant time), redeems the
//     code at the token endpoint with the verifier, verifies the ID token
//     (go-oidc: signature from <issuer>/keys, iss, aud, exp, nonce;
//     OpenID Connect Core 1.0 §3.1.3.7) and requires "mfa" in its amr
//     (RFC 8176 §2: the login adds it when two factors were used).
//  4. The user must hold a console role (admin.Principal.Console); the
//     console session is then a signed cookie (HttpOnly; Secure on https;
//     SameSite=Strict) naming the user and tenant, with a 15-minute idle
//     timeout (re-signed on each request) and an 8-hour absolute limit.
//
// Each request reads the principal live (admin.Service.UserPrincipal), so
// a disabled user or a revoked role ends console access at once.
//
// # Pages and actions
//
// Dashboard, users (search, user page, actions), clients, keys and the
// audit log (with a JSON Lines export of the filtered view). Every form
// carries the CSRF token (login.Cookies, double submit) and the router's
// cross-origin protection applies; destructive actions (disable, reset
// MFA, revoke sessions, delete, rotate, client delete) go through a
// confirmation page whose form adds confirm=yes. A refused action answers
// 403 and is audited ("admin.refused"); a user of another tenant is 404
// for a tenant administrator or support agent (the service looks users up
// in the viewer's tenant only). Only platform administrators choose the
// tenant (?tenant=).
//
// The pages are English only (see templates/console).
package console

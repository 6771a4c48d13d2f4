// Package app assembles Admit: configuration (flags, ADMIT_* environment,
// YAML file, validated at start), the stores (Postgres + Redis, or in-memory
// in development mode), the signing-key manager, zitadel's OpenID Provider
// with Admit's storage adapter, the login engine and its methods, and the
// HTTP router with its middleware chain:
//
//	idle-trim counter → request ID → panic recovery → metrics → access log → body limit →
//	  pages:    security headers → cross-origin POST protection → /login, /logout
//	  protocol: no-store headers → 503-on-outage → discovery, JWKS, op
//
// The token, userinfo, introspection, revocation, JWKS and discovery routes
// also mark their requests with storage.WithReserve (useReserve in
// routes.go), so they use the Postgres connections kept in reserve and a
// login surge cannot starve them (storage/postgres/share.go).
//
// plus /healthz, /readyz and /metrics. What Admit adds to op's endpoints
// (iss, parameter checks, client authentication rules, error shapes, CORS,
// token exchange) is protocol behaviour and lives in op/endpoints; this
// package builds its endpoints.Protocol and mounts it in routes.go. The command in cmd/admit and the
// end-to-end tests both build an App with New; the tests drive it with real
// relying-party libraries (coreos/go-oidc, x/oauth2) and Chromium.
package app

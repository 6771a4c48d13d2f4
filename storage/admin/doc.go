// Package admin is Admit's administration service: tenants, clients, APIs
// (protected resources, RFC 8707), users, role grants, signing keys and the
// audit log, for a Principal (an admin
// client, a user, or the operator's CLI).
//
// Authorization is decided here, not in the HTTP layer, so that the admin
// API (package op/adminapi), the `admit` CLI and the account area's venue
// roles page share one set of rules:
//
//   - a client principal (a client_credentials token with the admit:admin
//     scope) may do everything in its own tenant;
//   - a user principal may do everything in its tenant when its grants in
//     force (read live from the store) give roles.PermAdmin; otherwise it
//     may only manage the roles of venues where it holds
//     roles.PermManageRoles (venue owners: delegated administration);
//   - administrators of the default tenant are platform administrators:
//     they manage tenants and signing keys and may act in every tenant; the
//     CLI acts as the platform operator ("cli").
//
// Tenant isolation is by construction: every read and write of a user,
// client or grant goes through a storage.Directory or storage.RoleGrants
// method that takes the tenant ID, so a record of another tenant is
// ErrNotFound. What is done to a user afterwards (sessions, refresh tokens,
// second factors, soft deletion) takes a member: a user value only the
// tenant-scoped read makes, never a bare ID from the request. A grant's
// (tenant_id, user_id) also references the user in the schema. Delegated
// grants are bounded: never to oneself, never beyond the granter's own
// right on the venue. Refusals are audited as "admin.refused". Every change is audited ("admin.<resource>.<action>") with
// the tenant, the actor and details.
//
// APIs (apis.go) belong to a tenant like clients; their identifier is an
// absolute URI without a fragment, unique across tenants. A client's
// allowed_resources may name only APIs and clients of its own tenant, and
// the signing algorithms of clients and APIs only those the instance keeps
// keys of (Service.SigningAlgs), so that a token asking for one can always
// be signed.
package admin

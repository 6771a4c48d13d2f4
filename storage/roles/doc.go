// Package roles is Admit's role catalogue and the authorization it derives
// from role grants.
//
// The catalogue (Default: the old service's rbac.service.ts roles plus
// "admin"; replaceable in configuration) names global roles and roles scoped
// to a resource type (venues). A user's grants (storage.RoleGrant) are read
// in one query when a token is issued; Catalogue.Authorize turns the grants
// in force at that moment into an Authorization: global roles (every user
// has the default "customer"), the union of their permissions, and the
// roles held per venue. Expired or revoked grants simply stop counting: no
// job has to run.
//
// Authorization.CanOn answers "may this user do P on venue V?": a global
// permission, or a role on V that lists P or the wildcard "*" (a venue
// owner has every permission for its venue, as in the old service).
// Delegated administration uses it with PermManageRoles.
package roles

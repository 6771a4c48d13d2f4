// Package venues is the account area's roles block and its page for
// delegated venue administration.
//
// The block on /account shows the user's roles and links to the venues
// whose roles they may manage: venues where a role gives them
// roles.PermManageRoles (owners, through the wildcard), or any venue for a
// tenant administrator. /account/venues/{venue} lists the grants in force
// at the venue and lets the user grant a venue role to a person of their
// tenant or revoke a person's roles there.
//
// Every decision is the admin service's (storage/admin): the page builds a user
// Principal from the session and calls the same GrantVenueRole,
// RevokeVenueRoles and ListVenueRoles as the admin API's venue routes, so
// the limits (own tenant, own venues, venue roles only) and the audit log
// are the same on both.
package venues

package templates

import "strings"

// VenuesSectionView is the account page's block on roles: the user's own
// roles and the venues whose roles they manage.
type VenuesSectionView struct {
	CSRFToken string
	// Roles are the user's global roles.
	Roles []string
	// Venues are the user's venue roles, by venue.
	Venues []VenueRolesRow
	// Managed are the venues whose roles the user may manage.
	Managed []string
	// AnyVenue: the user administers the tenant and may open any venue.
	AnyVenue bool
}

// VenueRolesRow is one venue and roles held there.
type VenueRolesRow struct {
	VenueID string
	Roles   []string
}

// VenueRolesView is the page that manages one venue's roles.
type VenueRolesView struct {
	CSRFToken string
	VenueID   string
	Grants    []VenueGrantRow
	// RoleOptions are the venue roles that can be granted.
	RoleOptions []string
	Notice      string
	Error       string
	// FieldErrors by field name ("user", "role", "expires_at").
	FieldErrors map[string]string
	// What the user typed, kept after an error.
	User, Role, ExpiresOn string
	// Next is the URL of the next page of grants, if any.
	Next string
	// CanManage shows the grant form and the revoke buttons.
	CanManage bool
}

// VenueGrantRow is one grant at the venue.
type VenueGrantRow struct {
	UserID, User, Role string
	GrantedAt, Expires string
}

func joinComma(s []string) string { return strings.Join(s, ", ") }

package console

// Shell is what every console page shows around its content: who is
// signed in, what they may open, and the CSRF token of the sign-out form.
type Shell struct {
	Title     string
	Email     string
	Role      string // "platform administrator", "support agent"...
	CSRFToken string
	// Section is the nav entry of the page ("dashboard", "users"...).
	Section string
	// Nav entries the principal may open.
	Users, Clients, Keys, Tenants, Venues, Audit bool
	Notice, Error                                string
}

// Row is a label and a value of a definition list.
type Row struct {
	Label, Value, TestID string
}

// DashboardView is the first page.
type DashboardView struct {
	Shell
	Scope string // "every tenant" or the tenant's ID
	Stats []Row
}

// UserRow is one search result.
type UserRow struct {
	ID, Email, Name, Tenant, Status, Href string
}

// Option is a select option.
type Option struct {
	Value, Label string
	Selected     bool
}

// UsersView is the user search.
type UsersView struct {
	Shell
	Q, Tenant       string
	TenantField     bool // platform administrators choose the tenant
	By, Status      []Option
	Locked, MFA     []Option
	Searched        bool
	Users           []UserRow
	Next            string
	FieldErrorQuery string
}

// Item is a line of a list on the user page.
type Item struct {
	Text, Detail string
}

// Action is a button of the user page: a POST with the CSRF token, or a
// link to a confirmation page for a destructive action.
type Action struct {
	Label, Href, TestID string
	Post                bool
	Danger              bool
}

// UserView is the user page.
type UserView struct {
	Shell
	ID, Email string
	Profile   []Row
	Status    []Row
	Locked    bool
	LockRows  []Row
	Factors   []Item
	Sessions  []Item
	Devices   []Item
	Apps      []Item
	Grants    []Item
	Events    []Item
	Actions   []Action
	// EditProfile shows the profile form (with its values).
	EditProfile           bool
	GivenName, FamilyName string
	EditHref              string
}

// ConfirmView asks before a destructive action.
type ConfirmView struct {
	Shell
	Question, Detail, Action, Button, Cancel string
}

// ClientRow is one client of the list.
type ClientRow struct {
	ID, Name, Kind, Grants, Href string
}

// ClientsView lists the clients.
type ClientsView struct {
	Shell
	Clients []ClientRow
	Next    string
}

// ClientForm is the create and edit form (its values are kept when it
// comes back with errors).
type ClientForm struct {
	Shell
	Edit                               bool
	Action                             string
	ID, Name, RedirectURIs, LogoutURIs string
	Grants, Scopes                     string
	AuthMethods                        []Option
	FirstParty, RequireMFA, Public     bool
	AccessTTL, IDTTL, RefreshTTL, JWKS string
	FieldErrors                        map[string]string
	DeleteHref, RotateAction           string
}

// SecretView shows a client secret once (after create or rotate).
type SecretView struct {
	Shell
	ClientID, Secret, Back string
}

// KeyRow is a signing key.
type KeyRow struct {
	ID, Algorithm, State, Age, Created string
}

// KeysView lists the signing keys.
type KeysView struct {
	Shell
	Keys []KeyRow
}

// EventRow is an audit event.
type EventRow struct {
	Time, Event, Outcome, Actor, User, Tenant, IP, Reason, Details string
}

// AuditView is the audit log with its filters.
type AuditView struct {
	Shell
	Since, Until, Event, Actor, User, Tenant string
	TenantField                              bool
	Events                                   []EventRow
	Next, Export                             string
}

// MessageView is a page with a message only (errors, MFA required).
type MessageView struct {
	Shell
	Message, LinkHref, LinkLabel, TestID string
}

// TenantRow is one tenant of the list.
type TenantRow struct {
	ID, Slug, Name, Status, Created string
	// Toggle is the status change the row offers ("suspend"/"activate"),
	// ToggleHref its confirmation page or form action.
	Toggle, ToggleHref string
	ToggleDanger       bool
}

// TenantsView lists the tenants with the create form.
type TenantsView struct {
	Shell
	Tenants    []TenantRow
	Next       string
	Slug, Name string
	Errors     map[string]string
}

// GrantRow is a role grant at a venue.
type GrantRow struct {
	User, UserID, Role, Granted, Expires, RevokeAction string
}

// VenuesView is the venue roles page: pick a venue, see its grants,
// grant a role with an optional expiry, revoke.
type VenuesView struct {
	Shell
	VenueID   string
	Managed   []string
	CanManage bool
	Grants    []GrantRow
	Roles     []Option
	User      string
	Expires   string
	Next      string
	Errors    map[string]string
}

package roles

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"time"

	"github.com/admit-idp/admit/storage"
)

// Names of the roles and permissions Admit itself relies on.
const (
	// Customer is every user's default role (the old service's rule).
	Customer = "customer"
	// Admin is the tenant administrator role: it carries PermAdmin.
	Admin = "admin"
	// PermAdmin allows every admin API operation in the holder's tenant.
	PermAdmin = "admit:admin"
	// PermManageRoles allows granting and revoking roles for a resource
	// (venue owners have it through Wildcard).
	PermManageRoles = "roles:manage"
	// Support is the support agent role: it carries PermSupport.
	Support = "support-agent"
	// PermSupport allows the console's support actions in the holder's
	// tenant (read users and the audit log, unlock, resend verification,
	// send a password-reset link, revoke sessions); see storage/admin's
	// action table.
	PermSupport = "admit:support"
	// Wildcard grants every permission on the role's resource.
	Wildcard = "*"
)

// Role is an entry of the catalogue.
type Role struct {
	Name        string   `json:"name" yaml:"name"`
	Description string   `json:"description,omitempty" yaml:"description"`
	Permissions []string `json:"permissions" yaml:"permissions"`
	// Resource is the resource type the role is granted for
	// (storage.ResourceVenue); empty for a global role.
	Resource string `json:"resource,omitempty" yaml:"resource"`
}

// Catalogue is the set of roles grants may name. It is immutable once built.
type Catalogue struct {
	roles map[string]Role
	// defaults are the global roles every user has without a grant.
	defaults []string
}

// Default is the old service's catalogue (rbac.service.ts) plus Admin.
func Default() *Catalogue {
	c, err := New(defaultRoles(), []string{Customer})
	if err != nil {
		panic(err) // the built-in catalogue is valid; a test keeps it so
	}
	return c
}

func defaultRoles() []Role {
	venue := storage.ResourceVenue
	return []Role{
		{Name: Admin, Description: "Administers the tenant (admin API).", Permissions: []string{PermAdmin, PermManageRoles}},
		{Name: Support, Description: "Helps customers of the tenant (console: read, unlock, resend verification, password reset, sign out).", Permissions: []string{PermSupport}},
		{Name: Customer, Description: "Buys and manages their own tickets.", Permissions: []string{"tickets:purchase", "tickets:view-own", "tickets:transfer-own", "profile:update-own"}},
		{Name: "venue-owner", Description: "Every permission for the venue.", Permissions: []string{Wildcard}, Resource: venue},
		{Name: "venue-manager", Description: "Runs events and reports of the venue.", Resource: venue, Permissions: []string{
			"events:create", "events:update", "events:delete", "tickets:view", "tickets:validate", "reports:view", "reports:export"}},
		{Name: "box-office", Description: "Sells tickets at the venue.", Resource: venue, Permissions: []string{
			"tickets:sell", "tickets:view", "tickets:validate", "payments:process", "reports:daily"}},
		{Name: "door-staff", Description: "Checks tickets at the door.", Resource: venue, Permissions: []string{"tickets:validate", "tickets:view"}},
	}
}

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9_.:-]{0,63}$`)

// New builds a catalogue, reporting every problem at once. defaults must
// name global roles of the catalogue.
func New(roles []Role, defaults []string) (*Catalogue, error) {
	c := &Catalogue{roles: make(map[string]Role, len(roles)), defaults: slices.Clone(defaults)}
	var errs []error
	for _, r := range roles {
		errs = append(errs, validateRole(r, c.roles))
		r.Permissions = slices.Clone(r.Permissions)
		c.roles[r.Name] = r
	}
	for _, d := range defaults {
		if r, ok := c.roles[d]; !ok || r.Resource != "" {
			errs = append(errs, fmt.Errorf("default role %q: not a global role of the catalogue", d))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

func validateRole(r Role, seen map[string]Role) error {
	var errs []error
	if !namePattern.MatchString(r.Name) {
		errs = append(errs, fmt.Errorf("role %q: name must be 1-64 of a-z 0-9 _ . : - starting with a letter", r.Name))
	}
	if _, dup := seen[r.Name]; dup {
		errs = append(errs, fmt.Errorf("role %q: defined twice", r.Name))
	}
	if r.Resource != "" && r.Resource != storage.ResourceVenue {
		errs = append(errs, fmt.Errorf("role %q: resource %q: want %q or none", r.Name, r.Resource, storage.ResourceVenue))
	}
	if r.Resource == "" && slices.Contains(r.Permissions, Wildcard) {
		errs = append(errs, fmt.Errorf("role %q: %q is only allowed on a resource role", r.Name, Wildcard))
	}
	return errors.Join(errs...)
}

// Role returns the named role.
func (c *Catalogue) Role(name string) (Role, bool) {
	r, ok := c.roles[name]
	return r, ok
}

// Roles lists the catalogue ordered by name.
func (c *Catalogue) Roles() []Role {
	return slices.SortedFunc(maps.Values(c.roles), func(a, b Role) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
}

// Defaults are the roles every user has without a grant.
func (c *Catalogue) Defaults() []string { return slices.Clone(c.defaults) }

// Authorization is what a user may do, computed from the grants in force.
type Authorization struct {
	// Roles are the global roles (defaults included), sorted.
	Roles []string
	// Permissions is the union of the global roles' permissions, sorted.
	Permissions []string
	// Resources maps resource type → resource ID → roles (sorted).
	Resources map[string]map[string][]string
	catalogue *Catalogue
}

// Authorize computes the authorization granted by grants at now. Grants
// naming roles missing from the catalogue, or not in force, are ignored.
func (c *Catalogue) Authorize(grants []storage.RoleGrant, now time.Time) Authorization {
	a := Authorization{Roles: slices.Clone(c.defaults), catalogue: c}
	for _, g := range grants {
		r, ok := c.roles[g.Role]
		if !ok || !g.InForce(now) || r.Resource != g.ResourceType {
			continue
		}
		if g.Global() {
			a.Roles = append(a.Roles, g.Role)
			continue
		}
		a.addResourceRole(g.ResourceType, g.ResourceID, g.Role)
	}
	a.Roles = sortedUnique(a.Roles)
	for _, name := range a.Roles {
		a.Permissions = append(a.Permissions, c.roles[name].Permissions...)
	}
	a.Permissions = sortedUnique(a.Permissions)
	return a
}

func (a *Authorization) addResourceRole(typ, id, role string) {
	if a.Resources == nil {
		a.Resources = make(map[string]map[string][]string)
	}
	if a.Resources[typ] == nil {
		a.Resources[typ] = make(map[string][]string)
	}
	roles := a.Resources[typ][id]
	if !slices.Contains(roles, role) {
		roles = append(roles, role)
		slices.Sort(roles)
	}
	a.Resources[typ][id] = roles
}

// Venues maps venue ID → roles.
func (a Authorization) Venues() map[string][]string { return a.Resources[storage.ResourceVenue] }

// Can reports whether a global role grants perm.
func (a Authorization) Can(perm string) bool { return slices.Contains(a.Permissions, perm) }

// CanOn reports whether perm is granted for the resource: by a global
// role, or by a role held on that resource (Wildcard: every permission, the
// old service's rule for venue owners).
func (a Authorization) CanOn(perm, resourceType, resourceID string) bool {
	if a.Can(perm) {
		return true
	}
	if a.catalogue == nil {
		return false
	}
	for _, name := range a.Resources[resourceType][resourceID] {
		ps := a.catalogue.roles[name].Permissions
		if slices.Contains(ps, Wildcard) || slices.Contains(ps, perm) {
			return true
		}
	}
	return false
}

func sortedUnique(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

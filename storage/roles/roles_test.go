package roles_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/roles"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func global(role string) storage.RoleGrant {
	return storage.RoleGrant{ID: "g-" + role, Role: role, Active: true}
}

func venue(role, id string) storage.RoleGrant {
	return storage.RoleGrant{ID: "v-" + role + "-" + id, Role: role, ResourceType: storage.ResourceVenue, ResourceID: id, Active: true}
}

func with(g storage.RoleGrant, f func(*storage.RoleGrant)) storage.RoleGrant { f(&g); return g }

var customerPerms = []string{"profile:update-own", "tickets:purchase", "tickets:transfer-own", "tickets:view-own"}

func TestAuthorize(t *testing.T) {
	tests := []struct {
		name      string
		grants    []storage.RoleGrant
		roles     []string
		perms     []string
		venues    map[string][]string
		resources map[string]map[string][]string
	}{
		{name: "no grants: the default role", roles: []string{"customer"}, perms: customerPerms},
		{
			name:   "global admin adds its permissions",
			grants: []storage.RoleGrant{global("admin")},
			roles:  []string{"admin", "customer"},
			perms:  []string{roles.PermAdmin, "profile:update-own", roles.PermManageRoles, "tickets:purchase", "tickets:transfer-own", "tickets:view-own"},
		},
		{
			name:   "venue roles, sorted and de-duplicated per venue",
			grants: []storage.RoleGrant{venue("door-staff", "v1"), venue("box-office", "v1"), venue("venue-owner", "v2"), with(venue("box-office", "v1"), func(g *storage.RoleGrant) { g.ID = "dup" })},
			roles:  []string{"customer"}, perms: customerPerms,
			venues: map[string][]string{"v1": {"box-office", "door-staff"}, "v2": {"venue-owner"}},
		},
		{
			name: "expired grants are ignored at now",
			grants: []storage.RoleGrant{
				with(global("admin"), func(g *storage.RoleGrant) { g.ExpiresAt = t0 }),
				with(venue("box-office", "v1"), func(g *storage.RoleGrant) { g.ExpiresAt = t0.Add(-time.Second) }),
				with(venue("door-staff", "v2"), func(g *storage.RoleGrant) { g.ExpiresAt = t0.Add(time.Second) }),
			},
			roles: []string{"customer"}, perms: customerPerms,
			venues: map[string][]string{"v2": {"door-staff"}},
		},
		{
			name:   "inactive (revoked) grants are ignored",
			grants: []storage.RoleGrant{with(global("admin"), func(g *storage.RoleGrant) { g.Active = false }), with(venue("box-office", "v1"), func(g *storage.RoleGrant) { g.Active = false })},
			roles:  []string{"customer"}, perms: customerPerms,
		},
		{
			name:   "unknown roles are ignored",
			grants: []storage.RoleGrant{global("superuser"), venue("janitor", "v1")},
			roles:  []string{"customer"}, perms: customerPerms,
		},
		{
			name: "resource mismatch is ignored",
			grants: []storage.RoleGrant{
				venue("admin", "v1"), // a global role granted on a venue
				global("box-office"), // a venue role granted globally
				with(venue("box-office", "v1"), func(g *storage.RoleGrant) { g.ResourceType = "event" }),
			},
			roles: []string{"customer"}, perms: customerPerms,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := roles.Default().Authorize(tt.grants, t0)
			if !reflect.DeepEqual(a.Roles, tt.roles) {
				t.Errorf("Roles = %v, want %v", a.Roles, tt.roles)
			}
			if !reflect.DeepEqual(a.Permissions, tt.perms) {
				t.Errorf("Permissions = %v, want %v", a.Permissions, tt.perms)
			}
			if got := a.Venues(); !reflect.DeepEqual(got, tt.venues) && !(len(got) == 0 && len(tt.venues) == 0) {
				t.Errorf("Venues() = %v, want %v", got, tt.venues)
			}
		})
	}
}

func TestCanAndCanOn(t *testing.T) {
	a := roles.Default().Authorize([]storage.RoleGrant{venue("venue-owner", "v1"), venue("box-office", "v2")}, t0)
	b := roles.Default().Authorize([]storage.RoleGrant{global("admin")}, t0)
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"global permission of the default role", a.Can("tickets:purchase"), true},
		{"venue permission is not global", a.Can("tickets:sell"), false},
		{"venue owner wildcard: any permission on its venue", a.CanOn("events:delete", storage.ResourceVenue, "v1"), true},
		{"venue owner wildcard: even unlisted permissions", a.CanOn(roles.PermManageRoles, storage.ResourceVenue, "v1"), true},
		{"venue owner of v1 has nothing on v3", a.CanOn("events:delete", storage.ResourceVenue, "v3"), false},
		{"box office on v2 sells", a.CanOn("tickets:sell", storage.ResourceVenue, "v2"), true},
		{"box office on v2 may not delete events", a.CanOn("events:delete", storage.ResourceVenue, "v2"), false},
		{"global permission counts on every venue", a.CanOn("tickets:purchase", storage.ResourceVenue, "v9"), true},
		{"admin can administer", b.Can(roles.PermAdmin), true},
		{"admin manages roles on any venue", b.CanOn(roles.PermManageRoles, storage.ResourceVenue, "v7"), true},
		{"admin has no venue wildcard", b.CanOn("tickets:sell", storage.ResourceVenue, "v7"), false},
		{"zero Authorization can nothing", roles.Authorization{}.CanOn("tickets:view", storage.ResourceVenue, "v1"), false},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestAuthorizeUsesTheGivenTime(t *testing.T) {
	g := with(venue("box-office", "v1"), func(g *storage.RoleGrant) { g.ExpiresAt = t0.Add(time.Hour) })
	c := roles.Default()
	if v := c.Authorize([]storage.RoleGrant{g}, t0).Venues(); len(v) != 1 {
		t.Fatalf("before expiry: venues = %v", v)
	}
	if v := c.Authorize([]storage.RoleGrant{g}, t0.Add(time.Hour)).Venues(); len(v) != 0 {
		t.Fatalf("at expiry: venues = %v, want none", v)
	}
}

func TestNew(t *testing.T) {
	ok := roles.Role{Name: "reader", Permissions: []string{"a:read"}}
	tests := []struct {
		name     string
		roles    []roles.Role
		defaults []string
		wantErr  []string // substrings; nil: valid
	}{
		{name: "valid", roles: []roles.Role{ok, {Name: "usher", Resource: "venue", Permissions: []string{"*"}}}, defaults: []string{"reader"}},
		{name: "no defaults is valid", roles: []roles.Role{ok}},
		{name: "bad name", roles: []roles.Role{{Name: "Bad Name"}}, wantErr: []string{`role "Bad Name": name must be`}},
		{name: "empty name", roles: []roles.Role{{Name: ""}}, wantErr: []string{`role "": name must be`}},
		{name: "duplicate", roles: []roles.Role{ok, ok}, wantErr: []string{`role "reader": defined twice`}},
		{name: "unknown resource", roles: []roles.Role{{Name: "x", Resource: "event"}}, wantErr: []string{`resource "event"`}},
		{name: "wildcard on a global role", roles: []roles.Role{{Name: "x", Permissions: []string{"*"}}}, wantErr: []string{`"*" is only allowed on a resource role`}},
		{name: "default not in catalogue", roles: []roles.Role{ok}, defaults: []string{"ghost"}, wantErr: []string{`default role "ghost"`}},
		{name: "default is a venue role", roles: []roles.Role{{Name: "usher", Resource: "venue"}}, defaults: []string{"usher"}, wantErr: []string{`default role "usher"`}},
		{
			name:    "every problem at once",
			roles:   []roles.Role{{Name: "Bad"}, {Name: "x", Permissions: []string{"*"}}},
			wantErr: []string{`role "Bad"`, `role "x"`, `default role "nope"`}, defaults: []string{"nope"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := roles.New(tt.roles, tt.defaults)
			if tt.wantErr == nil {
				if err != nil || c == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("New: no error")
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestDefaultCatalogue(t *testing.T) {
	c := roles.Default()
	if !reflect.DeepEqual(c.Defaults(), []string{roles.Customer}) {
		t.Fatalf("defaults = %v", c.Defaults())
	}
	owner, ok := c.Role("venue-owner")
	if !ok || owner.Resource != storage.ResourceVenue || !reflect.DeepEqual(owner.Permissions, []string{roles.Wildcard}) {
		t.Fatalf("venue-owner = %+v %v", owner, ok)
	}
	var names []string
	for _, r := range c.Roles() {
		names = append(names, r.Name)
	}
	want := []string{"admin", "box-office", "customer", "door-staff", "support-agent", "venue-manager", "venue-owner"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("Roles() = %v, want %v (sorted)", names, want)
	}
}

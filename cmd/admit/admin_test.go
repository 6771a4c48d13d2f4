package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestTenantsAndRolesCommands: the CLI manages tenants, tenant clients and
// role grants through the admin service.
func TestTenantsAndRolesCommands(t *testing.T) {
	c := newCLI(t)
	out := c.ok("", "tenants", "add", "--slug", "venues-r-us", "--name", "Venues R Us")
	if !strings.Contains(out, "(venues-r-us)") {
		t.Fatalf("tenants add: %q", out)
	}
	c.fails("", []string{"tenants", "add", "--slug", "Bad Slug", "--name", "x"}, `slug "Bad Slug"`)
	if list := c.ok("", "tenants", "list"); !strings.Contains(list, "venues-r-us") || !strings.Contains(list, "default") {
		t.Fatalf("tenants list:\n%s", list)
	}
	c.ok("", "clients", "add", "--tenant", "venues-r-us", "--id", "vru-app", "--redirect-uri", "https://vru.example.com/cb")
	if rows := table(c.ok("", "clients", "list", "--tenant", "venues-r-us")); len(rows) != 1 || rows[0][0] != "vru-app" {
		t.Fatalf("tenant clients: %q", rows)
	}
	if rows := table(c.ok("", "clients", "list")); len(rows) != 0 {
		t.Fatalf("the default tenant lists another tenant's client: %q", rows)
	}
	c.fails("", []string{"clients", "remove", "vru-app"}, "not found")
	// remove reads --tenant after the flags are parsed: the tenant's client goes.
	if out := c.ok("", "clients", "remove", "--tenant", "venues-r-us", "vru-app"); !strings.Contains(out, "removed vru-app") {
		t.Fatalf("clients remove --tenant: %q", out)
	}
	if rows := table(c.ok("", "clients", "list", "--tenant", "venues-r-us")); len(rows) != 0 {
		t.Fatalf("tenant clients after remove: %q", rows)
	}

	c.ok("pw-123456789\n", "users", "add", "--tenant", "venues-r-us", "--email", "owner@vru.example")
	out = c.ok("", "roles", "grant", "--tenant", "venues-r-us", "--user", "owner@vru.example", "--role", "venue-owner", "--venue", "V1", "--expires", "720h")
	if !regexp.MustCompile(`granted venue-owner to \S+ at venue V1`).MatchString(out) {
		t.Fatalf("roles grant: %q", out)
	}
	c.fails("", []string{"roles", "grant", "--tenant", "venues-r-us", "--user", "owner@vru.example", "--role", "admin", "--venue", "V1"}, "global role")
	c.fails("", []string{"roles", "grant", "--user", "owner@vru.example", "--role", "admin"}, "not found") // other tenant
	if list := c.ok("", "roles", "list", "--tenant", "venues-r-us", "--venue", "V1"); !strings.Contains(list, "venue-owner") {
		t.Fatalf("roles list:\n%s", list)
	}
	if out := c.ok("", "roles", "revoke", "--tenant", "venues-r-us", "--user", "owner@vru.example", "--venue", "V1"); !strings.Contains(out, "revoked 1 grant") {
		t.Fatalf("roles revoke: %q", out)
	}
	if rows := table(c.ok("", "roles", "list", "--tenant", "venues-r-us")); len(rows) != 0 {
		t.Fatalf("grants in force after revoke: %q", rows)
	}
	c.ok("", "tenants", "suspend", "venues-r-us")
	if list := c.ok("", "tenants", "list", "--status", "suspended"); !strings.Contains(list, "venues-r-us") {
		t.Fatalf("suspended tenants:\n%s", list)
	}
	c.ok("", "tenants", "activate", "venues-r-us")
}

package main

import (
	"strings"
	"testing"
)

// TestAPIsCommands: `admit apis` registers, lists and removes APIs through
// the admin service, and `clients add` takes the resource and algorithm
// flags, with the service's refusals.
func TestAPIsCommands(t *testing.T) {
	c := newCLI(t)
	out := c.ok("", "apis", "add", "--id", "tickets", "--identifier", "https://tickets.example/api",
		"--scope", "tickets:read", "--scope", "tickets:write", "--access-token-alg", "ES256", "--access-token-ttl", "5m")
	if !strings.Contains(out, "api tickets created (https://tickets.example/api)") {
		t.Fatalf("apis add: %q", out)
	}
	c.fails("", []string{"apis", "add", "--id", "bad", "--identifier", "/relative", "--scope", "x"}, "absolute URI")
	c.fails("", []string{"apis", "add", "--id", "bad", "--identifier", "https://bad.example/", "--scope", "x", "--access-token-alg", "HS256"}, `"HS256"`)
	c.fails("", []string{"apis", "add", "--id", "dup", "--identifier", "https://tickets.example/api", "--scope", "x"}, "already exists")
	rows := table(c.ok("", "apis", "list"))
	if len(rows) != 1 || rows[0][0] != "tickets" || rows[0][1] != "https://tickets.example/api" || rows[0][3] != "ES256" || rows[0][4] != "jwt" {
		t.Fatalf("apis list: %q", rows)
	}
	c.ok("", "clients", "add", "--id", "shop", "--redirect-uri", "https://shop.example.com/cb",
		"--allowed-resource", "https://tickets.example/api", "--id-token-alg", "ES256", "--access-token-alg", "EdDSA")
	c.fails("", []string{"clients", "add", "--id", "shop2", "--redirect-uri", "https://shop.example.com/cb", "--allowed-resource", "https://nowhere.example/api"}, "no API of the tenant")
	c.fails("", []string{"clients", "add", "--id", "shop3", "--redirect-uri", "https://shop.example.com/cb", "--id-token-alg", "none"}, "id_token_signed_response_alg")
	c.ok("", "tenants", "add", "--slug", "other", "--name", "Other")
	if rows := table(c.ok("", "apis", "list", "--tenant", "other")); len(rows) != 0 {
		t.Fatalf("another tenant lists the default tenant's API: %q", rows)
	}
	c.fails("", []string{"apis", "remove", "--tenant", "other", "tickets"}, "not found")
	if out := c.ok("", "apis", "remove", "tickets"); !strings.Contains(out, "removed tickets\nremoved from the allowed resources of: shop\n") {
		t.Fatalf("apis remove: %q, want it to name the client whose allowlist it changed", out)
	}
	if rows := table(c.ok("", "apis", "list")); len(rows) != 0 {
		t.Fatalf("apis list after remove: %q", rows)
	}
}

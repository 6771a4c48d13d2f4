package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestAuditCommand: CLI client and key changes are audited (actor "cli"),
// and `admit audit` exports them as JSON lines with filters.
func TestAuditCommand(t *testing.T) {
	c := newCLI(t)
	c.ok("", "migrate")
	c.ok("", "clients", "add", "--id", "audited", "--redirect-uri", "https://shop.example.com/cb")
	c.ok("", "clients", "remove", "audited")
	c.ok("", "keys", "rotate")

	out := c.ok("", "audit", "--since", "1h")
	var events []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		events = append(events, ev)
	}
	seen := map[string]bool{}
	for _, ev := range events {
		seen[ev["event"].(string)] = true
		if ev["event"] == "client.created" && (ev["client_id"] != "audited" || ev["actor"] != "cli") {
			t.Fatalf("client.created: %v", ev)
		}
	}
	for _, want := range []string{"client.created", "client.deleted", "key.rotated"} {
		if !seen[want] {
			t.Errorf("no %s event in:\n%s", want, out)
		}
	}
	only := c.ok("", "audit", "--event", "client.deleted")
	if n := strings.Count(strings.TrimSpace(only), "\n") + 1; n != 1 || !strings.Contains(only, `"client.deleted"`) {
		t.Fatalf("--event filter: %s", only)
	}
	// --tenant keeps one tenant's events (the client of acme, not the
	// default tenant's).
	c.ok("", "tenants", "add", "--slug", "acme", "--name", "Acme")
	c.ok("", "clients", "add", "--tenant", "acme", "--id", "acme-app", "--redirect-uri", "https://acme.example.com/cb")
	acme := c.ok("", "audit", "--tenant", "acme")
	if !strings.Contains(acme, `"acme-app"`) || strings.Contains(acme, `"audited"`) || !strings.Contains(acme, `"tenant_id"`) {
		t.Fatalf("--tenant filter: %s", acme)
	}
	if out := c.ok("", "audit", "--until", "2000-01-01T00:00:00Z"); strings.TrimSpace(out) != "" {
		t.Fatalf("--until filter: %s", out)
	}
	c.ok("", "audit", "--prune")
}

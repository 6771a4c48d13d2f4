package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestWebhooksCommands: the CLI registers a webhook (secret shown once),
// lists it without the secret, shows the (empty) delivery logs and
// removes it; unknown event types are refused.
func TestWebhooksCommands(t *testing.T) {
	c := newCLI(t)
	out := c.ok("", "webhooks", "add", "--url", "https://hooks.example.com/admit", "--event", "user.created", "--event", "user.deleted")
	m := regexp.MustCompile(`webhook (wh_\S+) created\nsigning secret \(shown once, store it now\): (whsec_\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("webhooks add: %q", out)
	}
	c.fails("", []string{"webhooks", "add", "--url", "https://x.example/", "--event", "no.such"}, "unknown event type")
	list := c.ok("", "webhooks", "list")
	if rows := table(list); len(rows) != 1 || rows[0][0] != m[1] || rows[0][2] != "user.created,user.deleted" || strings.Contains(list, m[2]) {
		t.Fatalf("webhooks list:\n%s", list)
	}
	if rows := table(c.ok("", "webhooks", "log", m[1])); len(rows) != 0 {
		t.Fatalf("a new webhook has deliveries: %q", rows)
	}
	c.ok("", "events", "deliveries", "--state", "dead")
	c.fails("", []string{"events", "replay", "evt_none", "nats"}, "not found")
	c.ok("", "webhooks", "remove", m[1])
	if rows := table(c.ok("", "webhooks", "list")); len(rows) != 0 {
		t.Fatalf("after remove: %q", rows)
	}
}

// TestClientsAddLogoutURIs: clients add registers the logout URIs.
func TestClientsAddLogoutURIs(t *testing.T) {
	c := newCLI(t)
	c.ok("", "clients", "add", "--id", "bcl-cli", "--redirect-uri", "https://app.example.com/cb",
		"--backchannel-logout-uri", "https://app.example.com/bcl", "--frontchannel-logout-uri", "https://app.example.com/fcl")
	c.fails("", []string{"clients", "add", "--id", "bcl-bad", "--redirect-uri", "https://app.example.com/cb",
		"--backchannel-logout-uri", "http://app.example.com/bcl"}, `logout URI "http://app.example.com/bcl"`)
}

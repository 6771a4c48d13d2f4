package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestOperatorCommandsPrintNoServeWarnings: with no SMTP server and an IP
// issuer (no passkeys), `admit serve` warns about both, but operator
// commands, which neither send mail nor serve passkeys, print no WARN line.
func TestOperatorCommandsPrintNoServeWarnings(t *testing.T) {
	c := newCLI(t).with(map[string]string{"ADMIT_ISSUER": "http://127.0.0.1:8080", "ADMIT_LOG_LEVEL": "info"})
	c.ok("", "migrate")
	c.ok("", "clients", "add", "--id", "warn-test", "--grant", "client_credentials", "--scope", "openid")
	for _, args := range [][]string{
		{"clients", "list"}, {"keys", "list"}, {"tenants", "list"}, {"migrate", "version"},
		{"roles", "list", "--all"}, {"audit", "--limit", "1"},
	} {
		r := c.run("", args...)
		if r.err != nil {
			t.Fatalf("admit %s: %v\n%s", strings.Join(args, " "), r.err, r.stderr)
		}
		if strings.Contains(r.stderr, "WARN") {
			t.Errorf("admit %s printed a warning that does not concern it:\n%s", strings.Join(args, " "), r.stderr)
		}
	}

	// serve still warns: these settings change what a serving node does.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	env := c.with(map[string]string{"ADMIT_ADDR": "127.0.0.1:0"}).env
	if err := run(ctx, []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatalf("serve: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{"no SMTP server configured", "passkeys disabled"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("serve did not warn %q:\n%s", want, stderr.String())
		}
	}
}

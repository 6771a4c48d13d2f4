package main

import (
	"strings"
	"testing"
)

func TestHelpFlagPrintsUsage(t *testing.T) {
	c := &cli{t: t, env: map[string]string{}}
	for _, arg := range []string{"-h", "--help", "help"} {
		if out := c.ok("", arg); !strings.Contains(out, "usage: admit") {
			t.Errorf("admit %s printed %q", arg, out)
		}
	}
}

func TestFlagErrorsGoToTheCommandsStderr(t *testing.T) {
	c := &cli{t: t, env: map[string]string{}}
	r := c.run("", "--no-such-flag")
	if r.err == nil || !strings.Contains(r.stderr, "no-such-flag") {
		t.Fatalf("err %v stderr %q", r.err, r.stderr)
	}
}

func TestUsersAddValidatesAndExplains(t *testing.T) {
	c := newCLI(t)
	c.fails("pw-123456789\n", []string{"users", "add"}, "not a valid address")
	c.ok("pw-123456789\n", "users", "add", "--email", "dup@example.com")
	c.fails("pw-123456789\n", []string{"users", "add", "--email", "dup@example.com"}, "a user with the e-mail address dup@example.com already exists")
}

// TestMigrateNeedsOnlyTheDatabase: a migration job needs no Redis or master
// key, and other commands on an empty database say to migrate first.
func TestMigrateNeedsOnlyTheDatabase(t *testing.T) {
	db := emptyDatabase(t)
	c := &cli{t: t, env: map[string]string{"ADMIT_DATABASE_URL": db}}
	full := newCLI(t).with(map[string]string{"ADMIT_DATABASE_URL": db})
	full.fails("", []string{"keys", "list"}, "run `admit migrate` first")
	c.ok("", "migrate")
	full.ok("", "keys", "list")
}

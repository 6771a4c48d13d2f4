// Command admit runs the Admit OpenID Provider and its operator commands.
//
//	admit [serve]                         run the provider (the default)
//	admit migrate [up|down N|version]     manage the database schema
//	admit clients add|list|remove         manage OAuth clients
//	admit apis add|list|remove            manage APIs (protected resources)
//	admit users add                       create a user
//	admit tenants add|list|suspend|activate manage tenants
//	admit roles grant|revoke|list         manage role grants
//	admit brand set|logo|show|remove      a tenant's or client's brand
//	admit keys rotate|list|prune          manage signing keys
//	admit keys master-key                 print a new random master key
//	admit webhooks add|list|remove|log    manage event webhooks
//	admit events deliveries|replay        the delivery log of every sink
//
// Without ADMIT_DATABASE_URL, `admit` runs in development mode on in-memory
// storage with demo data.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/admit-idp/admit/login/password"
)

func main() {
	// A hash process (login/password.ProcessPool) never gets past here.
	password.ServeHashProcessIfAsked()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		_, _ = fmt.Fprintln(os.Stderr, "admit:", err) // the exit status reports the failure if this write fails
		os.Exit(1)
	}
}

// run dispatches a command; everything it needs is passed in so tests can
// call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd, rest := "serve", args
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		cmd = "help"
	} else if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, rest = args[0], args[1:]
	}
	env := &cliEnv{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	switch cmd {
	case "serve":
		return env.serve(ctx, rest)
	case "migrate":
		return env.migrate(ctx, rest)
	case "clients":
		return env.clients(ctx, rest)
	case "apis":
		return env.apis(ctx, rest)
	case "users":
		return env.users(ctx, rest)
	case "tenants":
		return env.tenants(ctx, rest)
	case "roles":
		return env.roles(ctx, rest)
	case "brand":
		return env.brand(ctx, rest)
	case "keys":
		return env.keys(ctx, rest)
	case "audit":
		return env.auditCmd(ctx, rest)
	case "import":
		return env.importCmd(ctx, rest)
	case "webhooks":
		return env.webhooks(ctx, rest)
	case "events":
		return env.eventsCmd(ctx, rest)
	case "help", "-h", "--help":
		_, err := fmt.Fprint(stdout, usage)
		return err
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

const usage = `usage: admit [command] [flags]

commands:
  serve                      run the OpenID Provider (default)
  migrate [up|down N|version] apply, roll back or show database migrations
  clients add|list|remove    manage OAuth clients
  apis add|list|remove       manage APIs (RFC 8707 resources: --id --identifier --scope)
  users add [--tenant T]     create a user
  tenants add|list|suspend|activate
                             manage tenants
  roles grant|revoke|list    manage role grants (--tenant --user --role --venue --expires)
  brand set|logo|show|remove a tenant's or client's brand (--tenant --client --name --color
                             --support-url --privacy-url --locale; logo --file)
  keys rotate|list|prune     manage signing keys
  keys master-key            print a new random master key (ADMIT_MASTER_KEY)
  audit [--user --event --since --until --limit] [--prune]
                             export the audit log as JSON lines; --prune applies retention
  import file|legacy         import users: Admit's JSON Lines format, or the old
                             auth-service's database (--source, --legacy-jwt-access-secret)
  webhooks add|list|remove|log
                             event webhooks (--tenant --url --event); the secret is shown once
  events deliveries|replay   delivery log of every sink (--state --sink); replay EVENT SINK

Configuration: flags, ADMIT_* environment variables, or --config file.yaml.
Without ADMIT_DATABASE_URL admit runs in development mode (in memory).
`

type cliEnv struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
}

// flags returns a flag set that reports to the command's stderr.
func (e *cliEnv) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

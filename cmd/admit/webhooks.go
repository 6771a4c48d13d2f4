package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/storage/admin"
)

// webhooks manages a tenant's event webhooks through the admin service
// (principal "cli"), as the admin API does.
func (e *cliEnv) webhooks(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: admit webhooks add|list|remove|log")
	}
	fs := e.flags("webhooks " + args[0])
	tenant := tenantFlag(fs)
	switch args[0] {
	case "add":
		target := fs.String("url", "", "endpoint URL (required)")
		var types listFlag
		fs.Var(&types, "event", "event type to deliver (repeatable; default: all)")
		return e.withApp(ctx, fs, args[1:], func(a *app.App) error {
			t, err := a.Admin.ResolveTenant(ctx, *tenant)
			if err != nil {
				return err
			}
			w, secret, err := a.Admin.CreateWebhook(ctx, admin.CLI(), t.ID, admin.WebhookInput{URL: *target, Events: types})
			if err != nil {
				return err
			}
			return e.printf("webhook %s created\nsigning secret (shown once, store it now): %s\n", w.ID, secret)
		})
	case "list":
		return e.withApp(ctx, fs, args[1:], func(a *app.App) error {
			t, err := a.Admin.ResolveTenant(ctx, *tenant)
			if err != nil {
				return err
			}
			ws, err := a.Admin.ListWebhooks(ctx, admin.CLI(), t.ID)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tURL\tEVENTS")
			for _, w := range ws {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", w.ID, w.URL, orDash(strings.Join(w.Events, ",")))
			}
			return tw.Flush()
		})
	case "remove":
		return e.removeIn(ctx, fs, args[1:], tenant, "usage: admit webhooks remove ID", (*admin.Service).DeleteWebhook, "webhook %s removed")
	case "log":
		state := fs.String("state", "", "pending, delivered or dead")
		return e.withApp(ctx, fs, args[1:], func(a *app.App) error {
			if fs.NArg() != 1 {
				return errors.New("usage: admit webhooks log [--state S] ID")
			}
			t, err := a.Admin.ResolveTenant(ctx, *tenant)
			if err != nil {
				return err
			}
			ls, err := a.Admin.ListDeliveries(ctx, admin.CLI(), t.ID, admin.DeliveryQuery{WebhookID: fs.Arg(0), State: *state})
			return e.printDeliveries(ls, err)
		})
	}
	return fmt.Errorf("unknown webhooks command %q (add, list, remove, log)", args[0])
}

// eventsCmd shows and replays deliveries of every sink (platform operator).
func (e *cliEnv) eventsCmd(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: admit events deliveries|replay")
	}
	fs := e.flags("events " + args[0])
	switch args[0] {
	case "deliveries":
		state := fs.String("state", "", "pending, delivered or dead")
		sink := fs.String("sink", "", "webhook:<id>, nats or bcl:<client>")
		return e.withApp(ctx, fs, args[1:], func(a *app.App) error {
			cli := admin.CLI()
			ls, err := a.Admin.ListDeliveries(ctx, cli, cli.TenantID, admin.DeliveryQuery{Sink: *sink, State: *state})
			return e.printDeliveries(ls, err)
		})
	case "replay":
		return e.withApp(ctx, fs, args[1:], func(a *app.App) error {
			if fs.NArg() != 2 {
				return errors.New("usage: admit events replay EVENT_ID SINK")
			}
			cli := admin.CLI()
			err := a.Admin.ReplayDelivery(ctx, cli, cli.TenantID, admin.DeliveryQuery{EventID: fs.Arg(0), Sink: fs.Arg(1)})
			return e.done(err, "delivery of "+fs.Arg(0)+" to "+fs.Arg(1)+" queued again")
		})
	}
	return fmt.Errorf("unknown events command %q (deliveries, replay)", args[0])
}

func (e *cliEnv) printDeliveries(ls []admin.DeliveryLog, err error) error {
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EVENT\tSINK\tSTATE\tATTEMPTS\tLAST STATUS\tLAST ERROR")
	for _, l := range ls {
		d := l.Delivery
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\n", d.EventID, d.Sink, d.State, d.Attempts, d.LastStatus, orDash(d.LastError))
	}
	return tw.Flush()
}

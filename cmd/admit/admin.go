package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
)

// The tenants and roles commands act through the admin service as the
// platform operator (principal "cli"), like the admin API does for its
// callers: same validation, same audit events.

// tenantFlag adds --tenant (slug or ID; default: the default tenant).
func tenantFlag(fs *flag.FlagSet) *string {
	return fs.String("tenant", "", "tenant slug or ID (default: the default tenant)")
}

// allPages collects every page of a list.
func allPages[T any](list func(admin.Page) (admin.List[T], error)) ([]T, error) {
	var out []T
	pg := admin.Page{Limit: admin.MaxLimit}
	for {
		l, err := list(pg)
		if err != nil {
			return nil, err
		}
		out = append(out, l.Items...)
		if l.Next == "" {
			return out, nil
		}
		pg.Cursor = l.Next
	}
}

func (e *cliEnv) tenants(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: admit tenants add|list|suspend|activate")
	}
	fs := e.flags("tenants " + args[0])
	switch args[0] {
	case "add":
		slug := fs.String("slug", "", "URL-safe unique slug (required)")
		name := fs.String("name", "", "display name (required)")
		return e.withApp(ctx, fs, args[1:], func(a *app.App) error {
			t, err := a.Admin.CreateTenant(ctx, admin.CLI(), admin.TenantInput{Slug: *slug, Name: *name})
			if err == nil {
				err = e.printf("tenant %s created (%s)\n", t.ID, t.Slug)
			}
			return err
		})
	case "list":
		status := fs.String("status", "", "only active or suspended tenants")
		return e.withApp(ctx, fs, args[1:], func(a *app.App) error {
			ts, err := allPages(func(pg admin.Page) (admin.List[storage.Tenant], error) {
				return a.Admin.ListTenants(ctx, admin.CLI(), storage.TenantFilter{Status: *status}, pg)
			})
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSLUG\tNAME\tSTATUS")
			for _, t := range ts {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.ID, t.Slug, t.Name, t.Status)
			}
			return tw.Flush()
		})
	case "suspend", "activate":
		status := map[string]string{"suspend": storage.TenantSuspended, "activate": storage.TenantActive}[args[0]]
		return e.withApp(ctx, fs, args[1:], func(a *app.App) error {
			if fs.NArg() != 1 {
				return fmt.Errorf("usage: admit tenants %s SLUG|ID", args[0])
			}
			t, err := a.Admin.ResolveTenant(ctx, fs.Arg(0))
			if err != nil {
				return err
			}
			t, err = a.Admin.SetTenantStatus(ctx, admin.CLI(), t.ID, status)
			return e.done(err, fmt.Sprintf("tenant %s is %s", t.Slug, t.Status))
		})
	}
	return fmt.Errorf("unknown tenants command %q (add, list, suspend, activate)", args[0])
}

func (e *cliEnv) roles(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: admit roles grant|revoke|list")
	}
	fs := e.flags("roles " + args[0])
	tenant := tenantFlag(fs)
	user := fs.String("user", "", "user ID or e-mail address")
	role := fs.String("role", "", "role name (see the catalogue: GET /admin/v1/roles)")
	venue := fs.String("venue", "", "venue ID (for venue roles)")
	run := func(f func(a *app.App, tenantID string) error) error {
		return e.withApp(ctx, fs, args[1:], func(a *app.App) error {
			t, err := a.Admin.ResolveTenant(ctx, *tenant)
			if err != nil {
				return err
			}
			return f(a, t.ID)
		})
	}
	switch args[0] {
	case "grant":
		expires := fs.String("expires", "", "end of the grant: RFC 3339 time or a duration from now (e.g. 720h)")
		return run(func(a *app.App, tenantID string) error {
			in := admin.GrantInput{User: *user, Role: *role, VenueID: *venue}
			if *expires != "" {
				var err error
				if in.ExpiresAt, err = parseExpiry(*expires, a.Now()); err != nil {
					return fmt.Errorf("--expires: %w", err)
				}
			}
			g, err := a.Admin.CreateGrant(ctx, admin.CLI(), tenantID, in)
			if err == nil {
				err = e.printf("granted %s to %s%s (grant %s)\n", g.Role, g.UserID, where(g), g.ID)
			}
			return err
		})
	case "revoke":
		return run(func(a *app.App, tenantID string) error {
			gs, err := a.Admin.RevokeGrants(ctx, admin.CLI(), tenantID, admin.GrantQuery{User: *user, Role: *role, VenueID: *venue})
			return e.done(err, fmt.Sprintf("revoked %d grant(s)", len(gs)))
		})
	case "list":
		all := fs.Bool("all", false, "include revoked and expired grants")
		return run(func(a *app.App, tenantID string) error {
			gs, err := allPages(func(pg admin.Page) (admin.List[storage.RoleGrant], error) {
				return a.Admin.ListGrants(ctx, admin.CLI(), tenantID, admin.GrantQuery{User: *user, Role: *role, VenueID: *venue, InForce: !*all}, pg)
			})
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "GRANT\tUSER\tROLE\tVENUE\tEXPIRES\tACTIVE")
			for _, g := range gs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%v\n", g.ID, g.UserID, g.Role, orDash(g.ResourceID), fmtTime(g.ExpiresAt), g.InForce(a.Now()))
			}
			return tw.Flush()
		})
	}
	return fmt.Errorf("unknown roles command %q (grant, revoke, list)", args[0])
}

func where(g storage.RoleGrant) string {
	if g.ResourceID == "" {
		return ""
	}
	return " at " + g.ResourceType + " " + g.ResourceID
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// parseExpiry reads an RFC 3339 time or a duration from now.
func parseExpiry(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(d), nil
	}
	return time.Parse(time.RFC3339, s)
}

// apis manages the tenant's APIs (protected resources, RFC 8707).
func (e *cliEnv) apis(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: admit apis add|list|remove")
	}
	fs := e.flags("apis " + args[0])
	tenant := tenantFlag(fs)
	switch args[0] {
	case "add":
		var s admin.APISpec
		var scopes listFlag
		fs.StringVar(&s.ID, "id", "", "API id (required)")
		fs.StringVar(&s.Identifier, "identifier", "", "resource URI, the tokens' aud (required), e.g. https://tickets.example/api")
		fs.StringVar(&s.Name, "name", "", "display name")
		fs.Var(&scopes, "scope", "a scope of the API (repeatable, at least one)")
		fs.DurationVar(&s.AccessTTL, "access-token-ttl", 0, "lifetime of tokens for the API (default: the client's)")
		fs.StringVar(&s.SigningAlg, "access-token-alg", "", "RS256, ES256 or EdDSA (default: the client's, else signing_alg)")
		fs.BoolVar(&s.Opaque, "opaque", false, "opaque access tokens, introspected by the API (needs --introspection-client)")
		fs.StringVar(&s.IntrospectionClientID, "introspection-client", "", "confidential client the API authenticates as at /oauth/introspect")
		return e.withApp(ctx, fs, args[1:], func(a *app.App) error {
			s.Scopes = scopes
			t, err := a.Admin.ResolveTenant(ctx, *tenant)
			if err != nil {
				return err
			}
			created, err := a.Admin.CreateAPI(ctx, admin.CLI(), t.ID, s)
			return e.done(err, fmt.Sprintf("api %s created (%s)", created.ID, created.Identifier))
		})
	case "list":
		return e.withApp(ctx, fs, args[1:], func(a *app.App) error {
			t, err := a.Admin.ResolveTenant(ctx, *tenant)
			if err != nil {
				return err
			}
			l, err := a.Admin.ListAPIs(ctx, admin.CLI(), t.ID)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tIDENTIFIER\tSCOPES\tALG\tTOKENS")
			for _, api := range l {
				kind := "jwt"
				if api.Opaque {
					kind = "opaque"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", api.ID, api.Identifier, strings.Join(api.Scopes, ","), orDash(api.SigningAlg), kind)
			}
			return tw.Flush()
		})
	case "remove":
		var clients []string
		del := func(s *admin.Service, ctx context.Context, p admin.Principal, tenantID, id string) (err error) {
			clients, err = s.DeleteAPI(ctx, p, tenantID, id)
			return err
		}
		if err := e.removeIn(ctx, fs, args[1:], tenant, "usage: admit apis remove API_ID", del, "removed %s"); err != nil || len(clients) == 0 {
			return err
		}
		return e.printf("removed from the allowed resources of: %s\n", strings.Join(clients, ", "))
	}
	return fmt.Errorf("unknown apis command %q (add, list, remove)", args[0])
}

package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/keys"
	"github.com/admit-idp/admit/migrations"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
)

// listFlag collects a repeatable or comma-separated flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// config parses the shared configuration flags plus a command's own and
// refuses development mode: operator commands act on the real database.
func (e *cliEnv) config(fs *flag.FlagSet, args []string) (app.Config, error) {
	cfg, err := app.LoadConfig(fs, args, e.getenv)
	if err != nil {
		return app.Config{}, fmt.Errorf("configuration:\n%w", err)
	}
	if cfg.DevMode() {
		return app.Config{}, errors.New("this command needs a database: set ADMIT_DATABASE_URL (and ADMIT_REDIS_URL, ADMIT_MASTER_KEY)")
	}
	return cfg, nil
}

func (e *cliEnv) withApp(ctx context.Context, fs *flag.FlagSet, args []string, f func(*app.App) error) error {
	cfg, err := e.config(fs, args)
	if err != nil {
		return err
	}
	if v, _, err := migrations.Version(ctx, cfg.DatabaseURL); err == nil && v == 0 {
		return errors.New("the database has no schema yet: run `admit migrate` first")
	}
	a, cleanup, err := e.open(ctx, cfg, app.NewLogger(e.stderr, cfg), false)
	if err != nil {
		return err
	}
	defer cleanup()
	return f(a)
}

func (e *cliEnv) migrate(ctx context.Context, args []string) error {
	sub := "up"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	fs := e.flags("migrate")
	db := fs.String("database-url", e.getenv("ADMIT_DATABASE_URL"), "PostgreSQL URL (ADMIT_DATABASE_URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// Migrations touch only Postgres: no Redis or master key needed, so a
	// deployment can run them as a separate job.
	if *db == "" {
		return errors.New("admit migrate needs a database: set ADMIT_DATABASE_URL or --database-url")
	}
	cfg := app.Config{DatabaseURL: *db}
	switch sub {
	case "up":
		return e.done(migrations.Up(ctx, cfg.DatabaseURL), "migrations applied")
	case "down":
		steps, err := strconv.Atoi(fs.Arg(0))
		if err != nil || steps < 1 {
			return errors.New("usage: admit migrate down N (N >= 1 steps to roll back)")
		}
		return e.done(migrations.Down(ctx, cfg.DatabaseURL, steps), "rolled back")
	case "version":
		v, dirty, err := migrations.Version(ctx, cfg.DatabaseURL)
		if err == nil {
			err = e.printf("version %d dirty=%v\n", v, dirty)
		}
		return err
	}
	return fmt.Errorf("unknown migrate command %q (up, down N, version)", sub)
}

func (e *cliEnv) done(err error, msg string) error {
	if err == nil {
		err = e.printf("%s\n", msg)
	}
	return err
}

// removeIn runs an `admit … remove ID` command: after the flags comes
// exactly one ID (else usage is the error), del deletes it from the
// --tenant flag's tenant (a slug or ID) as the CLI, and done's format,
// given the ID, is what is printed.
func (e *cliEnv) removeIn(ctx context.Context, fs *flag.FlagSet, args []string, tenant *string, usage string,
	del func(s *admin.Service, ctx context.Context, p admin.Principal, tenantID, id string) error, done string) error {
	return e.withApp(ctx, fs, args, func(a *app.App) error {
		if fs.NArg() != 1 {
			return errors.New(usage)
		}
		t, err := a.Admin.ResolveTenant(ctx, *tenant) // the flag is parsed by now
		if err != nil {
			return err
		}
		return e.done(del(a.Admin, ctx, admin.CLI(), t.ID, fs.Arg(0)), fmt.Sprintf(done, fs.Arg(0)))
	})
}

// printf writes to standard output. A failed write (a closed pipe, a full
// disk) is the command's error: the output may be a secret shown only once.
func (e *cliEnv) printf(format string, args ...any) error {
	_, err := fmt.Fprintf(e.stdout, format, args...)
	return err
}

func (e *cliEnv) clients(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: admit clients add|list|remove")
	}
	switch args[0] {
	case "add":
		return e.clientsAdd(ctx, args[1:])
	case "list":
		fs := e.flags("clients list")
		tenant := tenantFlag(fs)
		return e.withApp(ctx, fs, args[1:], func(a *app.App) error { return e.clientsList(ctx, a, *tenant) })
	case "remove":
		fs := e.flags("clients remove")
		tenant := tenantFlag(fs)
		return e.removeIn(ctx, fs, args[1:], tenant, "usage: admit clients remove CLIENT_ID", (*admin.Service).DeleteClient, "removed %s")
	}
	return fmt.Errorf("unknown clients command %q (add, list, remove)", args[0])
}

func (e *cliEnv) clientsAdd(ctx context.Context, args []string) error {
	fs := e.flags("clients add")
	var s app.ClientSpec
	var redirects, logouts, grants, scopes listFlag
	fs.StringVar(&s.ID, "id", "", "client id (required)")
	fs.StringVar(&s.Name, "name", "", "display name shown on the login and consent pages")
	fs.Var(&redirects, "redirect-uri", "redirect URI (repeatable)")
	fs.Var(&logouts, "post-logout-uri", "post-logout redirect URI (repeatable)")
	fs.Var(&grants, "grant", "authorization_code, refresh_token, client_credentials, "+admin.GrantDeviceCode+", "+admin.GrantTokenExchange+" (repeatable; default authorization_code,refresh_token)")
	deviceGrant := fs.Bool("device-grant", false, "allow the device authorization grant (RFC 8628; adds its grant type)")
	tokenExchange := fs.Bool("token-exchange", false, "allow token exchange: native social sign-in, delegation (RFC 8693; adds its grant type)")
	fs.Var(&scopes, "scope", "allowed scope (repeatable; default openid,profile,email,offline_access)")
	fs.BoolVar(&s.Public, "public", false, "public client (SPA, native): no secret, PKCE required")
	fs.BoolVar(&s.FirstParty, "first-party", false, "skip the consent page")
	fs.BoolVar(&s.RequireMFA, "require-mfa", false, "require a second factor (TOTP) for every login to this client")
	fs.BoolVar(&s.DPoPBoundAccessTokens, "dpop-bound", false, "every token request must carry a DPoP proof (RFC 9449 dpop_bound_access_tokens)")
	fs.BoolVar(&s.RequirePAR, "require-par", false, "accept authorization requests only through the PAR endpoint (RFC 9126 require_pushed_authorization_requests)")
	fs.StringVar(&s.AuthMethod, "auth-method", "", "client_secret_basic (default), client_secret_post, private_key_jwt")
	jwksFile := fs.String("jwks-file", "", "client's public JWKS (for private_key_jwt)")
	fs.DurationVar(&s.AccessTTL, "access-token-ttl", 0, "access token lifetime (default 15m)")
	fs.DurationVar(&s.IDTTL, "id-token-ttl", 0, "id token lifetime (default 1h)")
	fs.DurationVar(&s.RefreshTTL, "refresh-token-ttl", 0, "refresh token lifetime (default 168h)")
	var resources listFlag
	fs.Var(&resources, "allowed-resource", "API identifier (RFC 8707 resource) or client ID (token-exchange audience) the client may get tokens for (repeatable)")
	fs.StringVar(&s.IDTokenAlg, "id-token-alg", "", "id_token_signed_response_alg: RS256 (default), ES256 or EdDSA")
	fs.StringVar(&s.AccessTokenAlg, "access-token-alg", "", "access-token signing algorithm: RS256, ES256 or EdDSA (default: signing_alg)")
	fs.StringVar(&s.BackchannelLogoutURI, "backchannel-logout-uri", "", "receives a signed logout token when a session with this client ends (Back-Channel Logout 1.0)")
	fs.StringVar(&s.FrontchannelLogoutURI, "frontchannel-logout-uri", "", "loaded in an iframe of the sign-out page, with iss and sid (Front-Channel Logout 1.0)")
	s.BackchannelLogoutSessionRequired, s.FrontchannelSessionRequired = true, true
	fs.StringVar(&s.PolicyURI, "policy-uri", "", "https privacy policy, linked from the consent page")
	fs.StringVar(&s.TOSURI, "tos-uri", "", "https terms of service, linked from the consent page")
	fs.StringVar(&s.LogoURI, "logo-uri", "", "https logo_uri metadata (the pages show the uploaded brand logo: admit brand logo --client)")
	tenant := tenantFlag(fs)
	return e.withApp(ctx, fs, args, func(a *app.App) error {
		s.AllowedResources = resources
		s.RedirectURIs, s.PostLogoutURIs, s.Grants, s.Scopes = redirects, logouts, orList(grants, "authorization_code", "refresh_token"), orList(scopes, app.SupportedScopes...)
		s.Grants = withSwitches(s.Grants, map[string]bool{admin.GrantDeviceCode: *deviceGrant, admin.GrantTokenExchange: *tokenExchange})
		if *jwksFile != "" {
			raw, err := os.ReadFile(*jwksFile)
			if err != nil {
				return err
			}
			s.JWKS = raw
		}
		t, err := a.Admin.ResolveTenant(ctx, *tenant)
		if err != nil {
			return err
		}
		_, secret, err := a.Admin.CreateClient(ctx, admin.CLI(), t.ID, s)
		if err != nil {
			return err
		}
		if err := e.printf("client %s created\n", s.ID); err != nil || secret == "" {
			return err
		}
		if err := e.printf("client secret (shown once, store it now): %s\n", secret); err != nil {
			return fmt.Errorf("client %s created, but its secret could not be printed (remove the client and add it again): %w", s.ID, err)
		}
		return nil
	})
}

// withSwitches adds the grant types whose flag is set (once).
func withSwitches(grants []string, on map[string]bool) []string {
	out := slices.Clone(grants)
	for _, g := range []string{admin.GrantDeviceCode, admin.GrantTokenExchange} {
		if on[g] && !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}

func orList(l listFlag, def ...string) []string {
	if len(l) == 0 {
		return def
	}
	return l
}

func (e *cliEnv) clientsList(ctx context.Context, a *app.App, tenant string) error {
	t, err := a.Admin.ResolveTenant(ctx, tenant)
	if err != nil {
		return err
	}
	cs, err := allPages(func(pg admin.Page) (admin.List[storage.Client], error) {
		return a.Admin.ListClients(ctx, admin.CLI(), storage.ClientFilter{TenantID: t.ID}, pg)
	})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tTYPE\tGRANTS\tREDIRECT URIS")
	for _, c := range cs {
		kind := "confidential"
		if c.Public {
			kind = "public"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, kind, strings.Join(c.GrantTypes, ","), strings.Join(c.RedirectURIs, " "))
	}
	return tw.Flush()
}

func (e *cliEnv) users(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: admit users add --email E [--given-name G] [--family-name F] (password read from stdin)")
	}
	fs := e.flags("users add")
	var nu app.NewUser
	fs.StringVar(&nu.Email, "email", "", "e-mail address (required)")
	fs.StringVar(&nu.GivenName, "given-name", "", "given name")
	fs.StringVar(&nu.FamilyName, "family-name", "", "family name")
	fs.BoolVar(&nu.EmailVerified, "verified", false, "mark the e-mail as verified")
	tenant := tenantFlag(fs)
	return e.withApp(ctx, fs, args[1:], func(a *app.App) error {
		pw, err := e.readSecret("password")
		if err != nil {
			return err
		}
		t, err := a.Admin.ResolveTenant(ctx, *tenant)
		if err != nil {
			return err
		}
		u, err := a.Admin.CreateUser(ctx, admin.CLI(), t.ID, admin.NewUser{Email: nu.Email, Password: pw, GivenName: nu.GivenName,
			FamilyName: nu.FamilyName, EmailVerified: nu.EmailVerified, SkipPolicy: true})
		if errors.Is(err, storage.ErrAlreadyExists) {
			return fmt.Errorf("a user with the e-mail address %s already exists", nu.Email)
		}
		if err == nil {
			err = e.printf("user %s created (%s)\n", u.ID, u.Email)
		}
		return err
	})
}

// readSecret reads one line from stdin, so secrets stay out of argv and
// shell history.
func (e *cliEnv) readSecret(what string) (string, error) {
	_, _ = fmt.Fprintf(e.stderr, "%s: ", what) // a prompt only; reading stdin decides
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("no %s given on standard input: %w", what, err)
	}
	return line, nil
}

func (e *cliEnv) keys(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: admit keys rotate|list|prune|master-key")
	}
	fs := flag.NewFlagSet("keys "+args[0], flag.ContinueOnError)
	switch args[0] {
	case "master-key":
		mk, err := keys.GenerateMasterKey()
		if err == nil {
			err = e.printf("%s\n", base64.StdEncoding.EncodeToString(mk))
		}
		return err
	case "rotate":
		return e.withApp(ctx, fs, args[1:], func(a *app.App) error {
			_, err := a.Admin.RotateKeys(ctx, admin.CLI())
			return e.done(err, "rotated: the next key is now active")
		})
	case "prune":
		return e.withApp(ctx, fs, args[1:], func(a *app.App) error { return e.done(a.Keys.Prune(ctx), "pruned") })
	case "list":
		return e.withApp(ctx, fs, args[1:], e.keysList)
	}
	return fmt.Errorf("unknown keys command %q", args[0])
}

func (e *cliEnv) keysList(a *app.App) error {
	ks, err := a.Stores.Durable.ListSigningKeys(context.Background())
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tALG\tSTATE\tCREATED\tRETIRED")
	for _, k := range ks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Algorithm, k.State, k.CreatedAt.Format(time.RFC3339), fmtTime(k.RetiredAt))
	}
	return tw.Flush()
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.RFC3339)
}

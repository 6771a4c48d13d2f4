package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/admit-idp/admit/cmd/admit/app"
)

func (e *cliEnv) serve(ctx context.Context, args []string) error {
	cfg, err := app.LoadConfig(e.flags("serve"), args, e.getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	app.ApplyMemoryDefaults()
	log := app.NewLogger(e.stderr, cfg)
	// zitadel's op logs through the default logger: give it the same
	// handler (format, level) as Admit's own logs, op's lines at DEBUG.
	app.SetDefaultLogger(log)
	a, cleanup, err := e.open(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer cleanup()
	a.LogServeWarnings()
	// Before the development seeding, whose hashes then run there too and
	// not in the server's heap.
	defer a.StartHashProcesses()()
	if cfg.DevMode() {
		if err := a.SeedDemo(ctx); err != nil {
			return err
		}
		if err := a.SeedDemoAdmin(ctx); err != nil {
			return err
		}
		if err := a.SeedConsoleAdmin(ctx); err != nil {
			return err
		}
		if err := a.SeedDemoBrand(ctx); err != nil {
			return err
		}
		e.banner(cfg, a.Accounts != nil && a.Accounts.Mailbox != nil)
	}
	go a.RunMaintenance(ctx)
	go a.RunEvents(ctx)
	go a.RunIdleTrim(ctx)
	h := a.Handler()
	a.ReleaseHashMemoryWhenIdle()
	app.ReleaseStartupMemory()
	return listenAndServe(ctx, cfg.Addr, h, log)
}

func (e *cliEnv) open(ctx context.Context, cfg app.Config, log *slog.Logger, migrate bool) (*app.App, func(), error) {
	st, err := app.OpenStores(ctx, cfg, nil, migrate, log)
	if err != nil {
		return nil, nil, err
	}
	a, err := app.New(ctx, cfg, st, log, app.Options{})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	// On shutdown: drain the mail queue, then flush the audit log and close
	// the connections (Stores.Close).
	return a, func() { a.Accounts.Close(); st.Close() }, nil
}

// listenAndServe serves until ctx ends (SIGTERM, SIGINT), then drains
// in-flight requests for up to 20 seconds.
func listenAndServe(ctx context.Context, addr string, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{
		Addr: addr, Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 32 << 10,
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("admit listening", "addr", addr)
	select {
	case err := <-errc:
		return fmt.Errorf("listen on %s: %w", addr, err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// banner prints the development-mode notice. A failed write does not stop
// the server: the notice is a convenience, not part of serving.
// With no SMTP server (mailbox true) it names /dev/mailbox, where the
// sign-up, reset and notice e-mails can be read.
func (e *cliEnv) banner(cfg app.Config, mailbox bool) {
	mails := "sent through accounts.smtp"
	if mailbox {
		mails = cfg.Issuer + "/dev/mailbox (no SMTP server: e-mails are kept there)"
	}
	_, _ = fmt.Fprintf(e.stdout, `
  ┌─ Admit — DEVELOPMENT MODE ───────────────────────────────────────────
  │ In-memory storage: every user, client, session and signing key is
  │ throwaway and lost on exit. A random master key was generated.
  │ Set ADMIT_DATABASE_URL, ADMIT_REDIS_URL and ADMIT_MASTER_KEY for production.
  │
  │ Issuer:         %s
  │ Discovery:      %s/.well-known/openid-configuration
  │ Client:         %s / secret %s (confidential)
  │ Public client:  %s (PKCE required)
  │ Redirect URIs:  %s, %s
  │ User:           %s / %s
  │ Admin API:      %s/admin/v1 (client %s / secret %s, scope admit:admin)
  │ E-mails:        %s
  │ Console:        %s/console (%s / %s, platform administrator;
  │                 set up TOTP at the first sign-in)
  │ Branded tenant: %s ("Riverside Hall": colour, logo, German by default)
  │   client %s / secret %s, user %s / %s
  │ Languages:      add ui_locales=de|fr|es|ar to /authorize (Arabic is right to left)
  └──────────────────────────────────────────────────────────────────────
`, cfg.Issuer, cfg.Issuer, app.DemoClientID, app.DemoClientSecret, app.DemoSPAID,
		app.DemoRedirectURIs[0], app.DemoRedirectURIs[1], app.DemoUserEmail, app.DemoUserPassword,
		cfg.Issuer, app.DemoAdminID, app.DemoAdminSecret, mails, cfg.Issuer, app.DevConsoleEmail, app.DevConsolePassword,
		app.DemoBrandTenantSlug, app.DemoBrandClientID, app.DemoBrandClientSecret, app.DemoBrandUserEmail, app.DemoBrandUserPassword)
}

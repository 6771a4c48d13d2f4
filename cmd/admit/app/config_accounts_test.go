package app_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/admit-idp/admit/cmd/admit/app"
)

func TestAccountsConfig(t *testing.T) {
	load := func(env map[string]string, args ...string) (app.Config, error) {
		return app.LoadConfig(flag.NewFlagSet("t", flag.ContinueOnError), args, envMap(env))
	}
	cfg, err := load(nil)
	if err != nil || !cfg.Accounts.SignUpAllowed() || cfg.Accounts.SMTP.Host != "" {
		t.Fatalf("defaults: %v %+v", err, cfg.Accounts)
	}
	cfg, err = load(map[string]string{
		"ADMIT_SIGNUP": "false", "ADMIT_SMTP_HOST": "smtp.example.com", "ADMIT_SMTP_PORT": "465", "ADMIT_SMTP_TLS": "tls",
		"ADMIT_SMTP_USER": "admit", "ADMIT_SMTP_PASSWORD": "pw", "ADMIT_SMTP_FROM": "Admit <no-reply@example.com>",
		"ADMIT_REQUIRE_VERIFIED_EMAIL": "a,b",
	})
	s := cfg.Accounts.SMTP
	if err != nil || cfg.Accounts.SignUpAllowed() || s.Host != "smtp.example.com" || s.Port != 465 || s.TLS != "tls" ||
		s.Username != "admit" || s.Password != "pw" || len(cfg.Accounts.RequireVerifiedEmail) != 2 {
		t.Fatalf("env: %v %+v", err, cfg.Accounts)
	}
	file := filepath.Join(t.TempDir(), "admit.yaml")
	_ = os.WriteFile(file, []byte("accounts:\n  signup: false\n  password_min_length: 12\n  smtp:\n    host: localhost\n    tls: none\n"), 0o600)
	if cfg, err = load(nil, "--config", file); err != nil || cfg.Accounts.PasswordMinLength != 12 || cfg.Accounts.SMTP.TLS != "none" {
		t.Fatalf("file: %v %+v", err, cfg.Accounts)
	}
	for env, want := range map[string]string{
		"ADMIT_SIGNUP=maybe":           "ADMIT_SIGNUP",
		"ADMIT_SMTP_PORT=smtp":         "ADMIT_SMTP_PORT",
		"ADMIT_SMTP_TLS=ssl3":          "accounts.smtp.tls",
		"ADMIT_SMTP_FROM=not an addr":  "accounts.smtp.from",
		"ADMIT_SMTP_USER=without-host": "host (ADMIT_SMTP_HOST) is required",
	} {
		k, v, _ := strings.Cut(env, "=")
		e := map[string]string{k: v}
		if k != "ADMIT_SMTP_USER" && k != "ADMIT_SIGNUP" {
			e["ADMIT_SMTP_HOST"] = "smtp.example.com"
		}
		if _, err := load(e); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want one naming %s", env, err, want)
		}
	}
}

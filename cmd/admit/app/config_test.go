package app_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/admit-idp/admit/cmd/admit/app"
)

func envMap(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadConfigPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "admit.yaml")
	_ = os.WriteFile(file, []byte("issuer: https://file.example.com\naddr: 0.0.0.0:9000\nsigning_alg: ES256\n"), 0o600)
	env := envMap(map[string]string{"ADMIT_CONFIG": file, "ADMIT_ADDR": "127.0.0.1:7000"})
	cfg, err := app.LoadConfig(flag.NewFlagSet("t", flag.ContinueOnError), []string{"--issuer", "https://flag.example.com"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Issuer != "https://flag.example.com" || cfg.Addr != "127.0.0.1:7000" || cfg.SigningAlg != "ES256" {
		t.Fatalf("flag > env > file > default broken: %+v", cfg)
	}
	if !cfg.DevMode() || !cfg.Secure() {
		t.Fatalf("DevMode %v Secure %v", cfg.DevMode(), cfg.Secure())
	}
}

func TestLoadConfigRejectsBadValues(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"http issuer off localhost", map[string]string{"ADMIT_ISSUER": "http://id.example.com"}, []string{"plain http is only allowed for localhost"}},
		{"issuer with query", map[string]string{"ADMIT_ISSUER": "https://id.example.com?x=1"}, []string{"query or fragment"}},
		{"bad address", map[string]string{"ADMIT_ADDR": "8080"}, []string{"addr"}},
		{"HS256", map[string]string{"ADMIT_SIGNING_ALG": "HS256"}, []string{"signing_alg"}},
		{"database without redis or key", map[string]string{"ADMIT_DATABASE_URL": "postgres://x/y"}, []string{"redis_url (ADMIT_REDIS_URL) is required", "master_key (ADMIT_MASTER_KEY) is required"}},
		{"short master key", map[string]string{"ADMIT_DATABASE_URL": "postgres://x/y", "ADMIT_REDIS_URL": "redis://r", "ADMIT_MASTER_KEY": "c2hvcnQ="}, []string{"master_key"}},
		{"redis without database", map[string]string{"ADMIT_REDIS_URL": "redis://r"}, []string{"redis_url (ADMIT_REDIS_URL) is set without database_url (ADMIT_DATABASE_URL)"}},
		{"log level", map[string]string{"ADMIT_LOG_LEVEL": "loud"}, []string{"log_level"}},
		{"backend timeout not a duration", map[string]string{"ADMIT_BACKEND_TIMEOUT": "3"}, []string{"ADMIT_BACKEND_TIMEOUT"}},
		{"backend timeout too short", map[string]string{"ADMIT_BACKEND_TIMEOUT": "1ms"}, []string{"backend_timeout"}},
		{"backend timeout too long", map[string]string{"ADMIT_BACKEND_TIMEOUT": "5m"}, []string{"backend_timeout"}},
		{"negative reuse interval", map[string]string{"ADMIT_REFRESH_REUSE_INTERVAL": "-1s"}, []string{"refresh_reuse_interval"}},
		{"reuse interval too long", map[string]string{"ADMIT_REFRESH_REUSE_INTERVAL": "1h"}, []string{"refresh_reuse_interval"}},
		{"event retention not a duration", map[string]string{"ADMIT_EVENTS_RETENTION": "7"}, []string{"ADMIT_EVENTS_RETENTION"}},
		{"negative dead event retention", map[string]string{"ADMIT_EVENTS_DEAD_RETENTION": "-1h"}, []string{"dead_retention"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := app.LoadConfig(flag.NewFlagSet("t", flag.ContinueOnError), nil, envMap(tt.env))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestLoadConfigRejectsUnknownFileKeys(t *testing.T) {
	file := filepath.Join(t.TempDir(), "admit.yaml")
	_ = os.WriteFile(file, []byte("isuer: https://typo.example.com\n"), 0o600)
	_, err := app.LoadConfig(flag.NewFlagSet("t", flag.ContinueOnError), []string{"--config", file}, envMap(nil))
	if err == nil || !strings.Contains(err.Error(), "isuer") {
		t.Fatalf("err = %v, want the unknown key named", err)
	}
}

func TestEnvListsAreTrimmedAndBoolsChecked(t *testing.T) {
	cfg, err := app.LoadConfig(flag.NewFlagSet("t", flag.ContinueOnError), nil,
		envMap(map[string]string{"ADMIT_REQUIRE_VERIFIED_EMAIL": "shop, spa ,", "ADMIT_TRUSTED_PROXIES": "10.0.0.1, 10.0.0.2"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Accounts.RequireVerifiedEmail; len(got) != 2 || got[1] != "spa" {
		t.Fatalf("RequireVerifiedEmail = %q", got)
	}
	for _, name := range []string{"ADMIT_CAPTCHA_FAIL_OPEN", "ADMIT_SIGNUP", "ADMIT_WALLET_SIGNUP", "ADMIT_DPOP_NONCE", "ADMIT_HASH_PROCESSES", "ADMIT_HASH_SCHED_IDLE"} {
		_, err := app.LoadConfig(flag.NewFlagSet("t", flag.ContinueOnError), nil, envMap(map[string]string{name: "maybe"}))
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=maybe: err = %v, want it named", name, err)
		}
	}
}

func TestResilienceSettings(t *testing.T) {
	cfg, err := app.LoadConfig(flag.NewFlagSet("t", flag.ContinueOnError), nil, envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Resilience.BackendTimeout != 3*time.Second || cfg.Resilience.RefreshReuseInterval != 30*time.Second {
		t.Fatalf("defaults: %+v", cfg.Resilience)
	}
	cfg, err = app.LoadConfig(flag.NewFlagSet("t", flag.ContinueOnError), nil,
		envMap(map[string]string{"ADMIT_BACKEND_TIMEOUT": "750ms", "ADMIT_REFRESH_REUSE_INTERVAL": "0s"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Resilience.BackendTimeout != 750*time.Millisecond || cfg.Resilience.RefreshReuseInterval != 0 {
		t.Fatalf("from the environment: %+v", cfg.Resilience)
	}
}

func TestEventRetentionFromEnvironment(t *testing.T) {
	cfg, err := app.LoadConfig(flag.NewFlagSet("t", flag.ContinueOnError), nil,
		envMap(map[string]string{"ADMIT_EVENTS_RETENTION": "48h", "ADMIT_EVENTS_DEAD_RETENTION": "240h"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Events.Retention != 48*time.Hour || cfg.Events.DeadRetention != 240*time.Hour {
		t.Fatalf("retention from the environment: %v, %v", cfg.Events.Retention, cfg.Events.DeadRetention)
	}
}

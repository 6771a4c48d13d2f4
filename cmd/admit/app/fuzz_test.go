package app

import (
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzEnvVars are the ADMIT_* variables FuzzLoadConfig sets.
var fuzzEnvVars = []string{
	"ADMIT_ACCESS_LOG", "ADMIT_ADDR", "ADMIT_CAPTCHA_FAIL_OPEN", "ADMIT_CAPTCHA_PROVIDER", "ADMIT_CAPTCHA_SECRET",
	"ADMIT_CAPTCHA_SITE_KEY", "ADMIT_DATABASE_URL", "ADMIT_ISSUER", "ADMIT_LOG_FORMAT", "ADMIT_LOG_LEVEL",
	"ADMIT_MASTER_KEY", "ADMIT_PASSKEY_ATTESTATION", "ADMIT_RATE_LIMITS", "ADMIT_REDIS_PREFIX", "ADMIT_REDIS_URL",
	"ADMIT_REQUIRE_VERIFIED_EMAIL", "ADMIT_ROLES_MAX_TOKEN_VENUES", "ADMIT_SIGNING_ALG", "ADMIT_SIGNUP",
	"ADMIT_SMTP_FROM", "ADMIT_SMTP_HOST", "ADMIT_SMTP_PORT", "ADMIT_SMTP_TLS", "ADMIT_SOCIAL_GITHUB_CLIENT_SECRET",
	"ADMIT_TRUSTED_PROXIES", "ADMIT_WALLET_CHAIN_IDS", "ADMIT_WALLET_SIGNUP",
}

// FuzzLoadConfig: the configuration loader, given any YAML file and any
// value of one ADMIT_* variable, never panics, and either reports an error
// or returns a configuration that validates, from which the derived
// settings (defences policy, retention, logger) can be built.
func FuzzLoadConfig(f *testing.F) {
	f.Add([]byte("issuer: https://id.example.com\naccess_log: all\ndefences:\n  rate_limits: off\n  device_retention: 720h\n"), uint8(0), "errors")
	f.Add([]byte("accounts:\n  forgot_floor: 750ms\n  smtp:\n    host: smtp.example.com\n    port: 587\n"), uint8(20), "2525")
	f.Add([]byte("social:\n  providers: []\nroles:\n  max_token_venues: 3\n"), uint8(25), "1,8453")
	f.Add([]byte("trusted_proxies: [10.0.0.0/8, 192.0.2.1]\nkey_grace: 1h\n"), uint8(24), "10.0.0.0/8, ::1")
	f.Add([]byte("unknown_key: 1\n"), uint8(8), "http://127.0.0.1:1")
	f.Add([]byte("defences: [1, 2]\n"), uint8(5), "not a flag")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, file []byte, which uint8, value string) {
		path := filepath.Join(dir, "admit.yaml")
		if err := os.WriteFile(path, file, 0o600); err != nil {
			t.Fatal(err)
		}
		name := fuzzEnvVars[int(which)%len(fuzzEnvVars)]
		getenv := func(k string) string {
			if k == name {
				return value
			}
			return ""
		}
		fs := flag.NewFlagSet("fuzz", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg, err := LoadConfig(fs, []string{"--config", path}, getenv)
		if err != nil {
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("LoadConfig accepted a configuration that does not validate: %v", err)
		}
		_ = cfg.Defences.policy()
		_ = cfg.Defences.DeviceRetentionOrDefault()
		_ = cfg.Defences.AuditRetentionOrDefault()
		_ = NewLogger(io.Discard, cfg)
		_ = cfg.Secure()
	})
}

// FuzzFormInput: whatever query string, form body and Basic credentials a
// request carries, the input guard in front of every handler never panics,
// answers 400 or lets the request through, and lets through only values
// that are valid UTF-8 without NUL bytes (what Postgres text columns and
// every handler expect).
func FuzzFormInput(f *testing.F) {
	f.Add("/login/password", "email=a%40example.com&password=x", "client_id=demo", "", "")
	f.Add("/oauth/token", "grant_type=authorization_code&code=%00", "", "demo-app", "secret")
	f.Add("/account", "name=%ff%fe", "a=%zz", "", "")
	f.Add("/login/signup", "given_name=Ada&given_name=Lovelace&phone=%2B44", "flow=1;2", "\x00", "\xff")
	f.Fuzz(func(t *testing.T, path, body, query, user, pass string) {
		reached := false
		h := rejectMalformedInput(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			reached = true
			for k, vs := range r.Form {
				for _, v := range append([]string{k}, vs...) {
					if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
						t.Fatalf("value %q reached the handler", v)
					}
				}
			}
			if u, p, ok := r.BasicAuth(); ok && (!clean(u) || !clean(p)) {
				t.Fatalf("Basic credentials %q:%q reached the handler", u, p)
			}
		}))
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.URL.Path, req.URL.RawQuery = path, query
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if user != "" || pass != "" {
			req.SetBasicAuth(user, pass)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch {
		case reached && rec.Code != http.StatusOK:
			t.Fatalf("status %d after the handler ran", rec.Code)
		case !reached && rec.Code != http.StatusBadRequest:
			t.Fatalf("refused with status %d, want 400", rec.Code)
		}
	})
}

package app

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"gopkg.in/yaml.v3"

	"github.com/admit-idp/admit/keys"
)

// Config is Admit's configuration. Sources, lowest precedence first:
// defaults, the YAML file (--config / ADMIT_CONFIG), ADMIT_* environment
// variables, command-line flags.
type Config struct {
	Issuer      string `yaml:"issuer"`
	Addr        string `yaml:"addr"`
	DatabaseURL string `yaml:"database_url"`
	RedisURL    string `yaml:"redis_url"`
	RedisPrefix string `yaml:"redis_prefix"`
	MasterKey   string `yaml:"master_key"`
	SigningAlg  string `yaml:"signing_alg"`
	// SigningAlgs are further algorithms whose keys are kept active for
	// the tokens that ask for them (an API's or a client's access-token
	// algorithm, a client's id_token_signed_response_alg), comma-separated;
	// RS256 is always kept. "none" keeps only SigningAlg and RS256.
	SigningAlgs     string        `yaml:"signing_algs"`
	KeyGrace        time.Duration `yaml:"key_grace"`
	SessionLifetime time.Duration `yaml:"session_lifetime"`
	LogLevel        string        `yaml:"log_level"`
	LogFormat       string        `yaml:"log_format"`
	// AccessLog is which requests get an access-log line: "off", "errors"
	// (status 400 or more, or slower than slowRequest; the default) or "all".
	AccessLog string `yaml:"access_log"`
	// TrustedProxies are reverse proxies (IPs or CIDRs) whose
	// X-Forwarded-For gives the client address.
	TrustedProxies []string         `yaml:"trusted_proxies"`
	Social         SocialConfig     `yaml:"social"`
	Wallet         WalletConfig     `yaml:",inline"`
	Defences       DefencesConfig   `yaml:"defences"`
	Passkey        PasskeyConfig    `yaml:",inline"`
	Accounts       AccountsConfig   `yaml:"accounts"`
	Roles          RolesConfig      `yaml:"roles"`
	Resilience     ResilienceConfig `yaml:",inline"`
	Device         DeviceConfig     `yaml:"device"`
	Hash           HashConfig       `yaml:",inline"`
	// DPoPNonce makes the token and PAR endpoints (RFC 9449 §8) and
	// userinfo (§9) require a server nonce in DPoP proofs (default true):
	// a proof cannot be made ahead of time.
	DPoPNonce bool            `yaml:"dpop_nonce"`
	Events    EventsConfig    `yaml:"events"`
	Footprint FootprintConfig `yaml:",inline"`
}

// Defaults returns the configuration of `go run ./cmd/admit` with nothing set.
func Defaults() Config {
	return Config{
		Issuer: "http://localhost:8080", Addr: "127.0.0.1:8080", RedisPrefix: "admit:",
		SigningAlg: "RS256", SigningAlgs: "ES256,EdDSA", KeyGrace: 24 * time.Hour, SessionLifetime: 7 * 24 * time.Hour,
		LogLevel: "info", LogFormat: "text", AccessLog: "errors", Resilience: defaultResilience(), Hash: defaultHash(),
		DPoPNonce: true, Footprint: FootprintConfig{IdleTrimAfter: DefaultIdleTrimAfter},
	}
}

// DevMode is true when no database is configured: in-memory storage with
// throwaway data, keys and master key.
func (c Config) DevMode() bool { return c.DatabaseURL == "" }

// LoadConfig reads the configuration for a command from args and the
// environment (getenv), and validates it.
func LoadConfig(fs *flag.FlagSet, args []string, getenv func(string) string) (Config, error) {
	cfg := Defaults()
	file := fs.String("config", getenv("ADMIT_CONFIG"), "YAML configuration file")
	flags := bindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if *file != "" {
		if err := loadFile(&cfg, *file); err != nil {
			return Config{}, err
		}
	}
	applyEnv(&cfg, getenv)
	if v := envList(getenv, "ADMIT_TRUSTED_PROXIES"); v != nil {
		cfg.TrustedProxies = v
	}
	applySocialEnv(&cfg, getenv)
	applyWalletEnv(&cfg, getenv)
	applyAccountsEnv(&cfg, getenv)
	applyDefencesEnv(&cfg, getenv)
	applyPasskeyEnv(&cfg, getenv)
	applyRolesEnv(&cfg, getenv)
	applyResilienceEnv(&cfg.Resilience, getenv)
	applyHashEnv(&cfg.Hash, getenv)
	var dpopNonce *bool
	dpopErr := envBool(getenv, "ADMIT_DPOP_NONCE", &dpopNonce)
	if dpopNonce != nil {
		cfg.DPoPNonce = *dpopNonce
	}
	applyEventsEnv(&cfg.Events, getenv)
	applyFootprintEnv(&cfg.Footprint, getenv)
	flags.apply(fs, &cfg)
	return cfg, errors.Join(dpopErr, cfg.Validate())
}

func loadFile(cfg *Config, path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return nil
}

func applyEnv(cfg *Config, getenv func(string) string) {
	for _, v := range []struct {
		name string
		dst  *string
	}{
		{"ADMIT_ISSUER", &cfg.Issuer}, {"ADMIT_ADDR", &cfg.Addr}, {"ADMIT_DATABASE_URL", &cfg.DatabaseURL},
		{"ADMIT_REDIS_URL", &cfg.RedisURL}, {"ADMIT_REDIS_PREFIX", &cfg.RedisPrefix}, {"ADMIT_MASTER_KEY", &cfg.MasterKey},
		{"ADMIT_SIGNING_ALG", &cfg.SigningAlg}, {"ADMIT_SIGNING_ALGS", &cfg.SigningAlgs}, {"ADMIT_LOG_LEVEL", &cfg.LogLevel}, {"ADMIT_LOG_FORMAT", &cfg.LogFormat},
		{"ADMIT_ACCESS_LOG", &cfg.AccessLog},
	} {
		if s := getenv(v.name); s != "" {
			*v.dst = s
		}
	}
}

type flagValues struct{ issuer, addr, db, redis, alg, level *string }

func bindFlags(fs *flag.FlagSet) flagValues {
	return flagValues{
		issuer: fs.String("issuer", "", "issuer URL (ADMIT_ISSUER)"),
		addr:   fs.String("addr", "", "listen address (ADMIT_ADDR)"),
		db:     fs.String("database-url", "", "PostgreSQL URL (ADMIT_DATABASE_URL)"),
		redis:  fs.String("redis-url", "", "Redis URL (ADMIT_REDIS_URL)"),
		alg:    fs.String("signing-alg", "", "RS256, ES256 or EdDSA (ADMIT_SIGNING_ALG)"),
		level:  fs.String("log-level", "", "debug, info, warn, error (ADMIT_LOG_LEVEL)"),
	}
}

func (f flagValues) apply(fs *flag.FlagSet, cfg *Config) {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	for name, v := range map[string]struct{ src, dst *string }{
		"issuer": {f.issuer, &cfg.Issuer}, "addr": {f.addr, &cfg.Addr}, "database-url": {f.db, &cfg.DatabaseURL},
		"redis-url": {f.redis, &cfg.RedisURL}, "signing-alg": {f.alg, &cfg.SigningAlg}, "log-level": {f.level, &cfg.LogLevel},
	} {
		if set[name] {
			*v.dst = *v.src
		}
	}
}

// Validate checks every value and reports all problems at once.
func (c Config) Validate() error {
	var errs []error
	errs = append(errs, validateIssuer(c.Issuer))
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr %q: want host:port, e.g. 127.0.0.1:8080", c.Addr))
	}
	if !keys.Supported(jose.SignatureAlgorithm(c.SigningAlg)) {
		errs = append(errs, fmt.Errorf("signing_alg %q: want RS256, ES256 or EdDSA", c.SigningAlg))
	}
	if _, err := c.ExtraSigningAlgs(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.validateStores(), validateLog(c.LogLevel, c.LogFormat, c.AccessLog), c.Social.validate(), c.Wallet.validate(), c.Defences.validate(), c.Accounts.validate(), c.Roles.validate(), c.Resilience.validate(), c.Device.validate(), c.Hash.validate(), c.Events.validate(), c.Footprint.validate())
	if _, err := parseTrustedProxies(c.TrustedProxies); err != nil {
		errs = append(errs, err)
	}
	if c.KeyGrace < time.Hour {
		errs = append(errs, fmt.Errorf("key_grace %s: must be at least 1h (longer than any token lifetime)", c.KeyGrace))
	}
	if c.SessionLifetime < time.Minute {
		errs = append(errs, fmt.Errorf("session_lifetime %s: must be at least 1m", c.SessionLifetime))
	}
	return errors.Join(errs...)
}

func validateIssuer(issuer string) error {
	u, err := url.Parse(issuer)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return fmt.Errorf("issuer %q: want an absolute http(s) URL such as https://id.example.com", issuer)
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("issuer %q: must not have a query or fragment (OIDC Discovery 3)", issuer)
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return fmt.Errorf("issuer %q: plain http is only allowed for localhost; use https", issuer)
	case strings.HasSuffix(u.Path, "/"):
		return fmt.Errorf("issuer %q: must not end with a slash", issuer)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (c Config) validateStores() error {
	if c.DevMode() {
		if c.RedisURL != "" {
			return errors.New("redis_url (ADMIT_REDIS_URL) is set without database_url (ADMIT_DATABASE_URL): set both (production) or neither (development)")
		}
		return nil
	}
	var errs []error
	if c.RedisURL == "" {
		errs = append(errs, errors.New("redis_url (ADMIT_REDIS_URL) is required with database_url (ADMIT_DATABASE_URL): authorization requests, codes and login flows must be shared by every node"))
	}
	if c.MasterKey == "" {
		errs = append(errs, errors.New("master_key (ADMIT_MASTER_KEY) is required with database_url: it encrypts signing keys at rest; generate one with `admit keys master-key`"))
	} else if _, err := keys.ParseMasterKey(c.MasterKey); err != nil {
		errs = append(errs, fmt.Errorf("master_key: %w", err))
	}
	return errors.Join(errs...)
}

func validateLog(level, format, access string) error {
	var errs []error
	switch level {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log_level %q: want debug, info, warn or error", level))
	}
	if format != "text" && format != "json" {
		errs = append(errs, fmt.Errorf("log_format %q: want text or json", format))
	}
	if access != "off" && access != "errors" && access != "all" {
		errs = append(errs, fmt.Errorf("access_log %q: want off, errors or all", access))
	}
	return errors.Join(errs...)
}

// Secure reports whether cookies must be Secure (https issuer).
func (c Config) Secure() bool { return strings.HasPrefix(c.Issuer, "https://") }

// envValue reads environment variable name with parse into *dst (unset:
// left alone); a bad value is an error naming the variable and what it
// wants. envBool, envWhole and envDuration are its kinds.
func envValue[T any](getenv func(string) string, name string, parse func(string) (T, error), want string, dst *T) error {
	s := getenv(name)
	if s == "" {
		return nil
	}
	v, err := parse(s)
	if err != nil {
		return fmt.Errorf("%s %q: want %s", name, s, want)
	}
	*dst = v
	return nil
}

// envBool reads a true/false environment variable into *dst (unset: left
// nil, so that the caller keeps its default).
func envBool(getenv func(string) string, name string, dst **bool) error {
	return envValue(getenv, name, func(s string) (*bool, error) {
		b, err := strconv.ParseBool(s)
		return &b, err
	}, "true or false", dst)
}

// envWhole reads a whole-number environment variable into *dst.
func envWhole(getenv func(string) string, name string, dst *int) error {
	return envValue(getenv, name, strconv.Atoi, "a whole number", dst)
}

// envDuration reads a duration environment variable into *dst; a bad
// value's error gives example as a good one.
func envDuration(getenv func(string) string, name, example string, dst *time.Duration) error {
	return envValue(getenv, name, time.ParseDuration, "a duration such as "+example, dst)
}

// envList splits a comma-separated environment variable, trimming spaces
// and dropping empty items ("a, b" is [a b]); nil when unset.
func envList(getenv func(string) string, name string) []string {
	var out []string
	for item := range strings.SplitSeq(getenv(name), ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// ExtraSigningAlgs parses SigningAlgs.
func (c Config) ExtraSigningAlgs() ([]jose.SignatureAlgorithm, error) {
	var out []jose.SignatureAlgorithm
	if strings.TrimSpace(c.SigningAlgs) == "none" {
		return nil, nil
	}
	for _, f := range strings.Split(c.SigningAlgs, ",") {
		alg := jose.SignatureAlgorithm(strings.TrimSpace(f))
		if alg == "" {
			continue
		}
		if !keys.Supported(alg) {
			return nil, fmt.Errorf("signing_algs: %q: want RS256, ES256 or EdDSA (comma-separated) or none", alg)
		}
		out = append(out, alg)
	}
	return out, nil
}

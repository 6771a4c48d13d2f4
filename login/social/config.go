package social

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
)

// Provider kinds.
const (
	KindOIDC   = "oidc"
	KindGoogle = "google"
	KindApple  = "apple"
	KindGitHub = "github"
)

// Default endpoints of the presets; configuration overrides them (GitHub
// Enterprise, and tests, which point them at local servers).
const (
	GoogleIssuer  = "https://accounts.google.com"
	AppleIssuer   = "https://appleid.apple.com"
	GitHubBaseURL = "https://github.com"
	GitHubAPIURL  = "https://api.github.com"
)

// ProviderConfig is one upstream provider as configured in the YAML file
// (social.providers). ClientSecret is never logged: String redacts it.
type ProviderConfig struct {
	ID           string `yaml:"id"`
	Kind         string `yaml:"kind"`
	Name         string `yaml:"name"`
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"client_secret"`
	// ClientSecretEnv names an environment variable holding the secret, so
	// the file need not contain it. ADMIT_SOCIAL_<ID>_CLIENT_SECRET (ID upper
	// case, - as _) overrides both.
	ClientSecretEnv string   `yaml:"client_secret_env"`
	Scopes          []string `yaml:"scopes"`
	// Issuer is the OpenID issuer (oidc; google and apple default to theirs).
	Issuer string `yaml:"issuer"`
	// BaseURL and APIURL are GitHub's web and API roots (GitHub Enterprise:
	// https://ghe.example.com and https://ghe.example.com/api/v3).
	BaseURL string `yaml:"base_url"`
	APIURL  string `yaml:"api_url"`
	// Apple signs its client secret with the team's key.
	TeamID         string `yaml:"team_id"`
	KeyID          string `yaml:"key_id"`
	PrivateKeyFile string `yaml:"private_key_file"`
	// HostedDomain restricts Google logins to one Workspace domain (the id
	// token's hd claim must match).
	HostedDomain string `yaml:"hd"`
	// NativeClientIDs are the app's client ids at the provider (the
	// audiences of ID tokens its native SDK returns), accepted by native
	// sign-in through token exchange (native.go); empty: not accepted.
	NativeClientIDs []string `yaml:"native_client_ids"`
}

// String never shows the secret (the config may be printed or logged).
func (c ProviderConfig) String() string {
	return fmt.Sprintf("social provider %s (%s)", c.ID, c.Kind)
}

// LogValue keeps the secret out of structured logs too.
func (c ProviderConfig) LogValue() slog.Value { return slog.StringValue(c.String()) }

// idPattern keeps ids usable in URLs, environment variable names and amr.
var idPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

// Validate reports every problem of the provider list at once.
func Validate(providers []ProviderConfig) error {
	var errs []error
	seen, native := map[string]bool{}, map[string]bool{}
	for i, p := range providers {
		where := fmt.Sprintf("social.providers[%d] (%s)", i, p.ID)
		if seen[p.ID] {
			errs = append(errs, fmt.Errorf("%s: duplicate id", where))
		}
		seen[p.ID] = true
		// Native sign-in picks the provider by the ID token's issuer.
		if iss := p.effectiveIssuer(); len(p.NativeClientIDs) > 0 {
			if native[iss] {
				errs = append(errs, fmt.Errorf("%s: native_client_ids: another provider with native_client_ids has issuer %s", where, iss))
			}
			native[iss] = true
		}
		errs = append(errs, p.validate(where))
	}
	return errors.Join(errs...)
}

func (p ProviderConfig) validate(where string) error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(where+": "+format, a...)) }
	if !idPattern.MatchString(p.ID) {
		add("id %q: want lower-case letters, digits, - or _, starting with a letter", p.ID)
	}
	if !slices.Contains([]string{KindOIDC, KindGoogle, KindApple, KindGitHub}, p.Kind) {
		add("kind %q: want oidc, google, apple or github", p.Kind)
	}
	if p.ClientID == "" {
		add("client_id is required")
	}
	if p.ClientSecret == "" && p.Kind != KindApple {
		add("client_secret is required (or set ADMIT_SOCIAL_%s_CLIENT_SECRET)", EnvName(p.ID))
	}
	if p.Kind == KindOIDC && p.Issuer == "" {
		add("issuer is required for kind oidc")
	}
	if p.Kind == KindApple && (p.TeamID == "" || p.KeyID == "" || p.PrivateKeyFile == "") {
		add("team_id, key_id and private_key_file are required for kind apple")
	}
	if len(p.NativeClientIDs) > 0 && p.Kind == KindGitHub {
		add("native_client_ids: GitHub issues no ID tokens")
	}
	for name, u := range map[string]string{"issuer": p.Issuer, "base_url": p.BaseURL, "api_url": p.APIURL} {
		if u != "" && !absoluteHTTP(u) {
			add("%s %q: want an absolute http(s) URL", name, u)
		}
	}
	return errors.Join(errs...)
}

// effectiveIssuer is the issuer with the google and apple defaults.
func (p ProviderConfig) effectiveIssuer() string {
	switch {
	case p.Issuer != "":
		return p.Issuer
	case p.Kind == KindGoogle:
		return GoogleIssuer
	case p.Kind == KindApple:
		return AppleIssuer
	}
	return ""
}

func absoluteHTTP(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// EnvName is the provider id as used in ADMIT_SOCIAL_<ID>_CLIENT_SECRET.
func EnvName(id string) string {
	out := []byte(id)
	for i, c := range out {
		switch {
		case c >= 'a' && c <= 'z':
			out[i] = c - 'a' + 'A'
		case c == '-':
			out[i] = '_'
		}
	}
	return string(out)
}

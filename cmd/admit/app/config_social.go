package app

import (
	"github.com/admit-idp/admit/login/social"
)

// SocialConfig is the social-login section of the YAML file:
//
//	social:
//	  sign_up: true            # a first login through a provider may create an account
//	  providers:
//	    - id: google
//	      kind: google         # oidc | google | apple | github
//	      name: Google
//	      client_id: 123.apps.googleusercontent.com
//	      client_secret_env: GOOGLE_SECRET   # or client_secret, or ADMIT_SOCIAL_GOOGLE_CLIENT_SECRET
//	      hd: example.com      # optional Workspace domain
//	    - id: github
//	      kind: github
//	      client_id: Iv1.abc
//	      base_url: https://ghe.example.com          # GitHub Enterprise only
//	      api_url: https://ghe.example.com/api/v3
//	    - id: apple
//	      kind: apple
//	      client_id: com.example.web    # the Services ID
//	      team_id: ABCDE12345
//	      key_id: XYZ987
//	      private_key_file: /etc/admit/apple.p8
//	    - id: corp
//	      kind: oidc
//	      issuer: https://sso.example.com
//	      client_id: admit
//	      scopes: [openid, profile, email]
type SocialConfig struct {
	// SignUp is nil (default: allowed) or an explicit choice.
	SignUp    *bool                   `yaml:"sign_up"`
	Providers []social.ProviderConfig `yaml:"providers"`
}

// SignUpAllowed reports whether first logins may create accounts.
func (s SocialConfig) SignUpAllowed() bool { return s.SignUp == nil || *s.SignUp }

// applySocialEnv resolves client secrets: client_secret_env, then
// ADMIT_SOCIAL_<ID>_CLIENT_SECRET, override the file's client_secret.
func applySocialEnv(cfg *Config, getenv func(string) string) {
	for i := range cfg.Social.Providers {
		p := &cfg.Social.Providers[i]
		if p.ClientSecretEnv != "" {
			if v := getenv(p.ClientSecretEnv); v != "" {
				p.ClientSecret = v
			}
		}
		if v := getenv("ADMIT_SOCIAL_" + social.EnvName(p.ID) + "_CLIENT_SECRET"); v != "" {
			p.ClientSecret = v
		}
	}
}

// validate checks the providers (messages name the provider, never a secret).
func (s SocialConfig) validate() error { return social.Validate(s.Providers) }

package app_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/admit-idp/admit/cmd/admit/app"
)

const socialYAML = `
social:
  sign_up: false
  providers:
    - id: github
      kind: github
      name: GitHub
      client_id: Iv1.abc
      client_secret: from-file
      base_url: https://ghe.example.com
      api_url: https://ghe.example.com/api/v3
    - id: corp-sso
      kind: oidc
      issuer: https://sso.example.com
      client_id: admit
      client_secret_env: CORP_SECRET
`

func loadSocialConfig(t *testing.T, yaml string, env map[string]string) (app.Config, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "admit.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return app.LoadConfig(flag.NewFlagSet("t", flag.ContinueOnError), []string{"--config", path}, func(k string) string { return env[k] })
}

func TestSocialConfigSecretsFromEnvironment(t *testing.T) {
	cfg, err := loadSocialConfig(t, socialYAML, map[string]string{
		"CORP_SECRET": "from-named-env", "ADMIT_SOCIAL_GITHUB_CLIENT_SECRET": "from-admit-env",
	})
	if err != nil {
		t.Fatal(err)
	}
	ps := cfg.Social.Providers
	if cfg.Social.SignUpAllowed() || len(ps) != 2 || ps[0].ClientSecret != "from-admit-env" || ps[1].ClientSecret != "from-named-env" {
		t.Fatalf("social config %+v sign-up %v", ps, cfg.Social.SignUpAllowed())
	}
	cfg, err = loadSocialConfig(t, socialYAML, map[string]string{"CORP_SECRET": "a", "ADMIT_SOCIAL_CORP_SSO_CLIENT_SECRET": "b"})
	if err != nil || cfg.Social.Providers[1].ClientSecret != "b" || cfg.Social.Providers[0].ClientSecret != "from-file" {
		t.Fatalf("ADMIT_SOCIAL_<ID>_CLIENT_SECRET must win: %v %+v", err, cfg.Social.Providers)
	}
}

func TestSocialConfigValidation(t *testing.T) {
	bad := `
social:
  providers:
    - id: Bad Id
      kind: facebook
    - id: corp
      kind: oidc
      client_id: x
    - id: apple
      kind: apple
      client_id: com.example
`
	_, err := loadSocialConfig(t, bad, map[string]string{"ADMIT_SOCIAL_CORP_CLIENT_SECRET": "top-secret-value"})
	if err == nil {
		t.Fatal("invalid providers accepted")
	}
	for _, want := range []string{
		`id "Bad Id"`, `kind "facebook"`, "client_id is required", "issuer is required for kind oidc",
		"team_id, key_id and private_key_file are required", "ADMIT_SOCIAL_BAD ID_CLIENT_SECRET",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "top-secret-value") {
		t.Fatal("a secret appears in the error")
	}
}

package app

import (
	"fmt"
	"strings"

	"github.com/admit-idp/admit/login/passkey"
)

// PasskeyConfig is passkey sign-in's settings, top-level keys of the YAML
// file:
//
//	passkey_attestation: none               # or direct (ADMIT_PASSKEY_ATTESTATION)
//	passkey_attested_clients: [hr-portal]   # clients that only accept attested passkeys
//
// With "direct", registration asks authenticators for a direct attestation
// and refuses passkeys without one (most synced passkeys); the attested
// clients accept only passkeys registered with such an attestation. The
// relying party itself comes from the issuer (login/passkey/doc.go).
type PasskeyConfig struct {
	Attestation     string   `yaml:"passkey_attestation"`
	AttestedClients []string `yaml:"passkey_attested_clients"`
}

// attestation is the validated setting ("none" when unset).
func (p PasskeyConfig) attestation() (string, error) {
	switch a := strings.ToLower(strings.TrimSpace(p.Attestation)); a {
	case "", passkey.AttestationNone:
		return passkey.AttestationNone, nil
	case passkey.AttestationDirect:
		return a, nil
	default:
		return "", fmt.Errorf("passkey_attestation %q: want none or direct", p.Attestation)
	}
}

func applyPasskeyEnv(cfg *Config, getenv func(string) string) {
	if s := getenv("ADMIT_PASSKEY_ATTESTATION"); s != "" {
		cfg.Passkey.Attestation = s
	}
}

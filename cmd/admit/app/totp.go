package app

import (
	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/totp"
)

// addTOTP wires the TOTP second factor: the login step (and enrolment when
// MFA is required), the engine's MFA policy, and the account section.
// Secrets are sealed with the master key's sealer, never a signing key.
func (a *App) addTOTP() {
	core := &totp.Core{
		Durable: a.Stores.Durable, Ephemeral: a.Stores.Ephemeral, Sealer: a.Stores.Sealer,
		Issuer: "Admit", Now: a.Now,
	}
	m := &totp.Method{Engine: a.Engine, Core: core, Users: a.Stores.Durable, Logger: a.Logger}
	a.Engine.Methods = append(a.Engine.Methods, m)
	a.Engine.SecondFactors = append(a.Engine.SecondFactors, login.SecondFactor(m))
	a.Account.Sections = append(a.Account.Sections, &totp.Section{
		Area: a.Account, Engine: a.Engine, Core: core, Hasher: a.Hasher, Cookies: a.Engine.Cookies,
	})
}

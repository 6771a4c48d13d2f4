package app

import (
	"errors"
	"fmt"
	"slices"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/passkey"
)

// addPasskey wires passkeys: the relying party from the issuer, the login
// method (passwordless first factor and second factor) and the account
// section. The passkey is the first second factor the engine offers; its
// page links to the others (TOTP).
func (a *App) addPasskey() error {
	att, err := a.Config.Passkey.attestation()
	if err != nil {
		return err
	}
	rp, err := passkey.RelyingParty(a.Config.Issuer)
	if errors.Is(err, passkey.ErrIPIssuer) {
		a.warnAtServe("passkeys disabled", "reason", err.Error())
		return nil
	}
	if err != nil {
		return fmt.Errorf("passkeys: %w", err)
	}
	d := a.Stores.Durable
	core := &passkey.Core{
		WebAuthn: rp, Store: d, Challenges: a.Stores.Ephemeral, Attestation: att,
		AttestedClients: a.Config.Passkey.AttestedClients, Now: a.Now, Logger: a.Logger,
	}
	m := &passkey.Method{Engine: a.Engine, Core: core}
	// First of the "Or sign in with" entries, right after the password form.
	a.Engine.Methods = slices.Insert(a.Engine.Methods, min(1, len(a.Engine.Methods)), login.Method(m))
	a.Engine.SecondFactors = append([]login.SecondFactor{m}, a.Engine.SecondFactors...)
	a.passkeysOn = true
	a.Account.Sections = append(a.Account.Sections, &passkey.Section{
		Area: a.Account, Engine: a.Engine, Core: core, Cookies: a.Engine.Cookies, OtherSignIn: a.otherSignIn(signInPasskey),
	})
	return nil
}

package app

import (
	"context"
	"fmt"
	"net/http"

	"github.com/admit-idp/admit/login/social"
	"github.com/admit-idp/admit/op"
)

// addSocial installs social login (login-page buttons and the account
// section) when providers are configured.
func (a *App) addSocial() error {
	d, e := a.Stores.Durable, a.Stores.Ephemeral
	m, err := social.New(social.Method{
		Engine: a.Engine, Users: d, Identities: d, Flows: e, Hasher: a.Hasher, Sealer: a.Stores.Sealer,
		OtherSignIn: a.otherSignIn(signInIdentity), Now: a.Now, Logger: a.Logger,
	}, social.Options{
		Issuer: a.Config.Issuer, Providers: a.Config.Social.Providers, SignUp: a.Config.Social.SignUpAllowed(),
	})
	if err != nil {
		return fmt.Errorf("social login: %w", err)
	}
	if !m.Enabled() {
		return nil
	}
	a.Engine.Methods = append(a.Engine.Methods, m)
	ex := a.Provider.Storage().(*op.Storage).Exchange
	ex.Upstream = nativeUpstream{m}
	// A native sign-in cannot ask for a second factor or consent: op
	// refuses it when the browser login would ask (RFC 8693 exchange).
	ex.HasSecondFactor, ex.Consents = a.Engine.HasSecondFactor, d
	a.Account.Sections = append(a.Account.Sections, &social.Section{Method: m, Area: a.Account})
	return nil
}

// extraClaims adds "idp" (the upstream provider's id) to id tokens of
// logins through a provider.
func extraClaims(ctx context.Context, req op.ClaimsRequest) (map[string]any, error) {
	return social.ExtraClaims(ctx, req.AMR), nil
}

// crossOriginProtection refuses cross-site POSTs to the pages, except the
// form_post callback (Apple posts it from its own site by design). That
// callback only carries the provider's answer, which is checked against the
// flow's single-use state and this browser's binding after a 303 to GET.
func crossOriginProtection() *http.CrossOriginProtection {
	c := http.NewCrossOriginProtection()
	c.AddInsecureBypassPattern("POST /login/social/{provider}/callback")
	return c
}

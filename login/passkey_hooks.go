package login

import (
	"context"
	"slices"
)

// dataFirstFactor names a second-factor method that served as the flow's
// first factor (a passkey without user verification): asking for the same
// authenticator again would prove nothing new.
const dataFirstFactor = "engine.first_factor"

// UsedAsFirstFactor records that the second factor name was the flow's
// first factor, so the MFA policy does not offer it as the second.
func (f *Flow) UsedAsFirstFactor(name string) { f.Data[dataFirstFactor] = name }

// withoutFirstFactor drops the factor the flow's first step already used.
func (f *Flow) withoutFirstFactor(factors []SecondFactor) []SecondFactor {
	used := f.Data[dataFirstFactor]
	if used == "" {
		return factors
	}
	return slices.DeleteFunc(factors, func(sf SecondFactor) bool { return sf.Name() == used })
}

// OtherSecondFactors lists the user's second factors other than except,
// so a challenge page can offer them ("use your authenticator app
// instead").
func (e *Engine) OtherSecondFactors(ctx context.Context, f *Flow, except string) ([]SecondFactor, error) {
	factors, err := e.availableFactors(ctx, f.UserID)
	if err != nil {
		return nil, err
	}
	factors = f.withoutFirstFactor(factors)
	return slices.DeleteFunc(factors, func(sf SecondFactor) bool { return sf.Name() == except }), nil
}

// SecondFactorLabel is the link text that offers a second factor: a
// message id, which the page translates.
func SecondFactorLabel(name string) string {
	switch name {
	case "totp":
		return "mfa.use_totp"
	case "passkey":
		return "mfa.use_passkey"
	}
	return name
}

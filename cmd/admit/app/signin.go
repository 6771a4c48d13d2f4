package app

import (
	"context"
	"slices"

	"github.com/admit-idp/admit/login/social"
	"github.com/admit-idp/admit/storage"
)

// Kinds of first-factor sign-in methods an account can hold.
const (
	signInPasskey  = "passkey"
	signInWallet   = "wallet"
	signInIdentity = "identity"
)

// otherSignIn is the one rule the account sections apply before removing a
// sign-in method: does the user have a way in besides methods of kind
// `except`? A password, a passkey (when passkeys are on), a wallet, or a
// linked identity of a provider that is still configured counts. (Each
// section checks the other items of its own kind itself.)
func (a *App) otherSignIn(except string) func(context.Context, storage.User) (bool, error) {
	return func(ctx context.Context, u storage.User) (bool, error) {
		if u.PasswordHash != "" {
			return true, nil
		}
		for _, kind := range []string{signInPasskey, signInWallet, signInIdentity} {
			if kind == except {
				continue
			}
			n, err := a.countSignIn(ctx, u.ID, kind)
			if err != nil || n > 0 {
				return n > 0, err
			}
		}
		return false, nil
	}
}

func (a *App) countSignIn(ctx context.Context, userID, kind string) (int, error) {
	d := a.Stores.Durable
	switch kind {
	case signInPasskey:
		if !a.passkeysOn {
			return 0, nil
		}
		ks, err := d.ListUserPasskeys(ctx, userID)
		return len(ks), err
	case signInWallet:
		ws, err := d.ListUserWallets(ctx, userID)
		return len(ws), err
	}
	ids, err := d.ListUserIdentities(ctx, userID)
	n := 0
	for _, id := range ids {
		if a.providerConfigured(id.ProviderID) {
			n++
		}
	}
	return n, err
}

func (a *App) providerConfigured(id string) bool {
	return slices.ContainsFunc(a.Config.Social.Providers, func(p social.ProviderConfig) bool { return p.ID == id })
}

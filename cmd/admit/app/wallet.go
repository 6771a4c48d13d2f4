package app

import (
	"context"
	"slices"
	"time"

	"github.com/admit-idp/admit/login/wallet"
	"github.com/admit-idp/admit/op"
)

// ScopeWallet grants the "wallets" claim: the user's linked wallets as
// CAIP-10 account ids (see login/wallet/doc.go).
const ScopeWallet = "wallet"

// ClaimWallets is the claim ScopeWallet grants.
const ClaimWallets = "wallets"

// Wallet sign-in limits carried over from the old wallet service.
const (
	walletNonceLimit  = 10 // nonce requests per IP and window
	walletNonceWindow = time.Minute
)

// addWallet wires wallet sign-in: the login method, the account section and
// their shared checker (nonces in the ephemeral store, checks against the
// issuer and the configured chains).
func (a *App) addWallet() {
	d, e := a.Stores.Durable, a.Stores.Ephemeral
	checker := wallet.Checker{
		Nonces: wallet.Nonces{Store: e, Now: a.Now},
		Verifier: &wallet.Verifier{
			Issuer: a.Config.Issuer, ChainIDs: a.Config.Wallet.ChainIDList(), Lifetime: wallet.NonceLifetime, Now: a.Now,
		},
	}
	limiter := wallet.FixedWindow{Counter: e, Limit: walletNonceLimit, Window: walletNonceWindow}
	a.Engine.Methods = append(a.Engine.Methods, &wallet.Method{
		Engine: a.Engine, Users: d, Wallets: d, Checker: checker, Limiter: limiter,
		SignUp: a.Config.Wallet.SignUpAllowed(), Now: a.Now, Logger: a.Logger,
	})
	a.Account.Sections = append(a.Account.Sections, &wallet.Section{
		Area: a.Account, Cookies: a.Engine.Cookies, Wallets: d, Checker: checker, Limiter: limiter,
		OtherSignIn: a.otherSignIn(signInWallet), Now: a.Now, Logger: a.Logger,
	})
}

// walletClaims adds "wallets" when the wallet scope was granted.
func (a *App) walletClaims(ctx context.Context, req op.ClaimsRequest) (map[string]any, error) {
	if !slices.Contains(req.Scopes, ScopeWallet) {
		return nil, nil
	}
	ws, err := a.Stores.Durable.ListUserWallets(ctx, req.UserID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(ws))
	for _, w := range ws {
		ids = append(ids, w.AccountID())
	}
	return map[string]any{ClaimWallets: ids}, nil
}

// allClaims merges every feature's ExtraClaims hook (op.Storage has one).
func (a *App) allClaims(ctx context.Context, req op.ClaimsRequest) (map[string]any, error) {
	out := map[string]any{}
	for _, hook := range []op.ExtraClaimsFunc{extraClaims, a.walletClaims} {
		claims, err := hook(ctx, req)
		if err != nil {
			return nil, err
		}
		for k, v := range claims {
			out[k] = v
		}
	}
	return out, nil
}

package app

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"github.com/admit-idp/admit/login/password"
	"github.com/admit-idp/admit/login/social"
	"github.com/admit-idp/admit/storage"
)

// TestOtherSignInIsOneRule: the check before removing a passkey, wallet or
// linked provider counts every other way in, and only providers that are
// still configured.
func TestOtherSignInIsOneRule(t *testing.T) {
	ctx := context.Background()
	cfg := Defaults()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := OpenStores(ctx, cfg, nil, false, log)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := password.New(argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
	a, err := New(ctx, cfg, st, log, Options{PasswordHash: h})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	u := storage.User{ID: "u-walletonly", CreatedAt: now, UpdatedAt: now} // no password
	if err := st.Durable.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	check := func(except string, want bool) {
		t.Helper()
		got, err := a.otherSignIn(except)(ctx, u)
		if err != nil || got != want {
			t.Fatalf("otherSignIn(except %s) = %v, %v; want %v", except, got, err, want)
		}
	}
	check(signInWallet, false)
	_ = st.Durable.LinkWallet(ctx, storage.Wallet{Namespace: "eip155", Address: "0x00000000000000000000000000000000000000aA", ChainRef: "1", UserID: u.ID, CreatedAt: now})
	check(signInIdentity, true) // a wallet keeps the account reachable when a provider goes
	check(signInWallet, false)
	_ = st.Durable.CreateIdentity(ctx, storage.Identity{ProviderID: "gone", Subject: "s1", UserID: u.ID, CreatedAt: now, LastUsedAt: now})
	check(signInWallet, false) // an identity of a provider no longer configured is no way in
	a.Config.Social.Providers = []social.ProviderConfig{{ID: "gone"}}
	check(signInWallet, true)
}

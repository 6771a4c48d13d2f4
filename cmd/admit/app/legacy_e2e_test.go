package app_test

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/jackc/pgx/v5"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/op"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin/importer"
	"github.com/admit-idp/admit/storage/admin/importer/legacy"
	"github.com/admit-idp/admit/storage/admin/importer/legacy/legacytest"
)

// TestLegacyUsersSignInAfterImport: users of the old auth-service, imported
// from its database with `admit import legacy`'s implementation, sign in
// through Admit's real login pages with what they already had, and land on
// the same account id (sub).
func TestLegacyUsersSignInAfterImport(t *testing.T) {
	w := newSocialWorld(t, postgresBackend, nil)
	down := withoutRateLimits(w.down) // more than 5 password sign-ins from one IP in a minute
	ctx := context.Background()

	// Bob's Google account is the upstream provider's user: its sub is
	// what the old service stored as provider_user_id.
	w.upstreamUser("bob.google@example.com", true)
	gu, err := w.up.app.Stores.Durable.GetUserByEmail(ctx, storage.DefaultTenantID, "bob.google@example.com")
	if err != nil {
		t.Fatal(err)
	}
	fx := legacytest.Build(t)
	src, err := pgx.Connect(ctx, fx.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = src.Close(ctx) }()
	if _, err := src.Exec(ctx, `UPDATE oauth_connections SET provider_user_id = $1 WHERE user_id = $2`, gu.ID, fx.Bob.ID); err != nil {
		t.Fatal(err)
	}
	rep, err := legacy.Import(ctx, src, down.app.Stores.Pool, legacytest.JWTAccessSecret,
		importer.Options{Sealer: down.app.Stores.Sealer, CheckHash: app.CheckImportedHash, Now: down.clock.Now})
	if err != nil || rep.Inserted != 5 || len(rep.Skipped) != 0 {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	r := down.rp(app.DemoClientID, app.DemoClientSecret, oidc.ScopeOpenID, app.ScopeWallet, op.ScopeVenues)
	subOf := func(t *testing.T, cb string, ar authRequest, p page) (string, string) {
		t.Helper()
		c := down.browserCallback(t, p, ar)
		tok, err := r.exchange(c.Query().Get("code"), ar)
		if err != nil {
			t.Fatalf("%s: exchange: %v", cb, err)
		}
		idt, err := r.verifier.Verify(ctx, tok.Extra("id_token").(string))
		if err != nil {
			t.Fatalf("%s: id token: %v", cb, err)
		}
		return idt.Subject, tok.AccessToken
	}

	t.Run("password and TOTP from the old secret", func(t *testing.T) {
		br := down.browser()
		ar := r.start()
		p := br.submitLogin(br.get(ar.url), fx.Alice.Email, fx.Alice.Password)
		p = br.consent(br.submitCode(p, down.totpCode(fx.Alice.TOTPSecret)), "allow")
		if sub, _ := subOf(t, "alice", ar, p); sub != fx.Alice.ID {
			t.Fatalf("sub %s, want the old id %s", sub, fx.Alice.ID)
		}
		u, _ := down.app.Stores.Durable.GetUser(ctx, fx.Alice.ID)
		if !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
			t.Fatalf("the bcrypt hash was not upgraded: %.10s…", u.PasswordHash)
		}
	})

	t.Run("old backup code, once", func(t *testing.T) {
		code := strings.ToLower(strings.ReplaceAll(fx.Alice.BackupCodes[0], "-", ""))
		br := down.browser()
		ar := r.start()
		p := br.submitLogin(br.get(ar.url), fx.Alice.Email, fx.Alice.Password)
		p = br.consent(br.continueOn(br.submitCode(p, code), "/login/totp/continue"), "allow")
		if sub, _ := subOf(t, "backup", ar, p); sub != fx.Alice.ID {
			t.Fatalf("sub %s", sub)
		}
		br = down.browser()
		ar = r.start()
		p = br.submitLogin(br.get(ar.url), fx.Alice.Email, fx.Alice.Password)
		p = br.submitCode(p, fx.Alice.BackupCodes[0])
		if p.location != nil || p.testid("totp-form").Length() == 0 {
			t.Fatalf("a used old backup code was accepted again (status %d at %s)", p.status, p.location)
		}
	})

	t.Run("wallet stored lower-case signs in to the same sub", func(t *testing.T) {
		br := down.browser()
		ar := r.start()
		tw := testWallet{chain: "ethereum", address: fx.Bob.EthAddress, sign: func(text string) string { return personalSign(t, fx.Bob.EthKey, text) }}
		p := br.consent(br.walletSignIn(br.get(ar.url), tw), "allow")
		if sub, _ := subOf(t, "wallet", ar, p); sub != fx.Bob.ID {
			t.Fatalf("wallet sign-in sub %s, want %s (a second account?)", sub, fx.Bob.ID)
		}
	})

	t.Run("Google through the local upstream lands on the same sub", func(t *testing.T) {
		w.newBrowser()
		rr, ar, p := w.loginPage()
		p = w.upBr.submitLogin(w.clickProvider(p, "social-google"), "bob.google@example.com", upUserPassword)
		if sub, _ := w.finish(rr, ar, p); sub != fx.Bob.ID {
			t.Fatalf("google sub %s, want %s", sub, fx.Bob.ID)
		}
	})

	t.Run("venue roles in the token", func(t *testing.T) {
		br := down.browser()
		ar := r.start()
		p := br.consent(br.submitLogin(br.get(ar.url), fx.Carol.Email, fx.Carol.Password), "allow")
		sub, at := subOf(t, "carol", ar, p)
		c := down.verifiedClaims(at)
		want := map[string][]string{fx.VenueA: {"box-office"}, fx.VenueB: {"door-staff"}}
		if sub != fx.Carol.ID || !reflect.DeepEqual(c.VenueRoles, want) {
			t.Fatalf("sub %s, venue_roles %v; want %v", sub, c.VenueRoles, want)
		}
	})

	t.Run("user of the second tenant signs in through its client", func(t *testing.T) {
		down.addVenuesClient("second-app", legacytest.SecondTenant)
		r2 := down.rp("second-app", venuesClientSecret, oidc.ScopeOpenID)
		br := down.browser()
		ar := r2.start()
		p := br.consent(br.submitLogin(br.get(ar.url), fx.Erin.Email, fx.Erin.Password), "allow")
		c := down.browserCallback(t, p, ar)
		tok, err := r2.exchange(c.Query().Get("code"), ar)
		if err != nil {
			t.Fatal(err)
		}
		idt, err := r2.verifier.Verify(ctx, tok.Extra("id_token").(string))
		if err != nil || idt.Subject != fx.Erin.ID {
			t.Fatalf("erin: %v, sub %v", err, idt)
		}
		// Not through the default tenant's client: accounts are per tenant.
		br = down.browser()
		if p := br.submitLogin(br.get(r.start().url), fx.Erin.Email, fx.Erin.Password); p.status != http.StatusUnauthorized {
			t.Fatalf("erin via the default tenant's client: status %d", p.status)
		}
	})

	t.Run("soft-deleted user refused", func(t *testing.T) {
		br := down.browser()
		ar := r.start()
		p := br.submitLogin(br.get(ar.url), fx.Dave.Email, fx.Dave.Password)
		if p.status != http.StatusUnauthorized || p.location != nil {
			t.Fatalf("deleted user: status %d, location %v", p.status, p.location)
		}
	})
}

package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/google/uuid"
	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/op"
	"github.com/admit-idp/admit/storage"
)

// acme is a second tenant with its own client and its own user, who has
// the demo user's e-mail address (e-mail is unique per tenant only).
type acme struct {
	tenant   storage.Tenant
	user     storage.User
	clientID string
}

const (
	acmeSecret   = "acme-secret-0123456789"
	acmePassword = "acme-password-1"
)

func newAcme(t testing.TB, e *env) acme {
	t.Helper()
	ctx, d, now := context.Background(), e.app.Stores.Durable, e.clock.Now()
	a := acme{tenant: storage.Tenant{ID: uuid.NewString(), Slug: "acme", Name: "Acme Venues", Status: storage.TenantActive, CreatedAt: now, UpdatedAt: now},
		clientID: "acme-app"}
	if err := d.CreateTenant(ctx, a.tenant); err != nil {
		t.Fatal(err)
	}
	c := storage.Client{ID: a.clientID, TenantID: a.tenant.ID, Name: "Acme App", SecretHash: op.HashSecret(acmeSecret),
		AuthMethod: storage.AuthMethodBasic, RedirectURIs: app.DemoRedirectURIs, FirstParty: true,
		GrantTypes: []string{"authorization_code", "refresh_token", "client_credentials"},
		Scopes:     []string{"openid", "profile", "email", "offline_access", app.ScopeWallet}, CreatedAt: now}
	if err := d.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	hash, err := e.app.Hasher.Hash(acmePassword)
	if err != nil {
		t.Fatal(err)
	}
	a.user = storage.User{ID: uuid.NewString(), TenantID: a.tenant.ID, Email: app.DemoUserEmail, EmailVerified: true,
		PasswordHash: hash, GivenName: "Acme", CreatedAt: now, UpdatedAt: now}
	if err := d.CreateUser(ctx, a.user); err != nil {
		t.Fatalf("same e-mail in another tenant: %v", err)
	}
	return a
}

// TestClientSignsInOnlyUsersOfItsTenant: the same e-mail in two tenants is
// two accounts; each client finds only its tenant's, and a password of the
// other tenant's account is just a wrong password.
func TestClientSignsInOnlyUsersOfItsTenant(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnv(t, b)
			ac := newAcme(t, e)
			r := e.rp(ac.clientID, acmeSecret)

			ar := r.start()
			br := e.browser()
			p := br.submitLogin(br.get(ar.url), app.DemoUserEmail, app.DemoUserPassword)
			if p.status != http.StatusUnauthorized || p.testid("error").Length() == 0 {
				t.Fatalf("default tenant's password at acme's client: status %d: %s", p.status, p.body)
			}
			if v, _ := p.doc.Find(`input[name="email"]`).Attr("value"); v != app.DemoUserEmail {
				t.Fatalf("the page did not keep the e-mail: %q", v)
			}

			cb := br.login(ar, app.DemoUserEmail, acmePassword)
			tok, err := r.exchange(cb.Query().Get("code"), ar)
			if err != nil {
				t.Fatal(err)
			}
			idt, err := r.verifier.Verify(context.Background(), tok.Extra("id_token").(string))
			if err != nil {
				t.Fatal(err)
			}
			if idt.Subject != ac.user.ID {
				t.Fatalf("subject %s, want acme's user %s", idt.Subject, ac.user.ID)
			}
		})
	}
}

// TestSessionOfAnotherTenantIsNotUsed: a browser signed in to the default
// tenant is asked to sign in again by a client of another tenant (and
// prompt=none gets login_required), rather than handed the other account.
func TestSessionOfAnotherTenantIsNotUsed(t *testing.T) {
	e := newEnv(t, memoryBackend)
	ac := newAcme(t, e)
	_, _, br := codeFor(t, e, e.rp(app.DemoClientID, app.DemoClientSecret))

	r := e.rp(ac.clientID, acmeSecret)
	p := br.get(r.start().url)
	if p.testid("login-form").Length() == 0 {
		t.Fatalf("acme's client was answered from the default tenant's session: status %d %v", p.status, p.location)
	}
	ar := r.start(oauth2.SetAuthURLParam("prompt", "none"))
	p = br.get(ar.url)
	if p.location == nil || p.location.Query().Get("error") != "login_required" {
		t.Fatalf("prompt=none: want login_required, got status %d %v", p.status, p.location)
	}
}

// TestWalletOfAnotherTenantIsRefused: credentials that are unique across
// tenants (a wallet here) identify the user of another tenant; the engine
// refuses to sign them in to this tenant's client. A wallet sign-up from
// acme's client creates an acme account.
func TestWalletOfAnotherTenantIsRefused(t *testing.T) {
	e := newEnv(t, memoryBackend)
	ac := newAcme(t, e)
	w, _ := ethWallet(t)

	demo := e.rp(app.DemoClientID, app.DemoClientSecret, oidc.ScopeOpenID, app.ScopeWallet)
	ar := demo.start()
	br := e.browser()
	_, idt, _ := demo.walletToken(br.consent(br.walletSignIn(br.get(ar.url), w), "allow"), ar)
	br.logout(e)

	acmeRP := e.rp(ac.clientID, acmeSecret, oidc.ScopeOpenID, app.ScopeWallet)
	p := br.walletSignIn(br.get(acmeRP.start().url), w)
	if p.status != http.StatusForbidden || !strings.Contains(p.body, "does not belong to Acme App") {
		t.Fatalf("wallet of the default tenant at acme: status %d: %s", p.status, p.body)
	}
	if u, err := e.app.Stores.Durable.GetUser(context.Background(), idt.Subject); err != nil || u.TenantID != storage.DefaultTenantID {
		t.Fatalf("wallet user: %+v %v", u, err)
	}

	w2, _ := ethWallet(t)
	ar = acmeRP.start()
	br2 := e.browser()
	_, idt2, _ := acmeRP.walletToken(br2.walletSignIn(br2.get(ar.url), w2), ar)
	if u, err := e.app.Stores.Durable.GetUser(context.Background(), idt2.Subject); err != nil || u.TenantID != ac.tenant.ID {
		t.Fatalf("wallet sign-up at acme made %+v %v, want a user of tenant %s", u, err, ac.tenant.ID)
	}
}

// TestAccountAreaSignInPerTenant: Admit's own pages sign in to the tenant
// named by ?tenant=<slug> (the default tenant without one); an unknown slug
// and a suspended tenant get a clear page.
func TestAccountAreaSignInPerTenant(t *testing.T) {
	e := newEnv(t, postgresBackend)
	ac := newAcme(t, e)
	br := e.browser()

	login := br.get(e.issuer + "/account?tenant=acme")
	if login.testid("signup").Length() != 0 || e.browser().get(e.issuer+"/account").testid("signup").Length() != 1 {
		t.Fatal("Admit's own pages must offer sign-up in the default tenant only, not in acme's")
	}
	p := br.submitLogin(login, app.DemoUserEmail, acmePassword)
	if p.status != http.StatusOK || !strings.Contains(p.body, "Acme") {
		t.Fatalf("acme account sign-in: status %d at %s: %s", p.status, p.url, p.body)
	}

	if p := e.browser().get(e.issuer + "/account?tenant=nope"); p.status != http.StatusNotFound || !strings.Contains(p.body, "Unknown organisation") {
		t.Fatalf("unknown tenant: status %d: %s", p.status, p.body)
	}
	ac.tenant.Status, ac.tenant.UpdatedAt = storage.TenantSuspended, e.clock.Now()
	if err := e.app.Stores.Durable.UpdateTenant(context.Background(), ac.tenant); err != nil {
		t.Fatal(err)
	}
	if p := e.browser().get(e.issuer + "/account?tenant=acme"); p.status != http.StatusForbidden || !strings.Contains(p.body, "Access suspended") {
		t.Fatalf("suspended tenant: status %d: %s", p.status, p.body)
	}
	// The session started before the suspension no longer opens the account.
	if p := br.get(e.issuer + "/account"); p.status == http.StatusOK && strings.Contains(p.body, "Acme") && p.testid("login-form").Length() == 0 {
		t.Fatalf("a suspended tenant's session still opens the account area: %s", p.body)
	}
}

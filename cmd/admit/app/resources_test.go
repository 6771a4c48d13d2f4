package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
)

// Resource indicators (RFC 8707) end to end: APIs registered through the
// admin API (checked against its OpenAPI document), tokens asked for with
// golang.org/x/oauth2 and verified with go-oidc through the JWKS alone.

const (
	ticketsAPI  = "https://tickets.example/api"
	paymentsAPI = "https://payments.example/api"
)

// resourceWorld is an Admit with two APIs of the default tenant (tickets:
// JWT signed ES256; payments: opaque, introspected as payments-rs), one
// API of tenant B, and the confidential client "shop" allowed both
// default-tenant APIs.
type resourceWorld struct {
	*adminEnv
	shopSecret, rsSecret string
	tenantB              string
}

func newResourceWorld(t *testing.T, b backend) *resourceWorld {
	t.Helper()
	e := newAdminEnv(t, b)
	w := &resourceWorld{adminEnv: e}
	def := tenantPath(storage.DefaultTenantID)
	rs := e.must(http.StatusCreated, e.call(e.platform, http.MethodPost, def+"/clients", map[string]any{
		"id": "payments-rs", "grant_types": []string{"client_credentials"}, "scopes": []string{"payments:introspect"}}))
	w.rsSecret = rs.body["client_secret"].(string)
	created := e.must(http.StatusCreated, e.call(e.platform, http.MethodPost, def+"/apis", map[string]any{
		"id": "tickets", "identifier": ticketsAPI, "name": "Ticketing", "scopes": []string{"tickets:read", "tickets:write"},
		"access_token_ttl": 300, "access_token_signing_alg": "ES256"}))
	if created.str("identifier") != ticketsAPI || created.str("access_token_signing_alg") != "ES256" || created.body["access_token_ttl"] != float64(300) {
		t.Fatalf("created API = %s", created.raw)
	}
	e.must(http.StatusCreated, e.call(e.platform, http.MethodPost, def+"/apis", map[string]any{
		"id": "payments", "identifier": paymentsAPI, "scopes": []string{"payments:charge"}, "opaque": true,
		"introspection_client_id": "payments-rs"}))
	tb, err := e.app.Admin.CreateTenant(context.Background(), admin.CLI(), admin.TenantInput{Slug: "venue-co", Name: "Venue Co"})
	if err != nil {
		t.Fatal(err)
	}
	w.tenantB = tb.ID
	e.must(http.StatusCreated, e.call(e.platform, http.MethodPost, tenantPath(tb.ID)+"/apis", map[string]any{
		"id": "venues", "identifier": "https://venues-b.example/api", "scopes": []string{"venues:manage"}}))
	shop := e.must(http.StatusCreated, e.call(e.platform, http.MethodPost, def+"/clients", map[string]any{
		"id": "shop", "redirect_uris": []string{rpCallback}, "first_party": true,
		"grant_types":       []string{"authorization_code", "refresh_token", "client_credentials"},
		"scopes":            []string{"openid", "profile", "email", "offline_access", "tickets:read", "tickets:write", "payments:charge", "venues:manage"},
		"allowed_resources": []string{ticketsAPI, paymentsAPI}}))
	w.shopSecret = shop.body["client_secret"].(string)
	if got := shop.body["client"].(map[string]any)["allowed_resources"]; len(got.([]any)) != 2 {
		t.Fatalf("allowed_resources = %v", got)
	}
	return w
}

// signIn runs the code flow for shop with the given authorize options and
// returns the token response (or the token endpoint's error).
func (w *resourceWorld) signIn(scopes []string, authorize []resourceParam, token ...oauth2.AuthCodeOption) (*rp, *oauth2.Token, error) {
	r := w.rp("shop", w.shopSecret, scopes...)
	ar := r.start()
	u, _ := url.Parse(ar.url)
	q := u.Query()
	for _, o := range authorize {
		q.Add("resource", string(o))
	}
	u.RawQuery = q.Encode()
	ar.url = u.String()
	cb := w.browser().login(ar, "demo@example.com", "demo-password-1")
	tok, err := r.oauth.Exchange(context.Background(), cb.Query().Get("code"), append([]oauth2.AuthCodeOption{oauth2.VerifierOption(ar.verifier)}, token...)...)
	return r, tok, err
}

// resourceParam is one "resource" of an authorization request (x/oauth2's
// SetAuthURLParam keeps one value; RFC 8707 allows several).
type resourceParam string

func resourceOpt(uris ...string) []resourceParam {
	out := make([]resourceParam, len(uris))
	for i, u := range uris {
		out[i] = resourceParam(u)
	}
	return out
}

// jwtClaims verifies an access token by the JWKS alone (go-oidc's remote key
// set, ES256 and EdDSA included) and returns its alg, typ and claims.
func (w *resourceWorld) jwtClaims(t *testing.T, token string) (alg, typ string, claims map[string]any) {
	t.Helper()
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA})
	if err != nil {
		t.Fatalf("access token is not a JWS: %v", err)
	}
	h := jws.Signatures[0].Protected
	typ, _ = h.ExtraHeaders[jose.HeaderType].(string)
	payload, err := oidc.NewRemoteKeySet(context.Background(), w.issuer+"/keys").VerifySignature(context.Background(), token)
	if err != nil {
		t.Fatalf("JWKS verification: %v", err)
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return h.Algorithm, typ, claims
}

func audOf(c map[string]any) []string {
	var out []string
	switch a := c["aud"].(type) {
	case string:
		out = []string{a}
	case []any:
		for _, v := range a {
			out = append(out, v.(string))
		}
	}
	return out
}

func (w *resourceWorld) refreshFor(t *testing.T, rt string, resource ...string) exchangeResult {
	t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	if len(resource) > 0 {
		form["resource"] = resource
	}
	return postToken(t, w.env, form, "shop", w.shopSecret)
}

func TestResourceIndicators(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			w := newResourceWorld(t, b)

			// RFC 8707 + RFC 9068: aud is exactly the resource, the scopes
			// are narrowed to the API's, the token is signed with the API's
			// ES256 while the ID token stays RS256.
			r, tok, err := w.signIn([]string{"openid", "offline_access", "tickets:read"}, resourceOpt(ticketsAPI))
			if err != nil {
				t.Fatalf("code exchange: %v", err)
			}
			raw, _ := tok.Extra("id_token").(string)
			rs256 := r.provider.Verifier(&oidc.Config{ClientID: "shop", Now: w.clock.Now, SupportedSigningAlgs: []string{"RS256"}})
			if _, err := rs256.Verify(context.Background(), raw); err != nil {
				t.Fatalf("ID token is not an RS256 token verifiable by JWKS: %v", err)
			}
			alg, typ, c := w.jwtClaims(t, tok.AccessToken)
			if alg != "ES256" || typ != "at+jwt" {
				t.Errorf("access token alg %s typ %s, want ES256 at+jwt", alg, typ)
			}
			if aud := audOf(c); !slices.Equal(aud, []string{ticketsAPI}) {
				t.Errorf("aud = %v, want exactly [%s]", aud, ticketsAPI)
			}
			if c["scope"] != "tickets:read" || c["client_id"] != "shop" || c["sub"] == "" || c["jti"] == "" || c["iat"] == nil {
				t.Errorf("claims = %v, want scope tickets:read, client_id shop, sub, jti, iat (RFC 9068 2.2)", c)
			}
			if exp := c["exp"].(float64) - c["iat"].(float64); exp != 300 {
				t.Errorf("lifetime %vs, want the API's 300s", exp)
			}

			// A resource not granted at /authorize: invalid_target (RFC 8707 2).
			if _, _, err := w.signIn([]string{"openid", "tickets:read", "payments:charge"}, resourceOpt(ticketsAPI), oauth2.SetAuthURLParam("resource", paymentsAPI)); !isOAuthError(err, "invalid_target") {
				t.Errorf("token request for a resource not granted: err = %v, want invalid_target", err)
			}

			// Refresh: for a granted resource it works; another is
			// invalid_target and leaves the refresh token usable.
			if res := w.refreshFor(t, tok.RefreshToken, paymentsAPI); res.status != http.StatusBadRequest || res.errorCode() != "invalid_target" {
				t.Errorf("refresh for a resource not granted: %d %v, want 400 invalid_target", res.status, res.body)
			}
			res := w.refreshFor(t, tok.RefreshToken, ticketsAPI)
			if res.status != http.StatusOK {
				t.Fatalf("refresh for the granted resource: %d %v", res.status, res.body)
			}
			if _, _, c := w.jwtClaims(t, res.body["access_token"].(string)); !slices.Equal(audOf(c), []string{ticketsAPI}) {
				t.Errorf("refreshed token aud = %v", audOf(c))
			}
		})
	}
}

// Two resources at /authorize; the refresh names one of them; the opaque
// API's token is introspectable by that API only.
func TestResourceRefreshNarrowsAndOpaqueIntrospection(t *testing.T) {
	w := newResourceWorld(t, memoryBackend)
	_, tok, err := w.signIn([]string{"openid", "offline_access", "tickets:read", "payments:charge"}, resourceOpt(ticketsAPI, paymentsAPI))
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	// Without a resource the token is for both APIs: the scopes of both,
	// the client's algorithm (the APIs disagree), a JWT (tickets is not
	// opaque).
	_, _, both := w.jwtClaims(t, tok.AccessToken)
	if aud := audOf(both); !slices.Equal(aud, []string{ticketsAPI, paymentsAPI}) || both["scope"] != "tickets:read payments:charge" {
		t.Errorf("token for both: aud %v scope %v", aud, both["scope"])
	}
	res := w.refreshFor(t, tok.RefreshToken, paymentsAPI)
	if res.status != http.StatusOK {
		t.Fatalf("refresh for payments: %d %v", res.status, res.body)
	}
	opaque := res.body["access_token"].(string)
	if strings.Count(opaque, ".") != 4 {
		t.Fatalf("payments token is not opaque (a JWE): %q", opaque)
	}
	if _, err := oidc.NewRemoteKeySet(context.Background(), w.issuer+"/keys").VerifySignature(context.Background(), opaque); err == nil {
		t.Fatal("an opaque token verifies as a JWS")
	}
	byRS := postTokenAt(t, w.env, "/oauth/introspect", url.Values{"token": {opaque}}, "payments-rs", w.rsSecret)
	if byRS.body["active"] != true || byRS.body["scope"] != "payments:charge" || byRS.body["client_id"] != "shop" {
		t.Fatalf("introspection by the API = %v", byRS.body)
	}
	if aud, _ := byRS.body["aud"].([]any); len(aud) != 1 || aud[0] != paymentsAPI {
		if s, _ := byRS.body["aud"].(string); s != paymentsAPI {
			t.Errorf("introspected aud = %v, want %s", byRS.body["aud"], paymentsAPI)
		}
	}
	if byShop := postTokenAt(t, w.env, "/oauth/introspect", url.Values{"token": {opaque}}, "shop", w.shopSecret); byShop.body["active"] != false {
		t.Errorf("introspection by another client of the tenant = %v, want inactive", byShop.body)
	}
}

// Tenancy and the allowlist: a client never gets a token for another
// tenant's API, even with the API in its stored allowlist, nor for an
// API of its tenant it is not allowed.
func TestResourceTenancyAndAllowlist(t *testing.T) {
	w := newResourceWorld(t, memoryBackend)
	ctx := context.Background()
	// The admin service refuses another tenant's API in the allowlist.
	r := w.call(w.platform, http.MethodPatch, tenantPath(storage.DefaultTenantID)+"/clients/shop",
		map[string]any{"allowed_resources": []string{ticketsAPI, "https://venues-b.example/api"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.raw, "allowed_resources[1]") {
		t.Fatalf("allowlisting tenant B's API: %d %s, want 422 on allowed_resources[1]", r.status, r.raw)
	}
	// Written around the service, the token endpoint still refuses it.
	c, err := w.app.Stores.Durable.GetClient(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	c.AllowedResources = append(c.AllowedResources, "https://venues-b.example/api")
	if err := w.app.Stores.Durable.UpdateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	for name, resource := range map[string]string{
		"tenant B's API":  "https://venues-b.example/api",
		"unregistered":    "https://nowhere.example/api",
		"not a URI":       "tickets",
		"with a fragment": ticketsAPI + "#x",
	} {
		res := postToken(t, w.env, url.Values{"grant_type": {"client_credentials"}, "resource": {resource}}, "shop", w.shopSecret)
		if res.status != http.StatusBadRequest || res.errorCode() != "invalid_target" {
			t.Errorf("%s: %d %v, want 400 invalid_target", name, res.status, res.body)
		}
	}
	// client_credentials for an allowed API: aud and scopes narrowed.
	res := postToken(t, w.env, url.Values{"grant_type": {"client_credentials"}, "resource": {ticketsAPI}}, "shop", w.shopSecret)
	if res.status != http.StatusOK {
		t.Fatalf("client_credentials for tickets: %d %v", res.status, res.body)
	}
	alg, _, cl := w.jwtClaims(t, res.body["access_token"].(string))
	if alg != "ES256" || !slices.Equal(audOf(cl), []string{ticketsAPI}) || cl["scope"] != "tickets:read tickets:write" {
		t.Errorf("client_credentials token: alg %s claims %v", alg, cl)
	}
	// At /authorize a refused resource is answered to the client as
	// invalid_target.
	rp := w.rp("shop", w.shopSecret, "openid")
	ar := rp.start(oauth2.SetAuthURLParam("resource", "https://venues-b.example/api"))
	p := w.browser().get(ar.url)
	if p.location == nil || p.location.Query().Get("error") != "invalid_target" {
		t.Fatalf("authorize with tenant B's API: status %d location %v body %.300s", p.status, p.location, p.body)
	}
}

// id_token_signed_response_alg: the client's ID tokens are signed with it
// and verify with go-oidc by the JWKS; access tokens follow the client's
// access-token algorithm.
func TestClientSigningAlgorithms(t *testing.T) {
	w := newResourceWorld(t, memoryBackend)
	for _, alg := range []string{"ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			id := "app-" + strings.ToLower(alg)
			cr := w.must(http.StatusCreated, w.call(w.platform, http.MethodPost, tenantPath(storage.DefaultTenantID)+"/clients", map[string]any{
				"id": id, "redirect_uris": []string{rpCallback}, "first_party": true, "id_token_signed_response_alg": alg,
				"access_token_signed_response_alg": alg}))
			client := cr.body["client"].(map[string]any)
			if client["id_token_signed_response_alg"] != alg {
				t.Fatalf("client = %v", client)
			}
			r := w.rp(id, cr.body["client_secret"].(string))
			ar := r.start()
			tok, err := r.exchange(w.browser().login(ar, "demo@example.com", "demo-password-1").Query().Get("code"), ar)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := tok.Extra("id_token").(string)
			rs256 := r.provider.Verifier(&oidc.Config{ClientID: id, Now: w.clock.Now, SupportedSigningAlgs: []string{"RS256"}})
			if _, err := rs256.Verify(context.Background(), raw); err == nil {
				t.Errorf("an RS256-only verifier accepted the %s ID token", alg)
			}
			v := r.provider.Verifier(&oidc.Config{ClientID: id, Now: w.clock.Now, SupportedSigningAlgs: []string{alg}})
			idt, err := v.Verify(context.Background(), raw)
			if err != nil {
				t.Fatalf("%s ID token by JWKS: %v", alg, err)
			}
			if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
				t.Errorf("at_hash with %s: %v", alg, err)
			}
			if got, _, _ := w.jwtClaims(t, tok.AccessToken); got != alg {
				t.Errorf("access token alg %s, want %s", got, alg)
			}
		})
	}
	var disc struct {
		Algs []string `json:"id_token_signing_alg_values_supported"`
	}
	discoveryJSON(t, w.issuer+"/.well-known/openid-configuration", &disc)
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		if !slices.Contains(disc.Algs, alg) {
			t.Errorf("discovery id_token_signing_alg_values_supported = %v, missing %s", disc.Algs, alg)
		}
	}
}

// Registration refuses what Admit cannot sign with, with the field named.
func TestUnsupportedSigningAlgRefused(t *testing.T) {
	w := newResourceWorld(t, memoryBackend)
	def := tenantPath(storage.DefaultTenantID)
	for _, tc := range []struct {
		path  string
		body  map[string]any
		field string
	}{
		{"/clients", map[string]any{"id": "bad-1", "redirect_uris": []string{rpCallback}, "id_token_signed_response_alg": "none"}, "id_token_signed_response_alg"},
		{"/clients", map[string]any{"id": "bad-2", "redirect_uris": []string{rpCallback}, "id_token_signed_response_alg": "HS256"}, "id_token_signed_response_alg"},
		{"/clients", map[string]any{"id": "bad-3", "redirect_uris": []string{rpCallback}, "access_token_signed_response_alg": "PS256"}, "access_token_signed_response_alg"},
		{"/apis", map[string]any{"id": "bad-api", "identifier": "https://bad.example/", "scopes": []string{"x"}, "access_token_signing_alg": "RS512"}, "access_token_signing_alg"},
		{"/apis", map[string]any{"id": "bad-uri", "identifier": "/relative", "scopes": []string{"x"}}, "identifier"},
		{"/apis", map[string]any{"id": "bad-opaque", "identifier": "https://o.example/", "scopes": []string{"x"}, "opaque": true}, "introspection_client_id"},
	} {
		r := w.call(w.platform, http.MethodPost, def+tc.path, tc.body)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.raw, `"`+tc.field+`"`) {
			t.Errorf("POST %s %v: %d %s, want 422 naming %s", tc.path, tc.body, r.status, r.raw, tc.field)
		}
	}
	// An instance that keeps no EdDSA key refuses EdDSA too.
	e := newEnvWith(t, memoryBackend, envOptions{configure: func(c *app.Config) { c.SigningAlgs = "none" }})
	_, _, err := e.app.Admin.CreateClient(context.Background(), admin.CLI(), storage.DefaultTenantID, admin.ClientSpec{
		ID: "eddsa-app", RedirectURIs: []string{rpCallback}, Grants: []string{"authorization_code"}, IDTokenAlg: "EdDSA"})
	if err == nil || !strings.Contains(err.Error(), "signing_algs") {
		t.Errorf("EdDSA on an RS256-only instance: %v, want a refusal naming signing_algs", err)
	}
}

// The admin API round trip of an API: get, list, patch, delete.
func TestAdminAPIsRoundTrip(t *testing.T) {
	w := newResourceWorld(t, memoryBackend)
	p := tenantPath(storage.DefaultTenantID) + "/apis"
	got := w.must(http.StatusOK, w.call(w.platform, http.MethodGet, p+"/tickets", nil))
	if got.str("identifier") != ticketsAPI || got.str("tenant_id") != storage.DefaultTenantID {
		t.Fatalf("get = %s", got.raw)
	}
	if items := w.must(http.StatusOK, w.call(w.platform, http.MethodGet, p, nil)).items(); len(items) != 2 || items[0]["id"] != "payments" {
		t.Fatalf("list = %v", items)
	}
	// Tenant B's API is not visible through the default tenant.
	w.must(http.StatusNotFound, w.call(w.platform, http.MethodGet, p+"/venues", nil))
	patched := w.must(http.StatusOK, w.call(w.platform, http.MethodPatch, p+"/tickets", map[string]any{"scopes": []string{"tickets:read"}, "access_token_signing_alg": "EdDSA"}))
	if patched.str("access_token_signing_alg") != "EdDSA" || len(patched.body["scopes"].([]any)) != 1 || patched.str("identifier") != ticketsAPI {
		t.Fatalf("patch = %s", patched.raw)
	}
	w.must(http.StatusConflict, w.call(w.platform, http.MethodPost, p, map[string]any{"id": "dup", "identifier": ticketsAPI, "scopes": []string{"x"}}))
	// The deletion names the clients whose allowlist it changed.
	deleted := w.must(http.StatusOK, w.call(w.platform, http.MethodDelete, p+"/tickets", nil))
	if from, _ := deleted.body["removed_from_clients"].([]any); deleted.str("id") != "tickets" || len(from) != 1 || from[0] != "shop" {
		t.Fatalf("delete = %s, want tickets removed from shop", deleted.raw)
	}
	w.must(http.StatusNotFound, w.call(w.platform, http.MethodGet, p+"/tickets", nil))
	shop := w.must(http.StatusOK, w.call(w.platform, http.MethodGet, tenantPath(storage.DefaultTenantID)+"/clients/shop", nil))
	if got, _ := shop.body["allowed_resources"].([]any); len(got) != 1 || got[0] != paymentsAPI {
		t.Fatalf("shop's allowed_resources after the delete = %v, want only %s", shop.body["allowed_resources"], paymentsAPI)
	}
	// A deleted API gets no more tokens, nor does one registered again
	// with its identifier until a client is allowed it again.
	for i, when := range []string{"deleted", "registered again"} {
		if i == 1 {
			w.must(http.StatusCreated, w.call(w.platform, http.MethodPost, p, map[string]any{"id": "tickets-again",
				"identifier": ticketsAPI, "scopes": []string{"tickets:read"}}))
		}
		res := postToken(t, w.env, url.Values{"grant_type": {"client_credentials"}, "resource": {ticketsAPI}}, "shop", w.shopSecret)
		if res.errorCode() != "invalid_target" {
			t.Errorf("token for an API %s: %d %v, want invalid_target", when, res.status, res.body)
		}
	}
}

// TestResourceTokenResponseScope: when a resource indicator narrows the
// access token's scopes (RFC 8707 §2), every grant's token response says
// so in scope (RFC 6749 §5.1), as x/oauth2 clients read it: the code
// exchange, a refresh, client_credentials and token exchange.
func TestResourceTokenResponseScope(t *testing.T) {
	w := newResourceWorld(t, memoryBackend)
	ctx := context.Background()
	scopeOf := func(tok *oauth2.Token) string { s, _ := tok.Extra("scope").(string); return s }

	r, tok, err := w.signIn([]string{"openid", "offline_access", "tickets:read"}, resourceOpt(ticketsAPI))
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	if got := scopeOf(tok); got != "tickets:read" {
		t.Errorf("code exchange: scope %q, want the access token's \"tickets:read\"", got)
	}
	// A refresh without a resource is for every granted one: narrowed too.
	refreshed, err := r.refresh(tok.RefreshToken)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if got := scopeOf(refreshed); got != "tickets:read" {
		t.Errorf("refresh: scope %q, want \"tickets:read\"", got)
	}
	// Without a resource nothing is narrowed: the scope is the token's.
	_, plain, err := w.signIn([]string{"openid", "email"}, nil)
	if err != nil {
		t.Fatalf("code exchange without a resource: %v", err)
	}
	if _, _, c := w.jwtClaims(t, plain.AccessToken); scopeOf(plain) != c["scope"] || scopeOf(plain) != "openid email" {
		t.Errorf("without a resource: scope %q, token's %v", scopeOf(plain), c["scope"])
	}

	cc := clientcredentials.Config{ClientID: "shop", ClientSecret: w.shopSecret, TokenURL: w.issuer + "/oauth/token",
		Scopes: []string{"tickets:read", "payments:charge"}, EndpointParams: url.Values{"resource": {ticketsAPI}}}
	ccTok, err := cc.Token(ctx)
	if err != nil {
		t.Fatalf("client_credentials: %v", err)
	}
	if got := scopeOf(ccTok); got != "tickets:read" {
		t.Errorf("client_credentials: scope %q, want \"tickets:read\"", got)
	}

	// Token exchange of the plain token for the tickets API.
	shop, err := w.app.Stores.Durable.GetClient(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	shop.GrantTypes = append(shop.GrantTypes, admin.GrantTokenExchange)
	if err := w.app.Stores.Durable.UpdateClient(ctx, shop); err != nil {
		t.Fatal(err)
	}
	_, withTickets, err := w.signIn([]string{"openid", "tickets:read"}, nil)
	if err != nil {
		t.Fatalf("code exchange for the subject token: %v", err)
	}
	res := postToken(t, w.env, url.Values{"grant_type": {admin.GrantTokenExchange}, "subject_token": {withTickets.AccessToken},
		"subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"}, "resource": {ticketsAPI}}, "shop", w.shopSecret)
	if res.status != http.StatusOK || res.body["scope"] != "tickets:read" {
		t.Errorf("token exchange: %d %v, want scope \"tickets:read\"", res.status, res.body)
	}
}

// TestAdminAPIRenameKeepsItsClients: a new identifier (PATCH) carries the
// API's clients over — the client that got tokens for the old identifier
// gets them for the new one at once (its cached row is stale), and the old
// identifier names nothing any more.
func TestAdminAPIRenameKeepsItsClients(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			w := newResourceWorld(t, b)
			ccFor := func(resource string) exchangeResult {
				return postToken(t, w.env, url.Values{"grant_type": {"client_credentials"}, "resource": {resource}}, "shop", w.shopSecret)
			}
			if res := ccFor(ticketsAPI); res.status != http.StatusOK {
				t.Fatalf("before the rename: %d %v", res.status, res.body)
			}
			renamed := "https://tickets-v2.example.com/"
			p := tenantPath(storage.DefaultTenantID) + "/apis/tickets"
			if got := w.must(http.StatusOK, w.call(w.platform, http.MethodPatch, p, map[string]any{"identifier": renamed})); got.str("identifier") != renamed {
				t.Fatalf("patch = %s", got.raw)
			}
			if res := ccFor(renamed); res.status != http.StatusOK {
				t.Errorf("the renamed API for its client: %d %v, want a token", res.status, res.body)
			} else if _, _, c := w.jwtClaims(t, res.body["access_token"].(string)); fmt.Sprint(c["aud"]) != "["+renamed+"]" {
				t.Errorf("aud = %v, want [%s]", c["aud"], renamed)
			}
			if res := ccFor(ticketsAPI); res.errorCode() != "invalid_target" {
				t.Errorf("the old identifier: %d %v, want invalid_target", res.status, res.body)
			}
		})
	}
}

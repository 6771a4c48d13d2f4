package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/storage"
)

const nativeRedirect = "com.example.app:/oauth2redirect"

// TestNativeAppPrivateUseRedirect: a native app's private-use redirect URI
// (RFC 8252 §7.1) is registered through the admin API for a public client,
// and a whole sign-in ends there: x/oauth2 with PKCE gets the code at
// com.example.app:/oauth2redirect and exchanges it. A confidential client
// cannot register one, nor can anyone register javascript: and the like;
// a URI stored around those rules is never redirected to.
func TestNativeAppPrivateUseRedirect(t *testing.T) {
	e := newAdminEnv(t, memoryBackend)
	d := tenantPath(storage.DefaultTenantID)
	client := func(id string, public bool, uri string) map[string]any {
		return map[string]any{"id": id, "public": public, "redirect_uris": []string{uri},
			"grant_types": []string{"authorization_code"}, "scopes": []string{"openid"}}
	}
	e.must(http.StatusCreated, e.call(e.platform, http.MethodPost, d+"/clients", client("native-app", true, nativeRedirect)))
	for name, spec := range map[string]map[string]any{
		"confidential client":    client("server-app", false, nativeRedirect),
		"javascript: scheme":     client("js-app", true, "javascript:alert(1)"),
		"scheme without a dot":   client("myapp-app", true, "myapp:/cb"),
		"fragment":               client("frag-app", true, nativeRedirect+"#x"),
		"authority after scheme": client("slash-app", true, "com.example.app://cb"),
		"http off loopback":      client("http-app", true, "http://app.example.com/cb"),
		"data: scheme":           client("data-app", true, "data:text/html,hi"),
	} {
		r := e.must(http.StatusUnprocessableEntity, e.call(e.platform, http.MethodPost, d+"/clients", spec))
		if !strings.Contains(r.raw, `"field":"redirect_uris[0]"`) {
			t.Errorf("%s: %s", name, r.raw)
		}
	}

	cfg := oauth2.Config{ClientID: "native-app", RedirectURL: nativeRedirect, Scopes: []string{"openid"},
		Endpoint: oauth2.Endpoint{AuthURL: e.issuer + "/authorize", TokenURL: e.issuer + "/oauth/token", AuthStyle: oauth2.AuthStyleInParams}}
	verifier := oauth2.GenerateVerifier()
	br := nativeBrowser(e.env)
	p := br.consent(br.submitLogin(br.get(cfg.AuthCodeURL("st1", oauth2.S256ChallengeOption(verifier))), app.DemoUserEmail, app.DemoUserPassword), "allow")
	if p.location == nil || p.location.Scheme != "com.example.app" || p.location.Path != "/oauth2redirect" || p.location.Query().Get("state") != "st1" {
		t.Fatalf("sign-in did not end at the app: status %d location %v: %s", p.status, p.location, p.body)
	}
	tok, err := cfg.Exchange(context.Background(), p.location.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil || tok.Extra("id_token") == nil {
		t.Fatalf("exchange: %v", err)
	}

	// Stored around the rules (old data, a direct write): never a redirect.
	for id, c := range map[string]storage.Client{
		"stored-confidential": {Public: false, AuthMethod: storage.AuthMethodBasic, RedirectURIs: []string{nativeRedirect}},
		"stored-javascript":   {Public: true, AuthMethod: storage.AuthMethodNone, RedirectURIs: []string{"javascript:alert(1)//"}},
	} {
		c.ID, c.TenantID, c.Name, c.CreatedAt = id, storage.DefaultTenantID, id, e.clock.Now()
		c.GrantTypes, c.Scopes = []string{"authorization_code"}, []string{"openid"}
		if err := e.app.Stores.Durable.CreateClient(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		q := url.Values{"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
		if p := nativeBrowser(e.env).get(authorizeURL(e.env, id, c.RedirectURIs[0], q)); p.location != nil || p.status != http.StatusBadRequest {
			t.Errorf("%s: status %d location %v, want an error page", id, p.status, p.location)
		}
	}
}

// nativeBrowser is a browser that stops at any redirect leaving http(s),
// where the operating system would hand the URI to the app.
func nativeBrowser(e *env) *browser {
	br := e.browser()
	stopAtRP := br.client.CheckRedirect
	br.client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return http.ErrUseLastResponse
		}
		return stopAtRP(req, via)
	}
	return br
}

package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/cmd/admit/app"
)

type idClaims struct {
	Nonce    string   `json:"nonce"`
	AMR      []string `json:"amr"`
	ACR      string   `json:"acr"`
	AuthTime int64    `json:"auth_time"`
	SID      string   `json:"sid"`
	AtHash   string   `json:"at_hash"`
}

type atClaims struct {
	Issuer   string   `json:"iss"`
	Subject  string   `json:"sub"`
	Audience []string `json:"aud"`
	ClientID string   `json:"client_id"`
	Scope    string   `json:"scope"`
	JTI      string   `json:"jti"`
	Exp      int64    `json:"exp"`
	AMR      []string `json:"amr"`
	AuthTime int64    `json:"auth_time"`
}

// TestAuthorizationCodeFlow is the headline: a relying party logs the demo
// user in through the hosted pages and uses every token it gets.
func TestAuthorizationCodeFlow(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnv(t, b)
			r := e.rp(app.DemoClientID, app.DemoClientSecret, oidc.ScopeOpenID, "profile", "email", oidc.ScopeOfflineAccess)
			ar := r.start()
			br := e.browser()
			cb := br.login(ar, app.DemoUserEmail, app.DemoUserPassword)
			tok, err := r.exchange(cb.Query().Get("code"), ar)
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			idt := r.verifyIDToken(tok, ar)
			r.checkAccessToken(tok.AccessToken, idt.Subject)
			r.checkUserinfo(tok)
			r.checkRefresh(tok)
		})
	}
}

func (r *rp) verifyIDToken(tok *oauth2.Token, ar authRequest) *oidc.IDToken {
	t := r.e.t
	t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	idt, err := r.verifier.Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("id token: %v", err)
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		t.Fatal(err)
	}
	if c.Nonce != ar.nonce || !slices.Equal(c.AMR, []string{"pwd"}) || c.ACR != "urn:admit:acr:sfa" || c.AuthTime == 0 || c.SID == "" {
		t.Fatalf("id token claims = %+v, want nonce %q, amr [pwd], acr sfa, auth_time and sid", c, ar.nonce)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Fatalf("at_hash: %v", err)
	}
	return idt
}

// checkAccessToken verifies the access token the way a resource server
// would: with the JWKS alone (RFC 9068).
func (r *rp) checkAccessToken(token, subject string) atClaims {
	t := r.e.t
	t.Helper()
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		t.Fatalf("access token is not a JWS: %v", err)
	}
	if typ := jws.Signatures[0].Protected.ExtraHeaders[jose.HeaderType]; typ != "at+jwt" {
		t.Fatalf("typ = %v, want at+jwt", typ)
	}
	if jws.Signatures[0].Protected.KeyID == "" {
		t.Fatal("access token has no kid")
	}
	ks := oidc.NewRemoteKeySet(context.Background(), r.e.issuer+"/keys")
	payload, err := ks.VerifySignature(context.Background(), token)
	if err != nil {
		t.Fatalf("JWKS verification: %v", err)
	}
	var c atClaims
	_ = json.Unmarshal(payload, &c)
	if c.Issuer != r.e.issuer || c.Subject != subject || c.ClientID != r.oauth.ClientID || !slices.Contains(c.Audience, r.oauth.ClientID) || c.JTI == "" {
		t.Fatalf("access token claims = %+v", c)
	}
	if !strings.Contains(c.Scope, "openid") {
		t.Fatalf("scope claim = %q", c.Scope)
	}
	return c
}

func (r *rp) checkUserinfo(tok *oauth2.Token) {
	t := r.e.t
	t.Helper()
	ui, err := r.provider.UserInfo(context.Background(), oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	var c struct {
		Name string `json:"name"`
	}
	_ = ui.Claims(&c)
	if ui.Email != app.DemoUserEmail || !ui.EmailVerified || c.Name != "Demo User" {
		t.Fatalf("userinfo = %+v name %q", ui, c.Name)
	}
	// POST form (RFC 6750 2.2) as well as the Authorization header.
	resp, err := http.PostForm(r.e.issuer+"/userinfo", url.Values{"access_token": {tok.AccessToken}})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("userinfo POST: %v %v", err, resp.Status)
	}
	resp.Body.Close()
}

// checkRefresh rotates the refresh token, then replays the old one: the
// whole family is revoked (Security BCP 4.14.2).
func (r *rp) checkRefresh(tok *oauth2.Token) {
	t := r.e.t
	t.Helper()
	first := tok.RefreshToken
	if first == "" {
		t.Fatal("no refresh token despite offline_access")
	}
	next, err := r.refresh(first)
	if err != nil || next.RefreshToken == "" || next.RefreshToken == first {
		t.Fatalf("refresh: %v (rotated: %v)", err, next != nil && next.RefreshToken != first)
	}
	if _, err := r.refresh(first); !isOAuthError(err, "invalid_grant") {
		t.Fatalf("replayed refresh token: err = %v, want invalid_grant", err)
	}
	if _, err := r.refresh(next.RefreshToken); !isOAuthError(err, "invalid_grant") {
		t.Fatalf("successor after replay: err = %v, want invalid_grant (family revoked)", err)
	}
	if r.introspect(next.AccessToken)["active"] != false {
		t.Fatal("access token of a revoked family is still active")
	}
}

func (r *rp) refresh(rt string) (*oauth2.Token, error) {
	return r.oauth.TokenSource(context.Background(), &oauth2.Token{RefreshToken: rt}).Token()
}

func (r *rp) introspect(token string) map[string]any {
	r.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.e.issuer+"/oauth/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(r.oauth.ClientID, r.oauth.ClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		r.e.t.Fatalf("introspection status %d: %v", resp.StatusCode, err)
	}
	return out
}

func isOAuthError(err error, code string) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == code
}

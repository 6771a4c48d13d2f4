package app_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/login/social"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
)

// fakeIdP is a local OpenID provider with its own signing key: discovery,
// JWKS, and an authorization-code flow that signs in one fixed account at
// once (enough for Admit's browser social login). Tests mint the ID tokens
// a native SDK would get with idToken.
type fakeIdP struct {
	t     *testing.T
	srv   *httptest.Server
	key   *ecdsa.PrivateKey
	apple bool // email_verified as the string "true", as Apple sends it

	mu    sync.Mutex
	codes map[string]string // code → nonce
	sub   string
	email string
}

func newFakeIdP(t *testing.T, apple bool) *fakeIdP {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	f := &fakeIdP{t: t, key: k, apple: apple, codes: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		writeJSONBody(w, map[string]any{
			"issuer": f.srv.URL, "authorization_endpoint": f.srv.URL + "/authorize", "token_endpoint": f.srv.URL + "/token",
			"jwks_uri": f.srv.URL + "/keys", "id_token_signing_alg_values_supported": []string{"ES256"},
			"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, _ *http.Request) {
		writeJSONBody(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &f.key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		code := randomString()
		f.mu.Lock()
		f.codes[code] = q.Get("nonce")
		f.mu.Unlock()
		back, _ := url.Parse(q.Get("redirect_uri"))
		back.RawQuery = url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		nonce, ok := f.codes[r.PostFormValue("code")]
		delete(f.codes, r.PostFormValue("code"))
		f.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			writeJSONBody(w, map[string]string{"error": "invalid_grant"})
			return
		}
		idt := f.idToken(idTokenClaims{aud: r.PostFormValue("client_id"), nonce: nonce, verified: true})
		writeJSONBody(w, map[string]any{"access_token": "up-at", "token_type": "Bearer", "id_token": idt, "expires_in": 3600})
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func writeJSONBody(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeIdP) setAccount(sub, email string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sub, f.email = sub, email
}

// idTokenClaims vary a minted ID token.
type idTokenClaims struct {
	iss, aud, nonce string
	verified        bool
	exp             time.Duration // from now; 0: an hour
	key             *ecdsa.PrivateKey
}

func (f *fakeIdP) idToken(c idTokenClaims) string {
	f.mu.Lock()
	sub, email := f.sub, f.email
	f.mu.Unlock()
	key := f.key
	if c.key != nil {
		key = c.key
	}
	if c.iss == "" {
		c.iss = f.srv.URL
	}
	if c.exp == 0 {
		c.exp = time.Hour
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		f.t.Fatal(err)
	}
	now := time.Now()
	claims := map[string]any{
		"iss": c.iss, "sub": sub, "aud": c.aud, "iat": now.Unix(), "exp": now.Add(c.exp).Unix(), "email": email,
		"email_verified": c.verified, "given_name": "Native", "family_name": "User",
	}
	if f.apple {
		claims["email_verified"] = map[bool]string{true: "true", false: "false"}[c.verified]
	}
	if c.nonce != "" {
		claims["nonce"] = c.nonce
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		f.t.Fatal(err)
	}
	return raw
}

const (
	googleNativeID = "123-ios.apps.googleusercontent.com"
	appleNativeID  = "com.example.tickets"
	nativeClientID = "tickets-app"
)

type nativeWorld struct {
	e             *env
	google, apple *fakeIdP
}

// newNativeWorld runs Admit with a Google-kind and an Apple-kind provider,
// each a fakeIdP with native client ids, and a public native client that
// may use token exchange.
func newNativeWorld(t *testing.T, b backend) *nativeWorld {
	w := &nativeWorld{google: newFakeIdP(t, false), apple: newFakeIdP(t, true)}
	_, keyFile := appleKey(t)
	w.e = newEnvWith(t, b, envOptions{configure: func(c *app.Config) {
		c.Social.Providers = []social.ProviderConfig{
			{ID: "google", Kind: "google", Name: "Google", Issuer: w.google.srv.URL, ClientID: "web-client", ClientSecret: "web-secret",
				NativeClientIDs: []string{googleNativeID, "456-android.apps.googleusercontent.com"}},
			{ID: "apple", Kind: "apple", Name: "Apple", Issuer: w.apple.srv.URL, ClientID: "com.example.web", TeamID: "TEAM123456",
				KeyID: "KEY1", PrivateKeyFile: keyFile, NativeClientIDs: []string{appleNativeID}},
		}
	}})
	spec := app.ClientSpec{
		ID: nativeClientID, Name: "Tickets app", Public: true, FirstParty: true, RedirectURIs: []string{"http://127.0.0.1/callback"}, /* private-use schemes: the hardening issue */
		Grants: []string{"authorization_code", "refresh_token", admin.GrantTokenExchange}, Scopes: []string{"openid", "profile", "email", "offline_access"},
	}
	if _, err := w.e.app.AddClient(context.Background(), spec); err != nil {
		t.Fatalf("add native client: %v", err)
	}
	return w
}

// exchangeResult is a token endpoint answer.
type exchangeResult struct {
	status int
	body   map[string]any
}

func (r exchangeResult) errorCode() string { s, _ := r.body["error"].(string); return s }
func (r exchangeResult) description() string {
	s, _ := r.body["error_description"].(string)
	return s
}

func postToken(t *testing.T, e *env, form url.Values, basicID, basicSecret string) exchangeResult {
	t.Helper()
	return postTokenAt(t, e, "/oauth/token", form, basicID, basicSecret)
}

func postTokenAt(t *testing.T, e *env, path string, form url.Values, basicID, basicSecret string) exchangeResult {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.issuer+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicID != "" {
		req.SetBasicAuth(basicID, basicSecret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	res := exchangeResult{status: resp.StatusCode, body: map[string]any{}}
	_ = json.NewDecoder(resp.Body).Decode(&res.body)
	return res
}

// native exchanges an upstream ID token as the native app would.
func (w *nativeWorld) native(t *testing.T, clientID, idToken string, extra url.Values) exchangeResult {
	t.Helper()
	form := url.Values{
		"grant_type": {admin.GrantTokenExchange}, "client_id": {clientID}, "subject_token": {idToken},
		"subject_token_type": {"urn:ietf:params:oauth:token-type:id_token"}, "scope": {"openid email offline_access"},
	}
	for k, v := range extra {
		form[k] = v
	}
	return postToken(t, w.e, form, "", "")
}

// accessClaims verifies an access token with the JWKS and returns its claims.
func (e *env) accessClaims(t *testing.T, raw string) map[string]any {
	t.Helper()
	var set jose.JSONWebKeySet
	discoveryJSON(t, e.issuer+"/keys", &set)
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		t.Fatalf("access token: %v", err)
	}
	claims := map[string]any{}
	if err := tok.Claims(set, &claims); err != nil {
		t.Fatalf("access token signature: %v", err)
	}
	return claims
}

func hasAMR(claims map[string]any, want ...string) bool {
	got, _ := claims["amr"].([]any)
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			return false
		}
	}
	return true
}

// TestNativeSignInNewAndReturningUser: a Google and an Apple ID token from
// the native SDKs sign in (the first time creating the account), with the
// amr of a social login and a refresh token; the second exchange finds the
// same account. Discovery lists the grant; the sign-ins are audited.
func TestNativeSignInNewAndReturningUser(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			w := newNativeWorld(t, b)
			var doc struct {
				Grants []string `json:"grant_types_supported"`
			}
			discoveryJSON(t, w.e.issuer+"/.well-known/openid-configuration", &doc)
			if !strings.Contains(strings.Join(doc.Grants, " "), admin.GrantTokenExchange) {
				t.Fatalf("grant_types_supported %v lacks token exchange", doc.Grants)
			}
			for _, c := range []struct {
				name, provider, aud, email string
				idp                        *fakeIdP
			}{
				{"google", "google", googleNativeID, "g-native@example.com", w.google},
				{"apple", "apple", appleNativeID, "a-native@example.com", w.apple},
			} {
				c.idp.setAccount("up-"+c.name, c.email)
				var subs []string
				for range 2 {
					res := w.native(t, nativeClientID, c.idp.idToken(idTokenClaims{aud: c.aud, nonce: "n-123", verified: true}), url.Values{"nonce": {"n-123"}})
					if res.status != http.StatusOK {
						t.Fatalf("%s: status %d: %v", c.name, res.status, res.body)
					}
					if res.body["issued_token_type"] != "urn:ietf:params:oauth:token-type:refresh_token" || res.body["refresh_token"] == nil {
						t.Fatalf("%s: want access and refresh token, got %v", c.name, res.body)
					}
					claims := w.e.accessClaims(t, res.body["access_token"].(string))
					if !hasAMR(claims, "ext", "idp:"+c.provider) || claims["client_id"] != nativeClientID {
						t.Fatalf("%s: access token claims %v", c.name, claims)
					}
					subs = append(subs, claims["sub"].(string))
				}
				u, err := w.e.app.Stores.Durable.GetUserByEmail(context.Background(), storage.DefaultTenantID, c.email)
				if err != nil || subs[0] != u.ID || subs[1] != u.ID || !u.EmailVerified {
					t.Fatalf("%s: subs %v, account %+v (%v)", c.name, subs, u, err)
				}
			}
			auditEvents(t, w.e, storage.AuditFilter{Event: "login"}, func(ev []storage.AuditEvent) bool {
				n := 0
				for _, e := range ev {
					if e.Outcome == "success" && e.Details["method"] == "social_native" {
						n++
					}
				}
				return n == 4
			})
		})
	}
}

// TestNativeSignInSameAccountAsBrowser: a user who signed in with Google
// in the browser gets the same sub from a native Google sign-in.
func TestNativeSignInSameAccountAsBrowser(t *testing.T) {
	w := newNativeWorld(t, memoryBackend)
	w.google.setAccount("up-browser", "browser-first@example.com")
	br := w.e.browser()
	p := br.get(w.e.issuer + "/account")
	start, ok := p.testid("social-google").Attr("href")
	if !ok {
		t.Fatalf("no Google button on the login page: %s", p.body)
	}
	p = br.get(w.e.issuer + start)
	if p.status != http.StatusOK || !strings.HasPrefix(p.url.Path, "/account") {
		t.Fatalf("browser social login ended with %d at %s", p.status, p.url)
	}
	browserUser, err := w.e.app.Stores.Durable.GetUserByEmail(context.Background(), storage.DefaultTenantID, "browser-first@example.com")
	if err != nil {
		t.Fatal(err)
	}
	res := w.native(t, nativeClientID, w.google.idToken(idTokenClaims{aud: googleNativeID, verified: true}), nil)
	if res.status != http.StatusOK {
		t.Fatalf("native sign-in: %d %v", res.status, res.body)
	}
	if sub := w.e.accessClaims(t, res.body["access_token"].(string))["sub"]; sub != browserUser.ID {
		t.Fatalf("native sub %v, browser account %s", sub, browserUser.ID)
	}
}

// TestNativeSignInRefusals: every refusal is a 4xx OAuth error, nothing is
// created, and an existing account is never merged.
func TestNativeSignInRefusals(t *testing.T) {
	w := newNativeWorld(t, memoryBackend)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	// demo@example.com exists (password account) without a Google link.
	w.google.setAccount("up-demo", "demo@example.com")
	linkRequired := w.native(t, nativeClientID, w.google.idToken(idTokenClaims{aud: googleNativeID, verified: true}), nil)
	if linkRequired.status != http.StatusBadRequest || linkRequired.errorCode() != "invalid_grant" || !strings.Contains(linkRequired.description(), "account_link_required") {
		t.Fatalf("existing e-mail: %d %v", linkRequired.status, linkRequired.body)
	}
	w.google.setAccount("up-new", "nobody-yet@example.com")
	for _, c := range []struct {
		name     string
		token    string
		client   string
		extra    url.Values
		status   int
		code, in string
	}{
		{"another audience", w.google.idToken(idTokenClaims{aud: "web-client", verified: true}), nativeClientID, nil, 400, "invalid_request", "audience"},
		{"expired", w.google.idToken(idTokenClaims{aud: googleNativeID, verified: true, exp: -time.Minute}), nativeClientID, nil, 400, "invalid_request", "expired"},
		{"wrong issuer", w.google.idToken(idTokenClaims{aud: googleNativeID, verified: true, iss: "https://accounts.evil.example"}), nativeClientID, nil, 400, "invalid_request", "issuer"},
		{"foreign key", w.google.idToken(idTokenClaims{aud: googleNativeID, verified: true, key: other}), nativeClientID, nil, 400, "invalid_request", "signature"},
		{"nonce mismatch", w.google.idToken(idTokenClaims{aud: googleNativeID, verified: true, nonce: "n1"}), nativeClientID, url.Values{"nonce": {"n2"}}, 400, "invalid_request", "nonce"},
		{"unverified e-mail", w.google.idToken(idTokenClaims{aud: googleNativeID}), nativeClientID, nil, 400, "invalid_grant", "verify"},
		{"client not allowed", w.google.idToken(idTokenClaims{aud: googleNativeID, verified: true}), "demo-spa", nil, 400, "unauthorized_client", "token exchange"},
	} {
		res := w.native(t, c.client, c.token, c.extra)
		if res.status != c.status || res.errorCode() != c.code || !strings.Contains(res.description(), c.in) {
			t.Errorf("%s: %d %v, want %d %s mentioning %q", c.name, res.status, res.body, c.status, c.code, c.in)
		}
	}
	if _, err := w.e.app.Stores.Durable.GetUserByEmail(context.Background(), storage.DefaultTenantID, "nobody-yet@example.com"); err == nil {
		t.Fatal("a refused sign-in created an account")
	}
	if ids, _ := w.e.app.Stores.Durable.ListUserIdentities(context.Background(), demoUserID(t, w.e)); len(ids) != 0 {
		t.Fatalf("the existing account was linked silently: %v", ids)
	}
}

// TestNativeSignInHostedOnly: a native sign-in cannot ask for a second
// factor or for consent, so it is refused (invalid_grant, pointing to the
// hosted sign-in) whenever the browser login would ask: a user with TOTP, a
// client with RequireMFA, a third-party client without stored consent
// covering the scopes. A first-party client, and a third-party client with
// consent, still sign in a user without a second factor.
func TestNativeSignInHostedOnly(t *testing.T) {
	w := newNativeWorld(t, memoryBackend)
	ctx := context.Background()
	add := func(id string, firstParty, requireMFA bool) {
		t.Helper()
		spec := app.ClientSpec{
			ID: id, Name: id, Public: true, FirstParty: firstParty, RequireMFA: requireMFA, RedirectURIs: []string{"http://127.0.0.1/callback"},
			Grants: []string{"authorization_code", "refresh_token", admin.GrantTokenExchange}, Scopes: []string{"openid", "profile", "email", "offline_access"},
		}
		if _, err := w.e.app.AddClient(ctx, spec); err != nil {
			t.Fatalf("add client %s: %v", id, err)
		}
	}
	add("third-party-app", false, false)
	add("strict-app", true, true)

	w.google.setAccount("up-hosted", "hosted@example.com")
	tok := func() string { return w.google.idToken(idTokenClaims{aud: googleNativeID, verified: true}) }
	if res := w.native(t, nativeClientID, tok(), nil); res.status != http.StatusOK {
		t.Fatalf("first-party client, no second factor: %d %v", res.status, res.body)
	}
	refused := func(name, client, in string) {
		t.Helper()
		res := w.native(t, client, tok(), nil)
		if res.status != http.StatusBadRequest || res.errorCode() != "invalid_grant" || !strings.Contains(res.description(), in) || !strings.Contains(res.description(), "hosted sign-in") {
			t.Errorf("%s: %d %v, want invalid_grant mentioning %q and the hosted sign-in", name, res.status, res.body, in)
		}
	}
	refused("RequireMFA client", "strict-app", "second_factor_required")
	refused("third-party client without consent", "third-party-app", "consent_required")

	u, err := w.e.app.Stores.Durable.GetUserByEmail(ctx, storage.DefaultTenantID, "hosted@example.com")
	if err != nil {
		t.Fatal(err)
	}
	// Consent to fewer scopes than asked: still refused.
	if err := w.e.app.Stores.Durable.SaveConsent(ctx, storage.Consent{UserID: u.ID, ClientID: "third-party-app", Scopes: []string{"openid", "email"}, GrantedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	refused("third-party client, consent not covering the scopes", "third-party-app", "consent_required")
	if err := w.e.app.Stores.Durable.SaveConsent(ctx, storage.Consent{UserID: u.ID, ClientID: "third-party-app", Scopes: []string{"openid", "email", "offline_access"}, GrantedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if res := w.native(t, "third-party-app", tok(), nil); res.status != http.StatusOK {
		t.Fatalf("third-party client with consent: %d %v", res.status, res.body)
	}

	// The user enrols TOTP: every native sign-in is refused, first-party
	// clients included.
	if err := w.e.app.Stores.Durable.SaveTOTPCredential(ctx, storage.TOTPCredential{UserID: u.ID, Secret: []byte("sealed"), CreatedAt: time.Now(), UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	refused("user with TOTP, first-party client", nativeClientID, "second_factor_required")
	refused("user with TOTP, consented client", "third-party-app", "second_factor_required")
}

func demoUserID(t *testing.T, e *env) string {
	u, err := e.app.Stores.Durable.GetUserByEmail(context.Background(), storage.DefaultTenantID, "demo@example.com")
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestNativeSignInIDToken: requested_token_type id_token returns an Admit
// ID token for the client, with the social login's amr and idp claim.
func TestNativeSignInIDToken(t *testing.T) {
	w := newNativeWorld(t, memoryBackend)
	w.apple.setAccount("up-idt", "idt@example.com")
	res := w.native(t, nativeClientID, w.apple.idToken(idTokenClaims{aud: appleNativeID, verified: true}),
		url.Values{"requested_token_type": {"urn:ietf:params:oauth:token-type:id_token"}})
	if res.status != http.StatusOK || res.body["token_type"] != "N_A" {
		t.Fatalf("id token exchange: %d %v", res.status, res.body)
	}
	idt, err := w.e.rp(nativeClientID, "").verifier.Verify(context.Background(), res.body["access_token"].(string))
	if err != nil {
		t.Fatalf("id token: %v", err)
	}
	var claims struct {
		AMR   []string `json:"amr"`
		IDP   string   `json:"idp"`
		Email string   `json:"email"`
	}
	if err := idt.Claims(&claims); err != nil || claims.IDP != "apple" || strings.Join(claims.AMR, " ") != "ext idp:apple" || claims.Email != "idt@example.com" {
		t.Fatalf("id token claims %+v (%v)", claims, err)
	}
}

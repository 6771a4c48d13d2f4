package app_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/crypto/bcrypt"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/login/password"
	"github.com/admit-idp/admit/storage"
)

// flakyEphemeral fails every call while down is set, as an unreachable
// Redis would.
type flakyEphemeral struct {
	storage.Ephemeral
	down *atomic.Bool
}

func (f flakyEphemeral) err() error {
	if f.down.Load() {
		return fmt.Errorf("redis: dial tcp: connection refused: %w", storage.ErrUnavailable)
	}
	return nil
}

func (f flakyEphemeral) GetAuthRequest(ctx context.Context, id string) (storage.AuthRequest, error) {
	if err := f.err(); err != nil {
		return storage.AuthRequest{}, err
	}
	return f.Ephemeral.GetAuthRequest(ctx, id)
}

func (f flakyEphemeral) CreateAuthRequest(ctx context.Context, r storage.AuthRequest) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Ephemeral.CreateAuthRequest(ctx, r)
}

func (f flakyEphemeral) ConsumeAuthCode(ctx context.Context, hash string) (storage.AuthRequest, error) {
	if err := f.err(); err != nil {
		return storage.AuthRequest{}, err
	}
	return f.Ephemeral.ConsumeAuthCode(ctx, hash)
}

func (f flakyEphemeral) GetLoginFlow(ctx context.Context, id string) (storage.LoginFlow, error) {
	if err := f.err(); err != nil {
		return storage.LoginFlow{}, err
	}
	return f.Ephemeral.GetLoginFlow(ctx, id)
}

func (f flakyEphemeral) Ping(ctx context.Context) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Ephemeral.Ping(ctx)
}

// newFlakyEnv is newEnv on memory with an ephemeral store that can go down.
func newFlakyEnv(t *testing.T) (*env, *atomic.Bool) {
	t.Helper()
	down := &atomic.Bool{}
	srv := httptest.NewUnstartedServer(nil)
	e := &env{t: t, srv: srv, issuer: "http://" + srv.Listener.Addr().String(), clock: &clock{t: time.Now().UTC()}}
	cfg := app.Defaults()
	cfg.Issuer = e.issuer
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := app.OpenStores(context.Background(), cfg, e.clock.Now, false, log)
	if err != nil {
		t.Fatal(err)
	}
	st.Ephemeral = flakyEphemeral{Ephemeral: st.Ephemeral, down: down}
	hasher, _ := password.New(argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
	a, err := app.New(context.Background(), cfg, st, log, app.Options{Now: e.clock.Now, PasswordHash: hasher})
	if err != nil {
		t.Fatal(err)
	}
	_ = a.SeedDemo(context.Background())
	e.app = a
	srv.Config.Handler = a.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return e, down
}

func TestBackendOutageIsRetryable(t *testing.T) {
	e, down := newFlakyEnv(t)
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	code, ar, _ := codeFor(t, e, r)
	lb := e.browser()
	login := lb.get(r.start().url)
	down.Store(true)

	t.Run("token endpoint answers 503 temporarily_unavailable", func(t *testing.T) {
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {rpCallback}, "code_verifier": {ar.verifier}}
		req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(app.DemoClientID, app.DemoClientSecret)
		resp := mustDo(t, req)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || oauthError(t, resp) != "temporarily_unavailable" {
			t.Fatalf("status %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	})
	t.Run("authorize redirects temporarily_unavailable to the client (RFC 6749 4.1.2.1)", func(t *testing.T) {
		ar := r.start()
		p := e.browser().get(ar.url)
		if p.location == nil || p.location.Query().Get("error") != "temporarily_unavailable" || p.location.Query().Get("state") != ar.state {
			t.Fatalf("authorize during outage: %d %v", p.status, p.location)
		}
	})
	t.Run("login POST answers a retryable 503 page", func(t *testing.T) {
		p := lb.submitLogin(login, app.DemoUserEmail, app.DemoUserPassword)
		if p.status != http.StatusServiceUnavailable || p.header.Get("Retry-After") == "" || !strings.Contains(p.testid("error-message").Text(), "try again") {
			t.Fatalf("login during outage: %d %q", p.status, p.testid("error-message").Text())
		}
	})
	t.Run("readyz is 503", func(t *testing.T) {
		resp, err := http.Get(e.issuer + "/readyz")
		if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("readyz: %v %d", err, resp.StatusCode)
		}
	})
	down.Store(false)
	t.Run("the code still works after the outage: nothing was half-written", func(t *testing.T) {
		if _, err := r.exchange(code, ar); err != nil {
			t.Fatalf("exchange after recovery: %v", err)
		}
	})
}

func TestReadyzWithRealBackends(t *testing.T) {
	e := newEnv(t, postgresBackend)
	resp, err := http.Get(e.issuer + "/readyz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %v %d", err, resp.StatusCode)
	}
	if resp, _ := http.Get(e.issuer + "/healthz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
	resp, _ = http.Get(e.issuer + "/metrics")
	body, _ := io.ReadAll(resp.Body)
	for _, m := range []string{"admit_http_requests_total", "admit_db_pool_total_conns", "admit_http_request_duration_seconds"} {
		if !strings.Contains(string(body), m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
}

func TestKeyRotationKeepsIssuedTokensValid(t *testing.T) {
	e := newEnv(t, postgresBackend)
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	code, ar, _ := codeFor(t, e, r)
	before, err := r.exchange(code, ar)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.app.Keys.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A fresh RP fetches the new JWKS: the old token still verifies.
	r2 := e.rp(app.DemoClientID, app.DemoClientSecret)
	if _, err := r2.verifier.Verify(context.Background(), before.Extra("id_token").(string)); err != nil {
		t.Fatalf("id token signed before rotation: %v", err)
	}
	code, ar, _ = codeFor(t, e, r2)
	after, err := r2.exchange(code, ar)
	if err != nil {
		t.Fatal(err)
	}
	if kid(t, before.AccessToken) == kid(t, after.AccessToken) {
		t.Fatal("rotation did not change the signing key")
	}
	r2.checkAccessTokenClaims(before.AccessToken)
	var set jose.JSONWebKeySet
	resp, _ := http.Get(e.issuer + "/keys")
	_ = json.NewDecoder(resp.Body).Decode(&set)
	// Per algorithm (RS256, ES256, EdDSA, rotated together): retired,
	// active and next.
	perAlg := map[string]int{}
	for _, k := range set.Keys {
		perAlg[k.Algorithm]++
	}
	if len(set.Keys) != 9 || perAlg["RS256"] != 3 || perAlg["ES256"] != 3 || perAlg["EdDSA"] != 3 {
		t.Fatalf("JWKS has %v keys by algorithm, want retired + active + next of each", perAlg)
	}
}

func kid(t testing.TB, token string) string {
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	return jws.Signatures[0].Protected.KeyID
}

func TestBcryptHashFromTheOldServiceIsUpgraded(t *testing.T) {
	e := newEnv(t, postgresBackend)
	hash, _ := bcrypt.GenerateFromPassword([]byte("legacy-password-1"), bcrypt.MinCost)
	now := e.clock.Now()
	u := storage.User{ID: "3f2c1a44-0d5e-4f36-9a51-4b1f0b2d7a10", Email: "legacy@example.com", PasswordHash: string(hash), CreatedAt: now, UpdatedAt: now}
	if err := e.app.Stores.Durable.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	ar := r.start()
	e.browser().login(ar, "legacy@example.com", "legacy-password-1")
	got, _ := e.app.Stores.Durable.GetUser(context.Background(), u.ID)
	if !strings.HasPrefix(got.PasswordHash, "$argon2id$") {
		t.Fatalf("hash after login = %.10s…, want argon2id", got.PasswordHash)
	}
}

// TestPrivateKeyJWTClientAuthentication exchanges a code with a client that
// authenticates with a signed JWT (RFC 7523) instead of a secret.
func TestPrivateKeyJWTClientAuthentication(t *testing.T) {
	e := newEnv(t, memoryBackend)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	spec := app.ClientSpec{ID: "pkjwt", RedirectURIs: []string{rpCallback}, Grants: []string{"authorization_code"}, Scopes: []string{"openid"}, AuthMethod: "private_key_jwt", JWKS: jwks, FirstParty: true}
	if _, err := e.app.AddClient(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	code, ar, _ := codeFor(t, e, e.rp("pkjwt", ""))
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {rpCallback}, "code_verifier": {ar.verifier},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {clientAssertion(t, e, key)}}
	resp, err := http.PostForm(e.issuer+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		IDToken string `json:"id_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	if resp.StatusCode != http.StatusOK || tok.IDToken == "" {
		t.Fatalf("private_key_jwt code exchange: status %d", resp.StatusCode)
	}
}

func clientAssertion(t testing.TB, e *env, key *ecdsa.PrivateKey) string {
	signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, nil)
	now := e.clock.Now()
	assertion, err := jwt.Signed(signer).Claims(jwt.Claims{
		Issuer: "pkjwt", Subject: "pkjwt", Audience: jwt.Audience{e.issuer}, ID: randomString(),
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Minute)),
	}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return assertion
}

package app_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/op"
	"github.com/admit-idp/admit/storage"
)

// dpopKey is a client's DPoP key pair (RFC 9449): it signs proofs with
// the public key embedded, as a real client does.
type dpopKey struct {
	priv *ecdsa.PrivateKey
	jkt  string
}

func newDPoPKey(t testing.TB) *dpopKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tp, err := (&jose.JSONWebKey{Key: priv.Public()}).Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return &dpopKey{priv: priv, jkt: base64.RawURLEncoding.EncodeToString(tp)}
}

// proof signs a proof for htm/htu now (by the env's clock), with nonce and
// the access token's ath when given.
func (k *dpopKey) proof(t testing.TB, e *env, htm, path, nonce, accessToken string) string {
	t.Helper()
	claims := map[string]any{"jti": randomString(), "htm": htm, "htu": e.issuer + path, "iat": e.clock.Now().Unix()}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return k.sign(t, claims)
}

func (k *dpopKey) sign(t testing.TB, claims map[string]any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k.priv},
		&jose.SignerOptions{EmbedJWK: true, ExtraHeaders: map[jose.HeaderKey]any{jose.HeaderType: "dpop+jwt"}})
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// answer is a JSON answer of a protocol endpoint.
type answer struct {
	status int
	body   map[string]any
	header http.Header
}

func (a answer) str(k string) string { s, _ := a.body[k].(string); return s }

// call sends a request to base (the env's server unless another node's)
// with the given headers.
func call(t testing.TB, base, method, path string, form url.Values, hdr map[string]string) answer {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

// withNonce sends a DPoP request, and once more with the server's nonce
// when the first answer is use_dpop_nonce (RFC 9449 §8: 400 at the token
// and PAR endpoints; §9: 401 at userinfo), as clients do.
func withNonce(t testing.TB, e *env, k *dpopKey, nonce *string, send func(proof string) answer, htm, path, token string) answer {
	t.Helper()
	a := send(k.proof(t, e, htm, path, *nonce, token))
	if n := a.header.Get("DPoP-Nonce"); n != "" {
		*nonce = n
	}
	if (a.status == http.StatusBadRequest || a.status == http.StatusUnauthorized) && a.str("error") == "use_dpop_nonce" {
		a = send(k.proof(t, e, htm, path, *nonce, token))
		if n := a.header.Get("DPoP-Nonce"); n != "" {
			*nonce = n
		}
	}
	return a
}

// serverNonce gets a DPoP nonce the way a client first does: a proof
// without one is refused with use_dpop_nonce and a DPoP-Nonce header.
func serverNonce(t testing.TB, e *env, k *dpopKey, form url.Values, auth string) string {
	t.Helper()
	a := call(t, e.issuer, http.MethodPost, "/oauth/token", form, map[string]string{"Authorization": auth, "DPoP": k.proof(t, e, http.MethodPost, "/oauth/token", "", "")})
	if a.str("error") != "use_dpop_nonce" || a.header.Get("DPoP-Nonce") == "" {
		t.Fatalf("proof without a nonce: %d %v", a.status, a.body)
	}
	return a.header.Get("DPoP-Nonce")
}

func basicAuth(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

// accessClaims decodes a JWT access token's payload (already verified by
// the server that issued it; the tests read what it says).
func accessClaims(t testing.TB, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("access token is not a JWS: %q", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func cnfJKT(claims map[string]any) string {
	cnf, _ := claims["cnf"].(map[string]any)
	s, _ := cnf["jkt"].(string)
	return s
}

// pkce is one PKCE pair.
type pkce struct{ verifier, challenge string }

func newPKCE() pkce {
	v := oauth2.GenerateVerifier()
	return pkce{v, oauth2.S256ChallengeFromVerifier(v)}
}

// spaAuthParams are a public client's authorization parameters.
func spaAuthParams(state string, p pkce) url.Values {
	return url.Values{
		"client_id": {app.DemoSPAID}, "response_type": {"code"}, "redirect_uri": {rpCallback},
		"scope": {"openid profile offline_access"}, "state": {state}, "nonce": {randomString()},
		"code_challenge": {p.challenge}, "code_challenge_method": {"S256"},
	}
}

// TestDPoPWithPAR runs a public client through PAR with a DPoP proof
// (the code is bound to the key, RFC 9449 §10), the code exchange with the
// nonce dance (§8), userinfo with the DPoP scheme (§7), refresh with the
// same key (§5) and introspection (§6.2), and checks every refusal on the
// way: the bound token as Bearer, refresh without or with another key,
// the request_uri reused.
func TestDPoPWithPAR(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnv(t, b)
			key := newDPoPKey(t)
			var nonce string
			state, pk := randomString(), newPKCE()

			pushed := withNonce(t, e, key, &nonce, func(proof string) answer {
				return call(t, e.issuer, http.MethodPost, "/oauth/par", spaAuthParams(state, pk), map[string]string{"DPoP": proof})
			}, http.MethodPost, "/oauth/par", "")
			if pushed.status != http.StatusCreated || !strings.HasPrefix(pushed.str("request_uri"), "urn:ietf:params:oauth:request_uri:") {
				t.Fatalf("PAR: %d %v", pushed.status, pushed.body)
			}
			if exp, _ := pushed.body["expires_in"].(float64); exp != 60 {
				t.Fatalf("expires_in = %v, want 60", pushed.body["expires_in"])
			}
			authz := e.issuer + "/authorize?" + url.Values{"client_id": {app.DemoSPAID}, "request_uri": {pushed.str("request_uri")}}.Encode()
			br := e.browser()
			cb := br.callback(br.consent(br.submitLogin(br.get(authz), app.DemoUserEmail, app.DemoUserPassword), "allow"), authRequest{state: state})
			code := cb.Query().Get("code")

			// RFC 9126 §4: one-time use.
			if again := e.browser().get(authz); again.status != http.StatusBadRequest || !strings.Contains(again.body, "invalid_request_uri") {
				t.Fatalf("reused request_uri: status %d", again.status)
			}

			exchange := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {rpCallback},
				"code_verifier": {pk.verifier}, "client_id": {app.DemoSPAID}}
			// The code is bound to key: another key's proof is refused
			// before the code is spent.
			other := newDPoPKey(t)
			if a := call(t, e.issuer, http.MethodPost, "/oauth/token", exchange, map[string]string{"DPoP": other.proof(t, e, http.MethodPost, "/oauth/token", nonce, "")}); a.str("error") != "invalid_grant" {
				t.Fatalf("code exchange with another key: %d %v", a.status, a.body)
			}
			tok := withNonce(t, e, key, &nonce, func(proof string) answer {
				return call(t, e.issuer, http.MethodPost, "/oauth/token", exchange, map[string]string{"DPoP": proof})
			}, http.MethodPost, "/oauth/token", "")
			if tok.status != http.StatusOK || tok.str("token_type") != "DPoP" {
				t.Fatalf("code exchange: %d %v", tok.status, tok.body)
			}
			at := tok.str("access_token")
			if got := cnfJKT(accessClaims(t, at)); got != key.jkt {
				t.Fatalf("cnf.jkt = %q, want %q", got, key.jkt)
			}

			ui := withNonce(t, e, key, &nonce, func(proof string) answer {
				return call(t, e.issuer, http.MethodGet, "/userinfo", nil, map[string]string{"Authorization": "DPoP " + at, "DPoP": proof})
			}, http.MethodGet, "/userinfo", at)
			if ui.status != http.StatusOK || ui.str("sub") == "" {
				t.Fatalf("userinfo with DPoP: %d %v", ui.status, ui.body)
			}
			bearer := call(t, e.issuer, http.MethodGet, "/userinfo", nil, map[string]string{"Authorization": "Bearer " + at})
			if bearer.status != http.StatusUnauthorized || !strings.HasPrefix(bearer.header.Get("WWW-Authenticate"), "DPoP ") {
				t.Fatalf("bound token as Bearer: %d %v %q", bearer.status, bearer.body, bearer.header.Get("WWW-Authenticate"))
			}
			noATH := call(t, e.issuer, http.MethodGet, "/userinfo", nil, map[string]string{
				"Authorization": "DPoP " + at, "DPoP": key.proof(t, e, http.MethodGet, "/userinfo", nonce, "")})
			if noATH.status != http.StatusUnauthorized || !strings.Contains(noATH.header.Get("WWW-Authenticate"), `error="invalid_dpop_proof"`) {
				t.Fatalf("userinfo proof without ath: %d %q", noATH.status, noATH.header.Get("WWW-Authenticate"))
			}

			in := call(t, e.issuer, http.MethodPost, "/oauth/introspect", url.Values{"token": {at}},
				map[string]string{"Authorization": basicAuth(app.DemoClientID, app.DemoClientSecret)})
			if in.body["active"] != true || in.str("token_type") != "DPoP" || cnfJKT(in.body) != key.jkt {
				t.Fatalf("introspection: %v", in.body)
			}

			refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.str("refresh_token")}, "client_id": {app.DemoSPAID}}
			if a := call(t, e.issuer, http.MethodPost, "/oauth/token", refresh, nil); a.str("error") != "invalid_dpop_proof" {
				t.Fatalf("refresh without a proof: %d %v", a.status, a.body)
			}
			if a := call(t, e.issuer, http.MethodPost, "/oauth/token", refresh, map[string]string{"DPoP": other.proof(t, e, http.MethodPost, "/oauth/token", nonce, "")}); a.str("error") != "invalid_grant" {
				t.Fatalf("refresh with another key: %d %v", a.status, a.body)
			}
			re := withNonce(t, e, key, &nonce, func(proof string) answer {
				return call(t, e.issuer, http.MethodPost, "/oauth/token", refresh, map[string]string{"DPoP": proof})
			}, http.MethodPost, "/oauth/token", "")
			if re.status != http.StatusOK || re.str("token_type") != "DPoP" || cnfJKT(accessClaims(t, re.str("access_token"))) != key.jkt {
				t.Fatalf("refresh with the key: %d %v", re.status, re.body)
			}
		})
	}
}

// TestDPoPNonceFlow: with nonces required, a proof without one gets
// use_dpop_nonce and a DPoP-Nonce header (RFC 9449 §8); the retry with
// it succeeds; a made-up nonce is refused the same way.
func TestDPoPNonceFlow(t *testing.T) {
	e := newEnv(t, memoryBackend)
	key := newDPoPKey(t)
	form := url.Values{"grant_type": {"client_credentials"}}
	auth := basicAuth(app.DemoClientID, app.DemoClientSecret)
	first := call(t, e.issuer, http.MethodPost, "/oauth/token", form, map[string]string{"Authorization": auth, "DPoP": key.proof(t, e, http.MethodPost, "/oauth/token", "", "")})
	if first.status != http.StatusBadRequest || first.str("error") != "use_dpop_nonce" || first.header.Get("DPoP-Nonce") == "" {
		t.Fatalf("without nonce: %d %v nonce=%q", first.status, first.body, first.header.Get("DPoP-Nonce"))
	}
	forged := call(t, e.issuer, http.MethodPost, "/oauth/token", form, map[string]string{"Authorization": auth, "DPoP": key.proof(t, e, http.MethodPost, "/oauth/token", "v1.made-up.nonce", "")})
	if forged.str("error") != "use_dpop_nonce" {
		t.Fatalf("forged nonce: %d %v", forged.status, forged.body)
	}
	ok := call(t, e.issuer, http.MethodPost, "/oauth/token", form, map[string]string{"Authorization": auth, "DPoP": key.proof(t, e, http.MethodPost, "/oauth/token", first.header.Get("DPoP-Nonce"), "")})
	if ok.status != http.StatusOK || ok.str("token_type") != "DPoP" || cnfJKT(accessClaims(t, ok.str("access_token"))) != key.jkt {
		t.Fatalf("with the nonce: %d %v", ok.status, ok.body)
	}
	// A confidential client's tokens without a proof stay Bearer, and
	// bearer answers carry no nonce.
	plain := call(t, e.issuer, http.MethodPost, "/oauth/token", form, map[string]string{"Authorization": auth})
	if plain.status != http.StatusOK || plain.str("token_type") != "Bearer" || cnfJKT(accessClaims(t, plain.str("access_token"))) != "" || plain.header.Get("DPoP-Nonce") != "" {
		t.Fatalf("without DPoP: %d %v %v", plain.status, plain.body, plain.header)
	}
	// RFC 9449 §4.3 check 1: not more than one DPoP header.
	req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", auth)
	nonce := ok.header.Get("DPoP-Nonce")
	req.Header.Add("DPoP", key.proof(t, e, http.MethodPost, "/oauth/token", nonce, ""))
	req.Header.Add("DPoP", key.proof(t, e, http.MethodPost, "/oauth/token", nonce, ""))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var two map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&two)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || two["error"] != "invalid_dpop_proof" {
		t.Fatalf("two DPoP headers: %d %v", resp.StatusCode, two)
	}
	// The nonce expires (op.DPoPNonceLifetime).
	e.clock.Advance(op.DPoPNonceLifetime + time.Second)
	late := call(t, e.issuer, http.MethodPost, "/oauth/token", form, map[string]string{"Authorization": auth, "DPoP": key.proof(t, e, http.MethodPost, "/oauth/token", first.header.Get("DPoP-Nonce"), "")})
	if late.str("error") != "use_dpop_nonce" {
		t.Fatalf("expired nonce: %d %v", late.status, late.body)
	}
}

// TestDPoPUserinfoNonce: with dpop_nonce on, userinfo is a resource
// server that requires its nonce (RFC 9449 §9): a proof without one is
// answered 401 WWW-Authenticate: DPoP error="use_dpop_nonce" with a
// DPoP-Nonce header, the client's retry with it is served (with the next
// nonce), and an expired nonce is challenged again. With dpop_nonce off a
// proof without a nonce is served.
func TestDPoPUserinfoNonce(t *testing.T) {
	for _, required := range []bool{true, false} {
		t.Run(fmt.Sprintf("dpop_nonce=%v", required), func(t *testing.T) {
			e := newEnvWith(t, memoryBackend, envOptions{configure: func(c *app.Config) { c.DPoPNonce = required }})
			key := newDPoPKey(t)
			state, pk := randomString(), newPKCE()
			br := e.browser()
			authz := e.issuer + "/authorize?" + spaAuthParams(state, pk).Encode()
			cb := br.callback(br.consent(br.submitLogin(br.get(authz), app.DemoUserEmail, app.DemoUserPassword), "allow"), authRequest{state: state})
			form := url.Values{"grant_type": {"authorization_code"}, "code": {cb.Query().Get("code")}, "redirect_uri": {rpCallback},
				"code_verifier": {pk.verifier}, "client_id": {app.DemoSPAID}}
			var nonce string
			tok := withNonce(t, e, key, &nonce, func(proof string) answer {
				return call(t, e.issuer, http.MethodPost, "/oauth/token", form, map[string]string{"DPoP": proof})
			}, http.MethodPost, "/oauth/token", "")
			at := tok.str("access_token")
			if tok.status != http.StatusOK || tok.str("token_type") != "DPoP" {
				t.Fatalf("token: %d %v", tok.status, tok.body)
			}
			userinfo := func(nonce string) answer {
				return call(t, e.issuer, http.MethodGet, "/userinfo", nil, map[string]string{
					"Authorization": "DPoP " + at, "DPoP": key.proof(t, e, http.MethodGet, "/userinfo", nonce, at)})
			}
			first := userinfo("")
			if !required {
				if first.status != http.StatusOK || first.str("sub") == "" {
					t.Fatalf("userinfo without a nonce, dpop_nonce off: %d %v %q", first.status, first.body, first.header.Get("WWW-Authenticate"))
				}
				return
			}
			challenge := first.header.Get("WWW-Authenticate")
			if first.status != http.StatusUnauthorized || !strings.HasPrefix(challenge, "DPoP ") ||
				!strings.Contains(challenge, `error="use_dpop_nonce"`) || first.header.Get("DPoP-Nonce") == "" {
				t.Fatalf("userinfo proof without a nonce: %d %q nonce %q", first.status, challenge, first.header.Get("DPoP-Nonce"))
			}
			retry := userinfo(first.header.Get("DPoP-Nonce"))
			if retry.status != http.StatusOK || retry.str("sub") == "" || retry.header.Get("DPoP-Nonce") == "" {
				t.Fatalf("userinfo with the nonce: %d %v %q", retry.status, retry.body, retry.header.Get("WWW-Authenticate"))
			}
			e.clock.Advance(op.DPoPNonceLifetime + time.Second)
			if late := userinfo(first.header.Get("DPoP-Nonce")); late.status != http.StatusUnauthorized || !strings.Contains(late.header.Get("WWW-Authenticate"), `error="use_dpop_nonce"`) {
				t.Fatalf("userinfo with an expired nonce: %d %q", late.status, late.header.Get("WWW-Authenticate"))
			}
		})
	}
}

// TestDPoPReplayAcrossNodes: two nodes on one Postgres and Redis; a proof
// node A accepted is refused by node B (RFC 9449 §11.1), as is a second
// use on A.
func TestDPoPReplayAcrossNodes(t *testing.T) {
	a := newEnv(t, postgresBackend)
	b := secondNodeServer(t, a)
	key := newDPoPKey(t)
	form := url.Values{"grant_type": {"client_credentials"}}
	auth := basicAuth(app.DemoClientID, app.DemoClientSecret)
	nonce := serverNonce(t, a, key, form, auth)
	proof := key.proof(t, a, http.MethodPost, "/oauth/token", nonce, "")
	if r := call(t, a.srv.URL, http.MethodPost, "/oauth/token", form, map[string]string{"Authorization": auth, "DPoP": proof}); r.status != http.StatusOK {
		t.Fatalf("node A: %d %v", r.status, r.body)
	}
	for name, base := range map[string]string{"node B": b.URL, "node A again": a.srv.URL} {
		r := call(t, base, http.MethodPost, "/oauth/token", form, map[string]string{"Authorization": auth, "DPoP": proof})
		if r.status != http.StatusBadRequest || r.str("error") != "invalid_dpop_proof" || !strings.Contains(r.str("error_description"), "used before") {
			t.Fatalf("%s, replayed proof: %d %v", name, r.status, r.body)
		}
	}
	// Node B accepts a fresh proof with A's nonce: nonces need no state.
	if r := call(t, b.URL, http.MethodPost, "/oauth/token", form, map[string]string{"Authorization": auth, "DPoP": key.proof(t, a, http.MethodPost, "/oauth/token", nonce, "")}); r.status != http.StatusOK {
		t.Fatalf("node B, fresh proof: %d %v", r.status, r.body)
	}
}

// secondNodeServer serves another App on a's configuration (same database,
// Redis prefix, master key and issuer), as a second node behind the same
// load balancer.
func secondNodeServer(t *testing.T, a *env) *httptest.Server {
	t.Helper()
	cfg := a.app.Config
	st, err := app.OpenStores(context.Background(), cfg, a.clock.Now, false, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	n, err := app.New(context.Background(), cfg, st, discardLogger(), app.Options{Now: a.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Accounts.Close)
	srv := httptest.NewServer(n.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// TestDPoPBoundClientNeedsProof: a client registered with
// dpop_bound_access_tokens (RFC 9449 §5.2) gets no token without a proof.
func TestDPoPBoundClientNeedsProof(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnv(t, b)
			c := storage.Client{ID: "bound-" + randomString(), Name: "Bound", SecretHash: op.HashSecret("bound-secret"),
				AuthMethod: storage.AuthMethodBasic, GrantTypes: []string{"client_credentials"}, Scopes: []string{"openid"},
				CreatedAt: e.clock.Now(), DPoPBoundAccessTokens: true}
			if err := e.app.Stores.Durable.CreateClient(context.Background(), c); err != nil {
				t.Fatal(err)
			}
			form := url.Values{"grant_type": {"client_credentials"}}
			auth := basicAuth(c.ID, "bound-secret")
			no := call(t, e.issuer, http.MethodPost, "/oauth/token", form, map[string]string{"Authorization": auth})
			if no.status != http.StatusBadRequest || no.str("error") != "invalid_dpop_proof" || no.str("access_token") != "" {
				t.Fatalf("without a proof: %d %v", no.status, no.body)
			}
			key, nonce := newDPoPKey(t), no.header.Get("DPoP-Nonce")
			ok := call(t, e.issuer, http.MethodPost, "/oauth/token", form, map[string]string{"Authorization": auth, "DPoP": key.proof(t, e, http.MethodPost, "/oauth/token", nonce, "")})
			if ok.status != http.StatusOK || ok.str("token_type") != "DPoP" {
				t.Fatalf("with a proof: %d %v", ok.status, ok.body)
			}
		})
	}
}

// TestPARRules: the pushed request's client authentication (RFC 9126
// §2.1), expiry (§2.2), binding to its client (§4) and
// require_pushed_authorization_requests (§6).
func TestPARRules(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnv(t, b)
			confidential := func(secret string) answer {
				form := spaAuthParams(randomString(), newPKCE())
				form.Set("client_id", app.DemoClientID)
				return call(t, e.issuer, http.MethodPost, "/oauth/par", form, map[string]string{"Authorization": basicAuth(app.DemoClientID, secret)})
			}
			if a := confidential("wrong"); a.status != http.StatusUnauthorized || a.str("error") != "invalid_client" {
				t.Fatalf("wrong secret: %d %v", a.status, a.body)
			}
			noSecret := spaAuthParams(randomString(), newPKCE())
			noSecret.Set("client_id", app.DemoClientID)
			if a := call(t, e.issuer, http.MethodPost, "/oauth/par", noSecret, nil); a.status != http.StatusUnauthorized {
				t.Fatalf("confidential client without a secret: %d %v", a.status, a.body)
			}
			if a := confidential(app.DemoClientSecret); a.status != http.StatusCreated {
				t.Fatalf("right secret: %d %v", a.status, a.body)
			}
			bad := spaAuthParams(randomString(), newPKCE())
			bad.Set("redirect_uri", "https://evil.example/cb")
			if a := call(t, e.issuer, http.MethodPost, "/oauth/par", bad, nil); a.status != http.StatusBadRequest || a.str("error") != "invalid_request" {
				t.Fatalf("unregistered redirect_uri: %d %v", a.status, a.body)
			}
			noPKCE := spaAuthParams(randomString(), newPKCE())
			noPKCE.Del("code_challenge")
			if a := call(t, e.issuer, http.MethodPost, "/oauth/par", noPKCE, nil); a.status != http.StatusBadRequest {
				t.Fatalf("public client without PKCE: %d %v", a.status, a.body)
			}

			push := func() string {
				a := call(t, e.issuer, http.MethodPost, "/oauth/par", spaAuthParams(randomString(), newPKCE()), nil)
				if a.status != http.StatusCreated {
					t.Fatalf("push: %d %v", a.status, a.body)
				}
				return a.str("request_uri")
			}
			authz := func(clientID, uri string) page {
				return e.browser().get(e.issuer + "/authorize?" + url.Values{"client_id": {clientID}, "request_uri": {uri}}.Encode())
			}
			uri := push()
			if p := authz(app.DemoClientID, uri); p.status != http.StatusBadRequest || !strings.Contains(p.body, "invalid_request_uri") {
				t.Fatalf("another client's request_uri: %d", p.status)
			}
			if p := authz(app.DemoSPAID, uri); p.testid("login-form").Length() == 0 {
				t.Fatalf("own request_uri after another client tried it: %d %s", p.status, p.body)
			}
			late := push()
			e.clock.Advance(61 * time.Second)
			if p := authz(app.DemoSPAID, late); p.status != http.StatusBadRequest {
				t.Fatalf("expired request_uri: %d", p.status)
			}
			if p := authz(app.DemoSPAID, "urn:ietf:params:oauth:request_uri:unknown"); p.status != http.StatusBadRequest {
				t.Fatalf("unknown request_uri: %d", p.status)
			}

			strict := storage.Client{ID: "par-only-" + randomString(), Name: "PAR only", Public: true, AuthMethod: storage.AuthMethodNone,
				RedirectURIs: app.DemoRedirectURIs, GrantTypes: []string{"authorization_code"}, Scopes: []string{"openid"},
				CreatedAt: e.clock.Now(), RequirePushedAuthorizationRequests: true}
			if err := e.app.Stores.Durable.CreateClient(context.Background(), strict); err != nil {
				t.Fatal(err)
			}
			direct := spaAuthParams("s1", newPKCE())
			direct.Set("client_id", strict.ID)
			p := e.browser().get(e.issuer + "/authorize?" + direct.Encode())
			if p.location == nil || p.location.Query().Get("error") != "invalid_request" || !strings.Contains(p.location.Query().Get("error_description"), "PAR") {
				t.Fatalf("direct request of a PAR-only client: %d %v %s", p.status, p.location, p.body)
			}
			pushedStrict := call(t, e.issuer, http.MethodPost, "/oauth/par", direct, nil)
			if pushedStrict.status != http.StatusCreated {
				t.Fatalf("PAR-only client pushes: %d %v", pushedStrict.status, pushedStrict.body)
			}
			if p := authz(strict.ID, pushedStrict.str("request_uri")); p.testid("login-form").Length() == 0 {
				t.Fatalf("PAR-only client with its request_uri: %d %s", p.status, p.body)
			}
		})
	}
}

// TestDiscoveryDPoPPAR: discovery announces PAR (RFC 9126 §5) and DPoP
// (RFC 9449 §5.1).
func TestDiscoveryDPoPPAR(t *testing.T) {
	e := newEnv(t, memoryBackend)
	d := call(t, e.issuer, http.MethodGet, "/.well-known/openid-configuration", nil, nil)
	if got := d.str("pushed_authorization_request_endpoint"); got != e.issuer+"/oauth/par" {
		t.Errorf("pushed_authorization_request_endpoint = %q", got)
	}
	if v, ok := d.body["require_pushed_authorization_requests"].(bool); !ok || v {
		t.Errorf("require_pushed_authorization_requests = %v, want false", d.body["require_pushed_authorization_requests"])
	}
	algs, _ := d.body["dpop_signing_alg_values_supported"].([]any)
	var names []string
	for _, a := range algs {
		s, _ := a.(string)
		names = append(names, s)
	}
	if !slices.Contains(names, "ES256") || !slices.Contains(names, "RS256") || slices.Contains(names, "HS256") || slices.Contains(names, "none") {
		t.Errorf("dpop_signing_alg_values_supported = %v", names)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestAdminClientDPoPPARMetadata: the admin API registers and patches
// dpop_bound_access_tokens and require_pushed_authorization_requests (the
// OpenAPI document is enforced on every call), and the stored client
// carries them.
func TestAdminClientDPoPPARMetadata(t *testing.T) {
	e := newAdminEnv(t, postgresBackend)
	tid, tok := e.newTenantWithAdmin("dpop")
	tp := tenantPath(tid)
	c := e.must(http.StatusCreated, e.call(tok, http.MethodPost, tp+"/clients", map[string]any{
		"id": "dpop-spa", "public": true, "redirect_uris": []string{rpCallback},
		"dpop_bound_access_tokens": true, "require_pushed_authorization_requests": true}))
	created, _ := c.body["client"].(map[string]any)
	if created["dpop_bound_access_tokens"] != true || created["require_pushed_authorization_requests"] != true {
		t.Fatalf("created: %s", c.raw)
	}
	stored, err := e.app.Stores.Durable.GetClient(context.Background(), "dpop-spa")
	if err != nil || !stored.DPoPBoundAccessTokens || !stored.RequirePushedAuthorizationRequests {
		t.Fatalf("stored: %+v %v", stored, err)
	}
	up := e.must(http.StatusOK, e.call(tok, http.MethodPatch, tp+"/clients/dpop-spa", map[string]any{"require_pushed_authorization_requests": false}))
	if up.body["dpop_bound_access_tokens"] != true || up.body["require_pushed_authorization_requests"] != false {
		t.Fatalf("patched: %s", up.raw)
	}
	if got := e.must(http.StatusOK, e.call(tok, http.MethodGet, tp+"/clients/dpop-spa", nil)); got.body["require_pushed_authorization_requests"] != false {
		t.Fatalf("read back: %s", got.raw)
	}

	// The admin API takes Bearer tokens only: the platform client's
	// DPoP-bound token is refused there (RFC 9449 §7.2), its bearer token
	// accepted.
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"admit:admin"}}
	auth := basicAuth(e.platformClient[0], e.platformClient[1])
	key := newDPoPKey(t)
	nonce := serverNonce(t, e.env, key, form, auth)
	bound := call(t, e.issuer, http.MethodPost, "/oauth/token", form, map[string]string{"Authorization": auth,
		"DPoP": key.proof(t, e.env, http.MethodPost, "/oauth/token", nonce, "")})
	if bound.str("token_type") != "DPoP" {
		t.Fatalf("bound admin token: %d %v", bound.status, bound.body)
	}
	e.must(http.StatusUnauthorized, e.call(bound.str("access_token"), http.MethodGet, "/tenants", nil))
	e.must(http.StatusOK, e.call(e.platform, http.MethodGet, "/tenants", nil))
}

// BenchmarkClientCredentialsDPoP is BenchmarkClientCredentials with a
// fresh DPoP proof per request (with the server's nonce), so the figure
// includes proof verification and the replay-cache write; the client's
// ES256 signing of each proof runs in the loop too.
//
//	go test ./cmd/admit/app -run '^$' -bench 'ClientCredentials' -cpu 1 -benchtime 3s
func BenchmarkClientCredentialsDPoP(b *testing.B) {
	benchBackends(b, func(b *testing.B, e *env) {
		h := e.app.Handler()
		key := newDPoPKey(b)
		nonce := serverNonce(b, e, key, url.Values{"grant_type": {"client_credentials"}}, basicAuth(app.DemoClientID, app.DemoClientSecret))
		parallel(b, func(pb *testing.PB) {
			for pb.Next() {
				req := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader("grant_type=client_credentials"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(app.DemoClientID, app.DemoClientSecret)
				req.Header.Set("DPoP", key.proof(b, e, http.MethodPost, "/oauth/token", nonce, ""))
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"token_type":"DPoP"`) {
					b.Errorf("status %d: %s", rec.Code, rec.Body)
					return
				}
			}
		})
	})
}

// TestPARPrivateKeyJWT: a private_key_jwt client authenticates at the PAR
// endpoint with its assertion (RFC 9126 §2: as at the token endpoint); a
// secret is refused for it, and so is an assertion signed by another key.
func TestPARPrivateKeyJWT(t *testing.T) {
	e := newEnv(t, memoryBackend)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	spec := app.ClientSpec{ID: "pkjwt", RedirectURIs: []string{rpCallback}, Grants: []string{"authorization_code"}, Scopes: []string{"openid"}, AuthMethod: "private_key_jwt", JWKS: jwks}
	if _, err := e.app.AddClient(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	params := func(assertion string) url.Values {
		f := spaAuthParams(randomString(), newPKCE())
		f.Set("client_id", "pkjwt")
		f.Set("scope", "openid")
		if assertion != "" {
			f.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
			f.Set("client_assertion", assertion)
		}
		return f
	}
	ok := call(t, e.issuer, http.MethodPost, "/oauth/par", params(clientAssertion(t, e, key)), nil)
	if ok.status != http.StatusCreated || ok.str("request_uri") == "" {
		t.Fatalf("with its assertion: %d %v", ok.status, ok.body)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if a := call(t, e.issuer, http.MethodPost, "/oauth/par", params(clientAssertion(t, e, other)), nil); a.status != http.StatusUnauthorized || a.str("error") != "invalid_client" {
		t.Fatalf("assertion of another key: %d %v", a.status, a.body)
	}
	withSecret := params("")
	withSecret.Set("client_secret", "guess")
	if a := call(t, e.issuer, http.MethodPost, "/oauth/par", withSecret, nil); a.status != http.StatusUnauthorized {
		t.Fatalf("a secret for a private_key_jwt client: %d %v", a.status, a.body)
	}
	if a := call(t, e.issuer, http.MethodPost, "/oauth/par", params(""), nil); a.status != http.StatusUnauthorized {
		t.Fatalf("no authentication: %d %v", a.status, a.body)
	}
}

// TestDPoPPARCORS: a browser app (a registered origin) may send the DPoP
// header to the token, userinfo and PAR endpoints and read DPoP-Nonce
// from Admit's own DPoP refusals, which op's CORS never sees.
func TestDPoPPARCORS(t *testing.T) {
	e := newEnv(t, memoryBackend)
	const origin = "http://127.0.0.1:5555"
	for _, path := range []string{"/oauth/token", "/userinfo", "/oauth/par"} {
		req, _ := http.NewRequest(http.MethodOptions, e.issuer+path, nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", http.MethodPost)
		req.Header.Set("Access-Control-Request-Headers", "content-type,dpop") // sorted, as browsers send it
		resp := mustDo(t, req)
		if resp.StatusCode >= 300 || !strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), "dpop") {
			t.Errorf("preflight %s: %d, Allow-Headers %q", path, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Headers"))
		}
	}
	key := newDPoPKey(t)
	refusal := call(t, e.issuer, http.MethodPost, "/oauth/token", url.Values{"grant_type": {"client_credentials"}}, map[string]string{
		"Origin": origin, "Authorization": basicAuth(app.DemoClientID, app.DemoClientSecret), "DPoP": key.proof(t, e, http.MethodPost, "/oauth/token", "", "")})
	if refusal.str("error") != "use_dpop_nonce" || refusal.header.Get("Access-Control-Allow-Origin") != origin ||
		!strings.Contains(strings.ToLower(refusal.header.Get("Access-Control-Expose-Headers")), "dpop-nonce") {
		t.Fatalf("use_dpop_nonce from a browser app: %v %v", refusal.body, refusal.header)
	}
}

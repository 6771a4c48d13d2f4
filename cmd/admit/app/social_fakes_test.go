package app_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// startOptions vary startEnv.
type startOptions = envOptions

// startEnv is newEnvWith (kept for the social tests' call sites).
func startEnv(t testing.TB, b backend, o startOptions) *env {
	t.Helper()
	return newEnvWith(t, b, o)
}

// hostJar keeps cookies per host:port. Browsers share cookies across
// ports; two Admits on 127.0.0.1 would overwrite each other's, which two
// real sites on different hosts never do.
type hostJar struct {
	mu   sync.Mutex
	jars map[string]http.CookieJar
}

func (j *hostJar) jar(u *url.URL) http.CookieJar {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.jars == nil {
		j.jars = map[string]http.CookieJar{}
	}
	if j.jars[u.Host] == nil {
		j.jars[u.Host], _ = cookiejar.New(nil)
	}
	return j.jars[u.Host]
}

func (j *hostJar) SetCookies(u *url.URL, cs []*http.Cookie) { j.jar(u).SetCookies(u, cs) }
func (j *hostJar) Cookies(u *url.URL) []*http.Cookie        { return j.jar(u).Cookies(u) }

// appleKey is the team's signing key, written as Apple's .p8 file.
func appleKey(t *testing.T) (*ecdsa.PrivateKey, string) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	path := filepath.Join(t.TempDir(), "AuthKey_KEY1.p8")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return k, path
}

// appleTokenEndpoint makes an Admit answer like Apple's token endpoint: the
// client secret must be an ES256 JWT from the team (iss), for the client
// (sub), to the issuer (aud), under the key id; it is then swapped for the
// upstream client's real secret.
func appleTokenEndpoint(pub *ecdsa.PublicKey, realSecret string, secretsSeen *atomic.Int32) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && r.URL.Path == "/oauth/token" {
				if err := r.ParseForm(); err != nil || !appleSecretValid(r.PostForm.Get("client_secret"), r.PostForm.Get("client_id"), pub, "http://"+r.Host) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusBadRequest)
					_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
					return
				}
				secretsSeen.Add(1)
				r.PostForm.Set("client_secret", realSecret)
				body := r.PostForm.Encode()
				r.Body, r.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
				r.Form = nil
				r.PostForm = nil
			}
			next.ServeHTTP(w, r)
		})
	}
}

func appleSecretValid(secret, clientID string, pub *ecdsa.PublicKey, issuer string) bool {
	tok, err := jwt.ParseSigned(secret, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil || len(tok.Headers) != 1 || tok.Headers[0].KeyID != "KEY1" {
		return false
	}
	var c jwt.Claims
	if err := tok.Claims(pub, &c); err != nil {
		return false
	}
	return c.ValidateWithLeeway(jwt.Expected{Issuer: "TEAM123456", Subject: clientID, AnyAudience: jwt.Audience{issuer}, Time: time.Now()}, 0) == nil
}

// fakeGitHub speaks the parts of GitHub's OAuth and REST API Admit uses.
type fakeGitHub struct {
	t   *testing.T
	srv *httptest.Server

	mu     sync.Mutex
	codes  map[string]string // code → PKCE challenge
	userID int64
	name   string
	emails []map[string]any
	deny   bool // answer the authorization with access_denied
	down   bool // token endpoint and API answer 503
}

const (
	ghClientID, ghSecret, ghToken = "gh-client", "gh-secret", "gho_test_token"
)

func newFakeGitHub(t *testing.T) *fakeGitHub {
	g := &fakeGitHub{t: t, codes: map[string]string{}, userID: 4242, name: "Octo Cat"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login/oauth/authorize", g.authorize)
	mux.HandleFunc("POST /login/oauth/access_token", g.token)
	mux.HandleFunc("GET /user", g.api(func() any { return map[string]any{"id": g.userID, "login": "octocat", "name": g.name} }))
	mux.HandleFunc("GET /user/emails", g.api(func() any { return g.emails }))
	g.srv = httptest.NewServer(mux)
	t.Cleanup(g.srv.Close)
	return g
}

func (g *fakeGitHub) set(f func(g *fakeGitHub)) { g.mu.Lock(); defer g.mu.Unlock(); f(g) }

func (g *fakeGitHub) authorize(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	q := r.URL.Query()
	back, _ := url.Parse(q.Get("redirect_uri"))
	v := url.Values{"state": {q.Get("state")}}
	switch {
	case q.Get("client_id") != ghClientID || q.Get("code_challenge_method") != "S256":
		v.Set("error", "invalid_request")
	case g.deny:
		v.Set("error", "access_denied")
	default:
		code := strconv.FormatInt(time.Now().UnixNano(), 36)
		g.codes[code] = q.Get("code_challenge")
		v.Set("code", code)
	}
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (g *fakeGitHub) token(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if g.down {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	challenge, ok := g.codes[r.PostFormValue("code")]
	delete(g.codes, r.PostFormValue("code"))
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	if !ok || r.PostFormValue("client_secret") != ghSecret || base64.RawURLEncoding.EncodeToString(sum[:]) != challenge {
		_, _ = w.Write([]byte(`{"error":"bad_verification_code"}`)) // GitHub answers errors with 200
		return
	}
	_, _ = w.Write([]byte(`{"access_token":"` + ghToken + `","token_type":"bearer","scope":"read:user,user:email"}`))
}

func (g *fakeGitHub) api(body func() any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		defer g.mu.Unlock()
		switch {
		case g.down:
			w.WriteHeader(http.StatusServiceUnavailable)
		case r.Header.Get("Authorization") != "Bearer "+ghToken:
			w.WriteHeader(http.StatusUnauthorized)
		default:
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(body())
		}
	}
}

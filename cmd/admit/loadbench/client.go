package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// client is the benchmark's view of one Admit: a shared transport, the
// client credentials, and the tokens the token-using scenarios present.
type client struct {
	issuer, secret string
	transport      *http.Transport
	timeout        time.Duration

	mu      sync.Mutex
	access  string   // a user's access token (userinfo, introspection)
	refresh []string // refresh tokens, one per concurrent refresher
}

func newClient(issuer string, timeout time.Duration) *client {
	return &client{issuer: issuer, timeout: timeout, transport: &http.Transport{MaxIdleConnsPerHost: 1024, MaxConnsPerHost: 0, IdleConnTimeout: time.Minute}}
}

// errShed is a login refused with 503 past the queue bound.
var errShed = errors.New("shed: 503")

// loginStats describes how one login went.
type loginStats struct {
	queued bool // shown the busy page at least once
}

// browser is a fresh user agent (its own cookies) that stops at the
// client's redirect URI.
func (c *client) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Transport: c.transport, Jar: jar, Timeout: c.timeout, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirectURI) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

var (
	hiddenRe  = regexp.MustCompile(`<input[^>]*name="(flow|csrf_token)"[^>]*value="([^"]*)"`)
	hiddenRe2 = regexp.MustCompile(`<input[^>]*value="([^"]*)"[^>]*name="(flow|csrf_token)"`)
	refreshRe = regexp.MustCompile(`<meta http-equiv="refresh" content="0;url=([^"]+)"`)
)

func hiddenFields(body string) url.Values {
	v := url.Values{}
	for _, m := range hiddenRe.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], htmlUnescape(m[2]))
	}
	for _, m := range hiddenRe2.FindAllStringSubmatch(body, -1) {
		v.Set(m[2], htmlUnescape(m[1]))
	}
	return v
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">", "&quot;", `"`).Replace(s)
}

// read returns a response's body, closed.
func read(resp *http.Response) string {
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// login runs one full browser login and returns the tokens.
func (c *client) login(scope string) (tokenResponse, loginStats, error) {
	var st loginStats
	b := c.browser()
	verifier := randomHex(32)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"client_id": {clientID}, "response_type": {"code"}, "scope": {scope}, "redirect_uri": {redirectURI},
		"state": {randomHex(8)}, "nonce": {randomHex(8)}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	resp, err := b.Get(c.issuer + "/authorize?" + q.Encode())
	if err != nil {
		return tokenResponse{}, st, err
	}
	body := read(resp)
	if resp.StatusCode != http.StatusOK {
		return tokenResponse{}, st, fmt.Errorf("login page: %d", resp.StatusCode)
	}
	form := hiddenFields(body)
	if form.Get("flow") == "" {
		return tokenResponse{}, st, errors.New("login page without a flow")
	}
	form.Set("email", userEmail)
	form.Set("password", userPass)
	resp, err = b.PostForm(c.issuer+"/login/password", form)
	if err != nil {
		return tokenResponse{}, st, err
	}
	for range 1000 {
		// The busy page (202 + Refresh): wait as the browser would, then
		// come back.
		if resp.StatusCode == http.StatusAccepted && resp.Header.Get("Refresh") != "" {
			st.queued = true
			read(resp)
			delay, target, _ := strings.Cut(resp.Header.Get("Refresh"), "; url=")
			secs, _ := strconv.Atoi(delay)
			time.Sleep(time.Duration(secs) * time.Second)
			if resp, err = b.Get(c.issuer + target); err != nil {
				return tokenResponse{}, st, err
			}
			continue
		}
		break
	}
	if resp.StatusCode == http.StatusServiceUnavailable {
		read(resp)
		return tokenResponse{}, st, errShed
	}
	body = read(resp)
	if strings.Contains(body, `name="decision"`) {
		form = hiddenFields(body)
		form.Set("decision", "allow")
		if resp, err = b.PostForm(c.issuer+"/login/consent", form); err != nil {
			return tokenResponse{}, st, err
		}
		body = read(resp)
	}
	var target string
	if loc := resp.Header.Get("Location"); strings.HasPrefix(loc, redirectURI) {
		target = loc
	} else if m := refreshRe.FindStringSubmatch(body); m != nil {
		target = htmlUnescape(m[1])
	}
	cb, err := url.Parse(target)
	if err != nil || cb.Query().Get("code") == "" {
		return tokenResponse{}, st, fmt.Errorf("no code after the password (status %d)", resp.StatusCode)
	}
	tok, err := c.token(url.Values{"grant_type": {"authorization_code"}, "code": {cb.Query().Get("code")},
		"redirect_uri": {redirectURI}, "code_verifier": {verifier}})
	return tok, st, err
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

// token calls the token endpoint with client_secret_basic.
func (c *client) token(form url.Values) (tokenResponse, error) {
	var tr tokenResponse
	req, _ := http.NewRequest(http.MethodPost, c.issuer+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(c.secret))
	resp, err := (&http.Client{Transport: c.transport, Timeout: c.timeout}).Do(req)
	if err != nil {
		return tr, err
	}
	body := read(resp)
	if resp.StatusCode != http.StatusOK {
		return tr, fmt.Errorf("token %s: %d %.200s", form.Get("grant_type"), resp.StatusCode, body)
	}
	err = json.Unmarshal([]byte(body), &tr)
	return tr, err
}

// simple sends one request and wants 200.
func (c *client) simple(method, path string, form url.Values, bearer string, basic bool) error {
	var rd io.Reader
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.issuer+path, rd)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if basic {
		req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(c.secret))
	}
	resp, err := (&http.Client{Transport: c.transport, Timeout: c.timeout}).Do(req)
	if err != nil {
		return err
	}
	body := read(resp)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %d %.200s", method, path, resp.StatusCode, body)
	}
	if path == "/oauth/introspect" && !strings.Contains(body, `"active":true`) {
		return fmt.Errorf("introspection: %.200s", body)
	}
	return nil
}

// warmUp logs in once (the user's tokens for userinfo, introspection and
// refresh) and checks the other endpoints answer.
func (c *client) warmUp() error {
	tok, _, err := c.login("openid profile email offline_access")
	if err != nil {
		return err
	}
	if tok.RefreshToken == "" {
		return errors.New("no refresh token")
	}
	c.access = tok.AccessToken
	c.refresh = []string{tok.RefreshToken}
	return nil
}

// refreshToken returns a refresh token for refresher i, logging in for one
// the first time.
func (c *client) refreshToken(i int) (string, error) {
	c.mu.Lock()
	for len(c.refresh) <= i {
		c.refresh = append(c.refresh, "")
	}
	rt := c.refresh[i]
	c.mu.Unlock()
	if rt != "" {
		return rt, nil
	}
	tok, _, err := c.login("openid offline_access")
	if err != nil {
		return "", err
	}
	return tok.RefreshToken, nil
}

func (c *client) setRefreshToken(i int, rt string) {
	c.mu.Lock()
	c.refresh[i] = rt
	c.mu.Unlock()
}

// scenario is one operation, run by worker i.
type scenario func(c *client, worker int) error

var allScenarios = []string{"discovery", "jwks", "login", "client_credentials", "refresh", "userinfo", "introspection"}

var scenarios = map[string]scenario{
	"discovery": func(c *client, _ int) error {
		return c.simple(http.MethodGet, "/.well-known/openid-configuration", nil, "", false)
	},
	"jwks": func(c *client, _ int) error { return c.simple(http.MethodGet, "/keys", nil, "", false) },
	"login": func(c *client, _ int) error {
		_, _, err := c.login("openid profile email")
		return err
	},
	"client_credentials": func(c *client, _ int) error {
		_, err := c.token(url.Values{"grant_type": {"client_credentials"}})
		return err
	},
	"refresh": func(c *client, i int) error {
		rt, err := c.refreshToken(i)
		if err != nil {
			return err
		}
		tok, err := c.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
		if err != nil {
			c.setRefreshToken(i, "")
			return err
		}
		c.setRefreshToken(i, tok.RefreshToken)
		return nil
	},
	"userinfo": func(c *client, _ int) error { return c.simple(http.MethodGet, "/userinfo", nil, c.access, false) },
	"introspection": func(c *client, _ int) error {
		return c.simple(http.MethodPost, "/oauth/introspect", url.Values{"token": {c.access}}, "", true)
	},
}

package app_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/gagliardetto/solana-go"
	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/login/wallet"
)

// testWallet signs like a browser wallet: personal_sign for Ethereum,
// signMessage (base64 here, as static/wallet.js sends it) for Solana.
type testWallet struct {
	chain   string // "ethereum" or "solana"
	address string // as the wallet reports it (lower case for Ethereum)
	sign    func(text string) string
}

func ethWallet(t testing.TB) (testWallet, string) {
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	addr := crypto.PubkeyToAddress(key.PublicKey).Hex()
	return testWallet{chain: "ethereum", address: strings.ToLower(addr), sign: func(text string) string {
		return personalSign(t, key, text)
	}}, addr
}

func personalSign(t testing.TB, key *ecdsa.PrivateKey, text string) string {
	h := crypto.Keccak256([]byte("\x19Ethereum Signed Message:\n"+strconv.Itoa(len(text))), []byte(text))
	sig, err := crypto.Sign(h, key)
	if err != nil {
		t.Fatal(err)
	}
	sig[64] += 27 // as MetaMask returns it
	return hexutil.Encode(sig)
}

func solWallet(t *testing.T) testWallet {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return testWallet{chain: "solana", address: solana.PublicKeyFromBytes(pub).String(), sign: func(text string) string {
		return base64.StdEncoding.EncodeToString(ed25519.Sign(priv, []byte(text)))
	}}
}

// nonceFields is the nonce endpoint's answer.
type nonceFields struct {
	Address, Domain, URI, Version, Statement, ChainID, Nonce, IssuedAt, ExpirationTime, Error string
}

// walletMessage builds the text the way static/wallet.js does, independently
// of the server's own renderer.
func walletMessage(chain string, f nonceFields) string {
	word := map[string]string{"ethereum": "Ethereum", "solana": "Solana"}[chain]
	return strings.Join([]string{
		f.Domain + " wants you to sign in with your " + word + " account:", f.Address, "", f.Statement, "",
		"URI: " + f.URI, "Version: " + f.Version, "Chain ID: " + f.ChainID, "Nonce: " + f.Nonce,
		"Issued At: " + f.IssuedAt, "Expiration Time: " + f.ExpirationTime,
	}, "\n")
}

// walletBox reads the script's inputs from the page's data-* attributes.
func walletBox(t testing.TB, p page) (flow, csrf, nonceURL, verifyURL string) {
	t.Helper()
	box := p.doc.Find("[data-wallet]")
	if box.Length() != 1 {
		t.Fatalf("no wallet box on %s (status %d): %s", p.url, p.status, p.body)
	}
	flow, _ = box.Attr("data-flow")
	csrf, _ = box.Attr("data-csrf")
	nonceURL, _ = box.Attr("data-nonce-url")
	verifyURL, _ = box.Attr("data-verify-url")
	return flow, csrf, nonceURL, verifyURL
}

func (b *browser) walletNonce(p page, w testWallet) (nonceFields, int) {
	b.t.Helper()
	flow, csrf, nonceURL, _ := walletBox(b.t, p)
	res := b.post(nonceURL, url.Values{"flow": {flow}, "csrf_token": {csrf}, "chain": {w.chain}, "address": {w.address}, "chain_id": {"0x1"}})
	var f nonceFields
	if err := json.Unmarshal([]byte(res.body), &f); err != nil {
		b.t.Fatalf("nonce: status %d, not JSON: %s", res.status, res.body)
	}
	return f, res.status
}

// walletSignIn runs the script's steps on page p: nonce, sign, post.
func (b *browser) walletSignIn(p page, w testWallet) page {
	b.t.Helper()
	f, status := b.walletNonce(p, w)
	if status != http.StatusOK {
		b.t.Fatalf("nonce: status %d: %+v", status, f)
	}
	text := walletMessage(w.chain, f)
	return b.walletPost(p, text, w.sign(text))
}

func (b *browser) walletPost(p page, text, sig string) page {
	flow, csrf, _, verifyURL := walletBox(b.t, p)
	return b.post(verifyURL, url.Values{"flow": {flow}, "csrf_token": {csrf}, "message": {text}, "signature": {sig}})
}

type walletClaims struct {
	AMR     []string `json:"amr"`
	Wallets []string `json:"wallets"`
	Email   string   `json:"email"`
}

func (r *rp) walletToken(p page, ar authRequest) (*oauth2.Token, *oidc.IDToken, walletClaims) {
	t := r.e.t
	t.Helper()
	cb := r.e.browserCallback(t, p, ar)
	tok, err := r.exchange(cb.Query().Get("code"), ar)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	idt, err := r.verifier.Verify(context.Background(), tok.Extra("id_token").(string))
	if err != nil {
		t.Fatalf("id token: %v", err)
	}
	var c walletClaims
	if err := idt.Claims(&c); err != nil {
		t.Fatal(err)
	}
	return tok, idt, c
}

func (e *env) browserCallback(t testing.TB, p page, ar authRequest) *url.URL {
	t.Helper()
	if p.location == nil || p.location.Host != "127.0.0.1:5555" || p.location.Query().Get("state") != ar.state {
		t.Fatalf("expected a redirect to the RP, got status %d at %s: %s", p.status, p.url, p.body)
	}
	return p.location
}

// TestWalletSignUpSignIn: an unknown Ethereum wallet creates an account;
// after logout the same wallet signs in to it; the id token and userinfo
// carry the wallet as a CAIP-10 id and amr [swk siwe].
func TestWalletSignUpSignIn(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnv(t, b)
			r := e.rp(app.DemoClientID, app.DemoClientSecret, oidc.ScopeOpenID, "email", app.ScopeWallet)
			w, checksum := ethWallet(t)
			br := e.browser()

			ar := r.start()
			login := br.get(ar.url)
			if login.testid("wallet-ethereum").Length() != 1 || login.testid("wallet-solana").Length() != 1 {
				t.Fatalf("login page lacks the wallet buttons: %s", login.body)
			}
			f, _ := br.walletNonce(login, w)
			if f.Address != checksum || f.ChainID != "1" || f.Domain != strings.TrimPrefix(e.issuer, "http://") || len(f.Nonce) != 64 {
				t.Fatalf("nonce fields = %+v", f)
			}
			p := br.consent(br.walletSignIn(login, w), "allow")
			tok, idt, c := r.walletToken(p, ar)
			want := []string{"eip155:1:" + checksum}
			if !slices.Equal(c.Wallets, want) || !slices.Equal(c.AMR, []string{"swk", "siwe"}) || c.Email != "" {
				t.Fatalf("id token claims = %+v, want wallets %v, amr [swk siwe], no e-mail", c, want)
			}
			ui, err := r.provider.UserInfo(context.Background(), oauth2.StaticTokenSource(tok))
			if err != nil {
				t.Fatalf("userinfo: %v", err)
			}
			var uc walletClaims
			_ = ui.Claims(&uc)
			if !slices.Equal(uc.Wallets, want) {
				t.Fatalf("userinfo wallets = %v, want %v", uc.Wallets, want)
			}

			br.logout(e)
			ar = r.start()
			p = br.consent(br.walletSignIn(br.get(ar.url), w), "allow")
			_, idt2, _ := r.walletToken(p, ar)
			if idt2.Subject != idt.Subject {
				t.Fatalf("second sign-in subject %s, want %s", idt2.Subject, idt.Subject)
			}
		})
	}
}

func (b *browser) logout(e *env) {
	b.t.Helper()
	acct := b.get(e.issuer + "/account")
	if p := b.post("/account/logout", url.Values{"csrf_token": {acct.hidden("csrf_token")}}); p.status != http.StatusOK {
		b.t.Fatalf("logout: status %d", p.status)
	}
	if p := b.get(e.issuer + "/account"); p.testid("login-form").Length() == 0 {
		b.t.Fatal("still signed in after logout")
	}
}

// TestWalletRefusals: a replayed proof, another flow's nonce, a wrong
// signer and a message for another site each end on the login page with a
// clear message, and sign in nobody.
func TestWalletRefusals(t *testing.T) {
	e := newEnv(t, memoryBackend)
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	w, _ := ethWallet(t)
	other, _ := ethWallet(t)
	br := e.browser()

	first := br.get(r.start().url)
	f, _ := br.walletNonce(first, w)
	text := walletMessage(w.chain, f)
	sig := w.sign(text)

	second := br.get(r.start().url)
	refused := func(name string, p page, want string) {
		t.Helper()
		if p.status != http.StatusUnauthorized || !strings.Contains(p.testid("error").Text(), want) {
			t.Fatalf("%s: status %d, error %q, want 401 with %q", name, p.status, p.testid("error").Text(), want)
		}
	}
	refused("another flow's nonce", br.walletPost(second, text, sig), "expired or was already used")
	refused("reused nonce", br.walletPost(first, text, sig), "expired or was already used")

	f, _ = br.walletNonce(second, w)
	text = walletMessage(w.chain, f)
	refused("wrong signer", br.walletPost(second, text, other.sign(text)), "could not be verified")

	f, _ = br.walletNonce(second, w)
	f.Domain = "evil.example.com"
	text = walletMessage(w.chain, f)
	refused("wrong domain", br.walletPost(second, text, w.sign(text)), "another site")

	f, _ = br.walletNonce(second, w)
	text = walletMessage(w.chain, f)
	refused("malformed signature", br.walletPost(second, text, "0xdeadbeef"), "could not be verified")
}

// TestWalletNonceRateLimit: ten nonces a minute per IP, then 429 until the
// next window.
func TestWalletNonceRateLimit(t *testing.T) {
	e := newEnv(t, memoryBackend)
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	w := solWallet(t)
	br := e.browser()
	login := br.get(r.start().url)
	e.clock.Advance(e.clock.Now().Truncate(60e9).Add(60e9).Sub(e.clock.Now()))
	for i := range 10 {
		if _, status := br.walletNonce(login, w); status != http.StatusOK {
			t.Fatalf("nonce %d: status %d", i+1, status)
		}
	}
	if f, status := br.walletNonce(login, w); status != http.StatusTooManyRequests || f.Error == "" {
		t.Fatalf("11th nonce: status %d %+v, want 429 with a message", status, f)
	}
	e.clock.Advance(60e9)
	if _, status := br.walletNonce(login, w); status != http.StatusOK {
		t.Fatalf("next window: status %d", status)
	}
}

// TestWalletLinkUnlink: a wallet-only account links a Solana wallet (proved
// by a signature), cannot unlink its last wallet, can unlink one of two,
// and a wallet linked elsewhere is refused.
func TestWalletLinkUnlink(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnv(t, b)
			eth, _ := ethWallet(t)
			sol := solWallet(t)
			br := e.browser()
			p := br.walletSignIn(br.get(e.issuer+"/account"), eth)
			if p.url.Path == "/account" { // signed up: the wallets are on the sign-in methods page
				p = br.get(e.issuer + "/account/sign-in")
			}
			if p.url.Path != "/account/sign-in" || p.testid("wallet-row").Length() != 1 {
				t.Fatalf("after wallet sign-up: %s status %d: %s", p.url, p.status, p.body)
			}
			if p.testid("wallet-unlink").Length() != 0 || p.testid("wallet-last").Length() != 1 {
				t.Fatal("the only way to sign in can be unlinked")
			}
			acct := p
			if p := br.post("/account/wallets/unlink", url.Values{"csrf_token": {acct.hidden("csrf_token")}, "namespace": {"eip155"}, "address": {acct.testid("wallet-address").First().Text()}}); !strings.Contains(p.testid("notice").Text(), "only way to sign in") {
				t.Fatalf("unlink last wallet: %s", p.testid("notice").Text())
			}
			p = br.walletSignIn(acct, sol)
			if !strings.Contains(p.testid("notice").Text(), "Solana wallet linked") || p.testid("wallet-row").Length() != 2 {
				t.Fatalf("link: notice %q, %d rows", p.testid("notice").Text(), p.testid("wallet-row").Length())
			}
			p = br.post("/account/wallets/unlink", url.Values{"csrf_token": {p.hidden("csrf_token")}, "namespace": {"solana"}, "address": {sol.address}})
			if !strings.Contains(p.testid("notice").Text(), "Wallet unlinked") || p.testid("wallet-row").Length() != 1 {
				t.Fatalf("unlink: notice %q, %d rows", p.testid("notice").Text(), p.testid("wallet-row").Length())
			}
			// Another account cannot take the Ethereum wallet.
			other := e.browser()
			other.submitLogin(other.get(e.issuer+"/account"), app.DemoUserEmail, app.DemoUserPassword)
			p = other.walletSignIn(other.get(e.issuer+"/account/sign-in"), eth)
			if !strings.Contains(p.testid("notice").Text(), "already linked") {
				t.Fatalf("linking a taken wallet: notice %q", p.testid("notice").Text())
			}
		})
	}
}

// TestWalletSignUpDisabled: with wallet_signup off, an unknown wallet gets a
// clear message and no account is created; a linked wallet still signs in.
func TestWalletSignUpDisabled(t *testing.T) {
	e := newEnv(t, memoryBackend)
	for _, m := range e.app.Engine.Methods {
		if wm, ok := m.(*wallet.Method); ok {
			wm.SignUp = false
		}
	}
	w, checksum := ethWallet(t)
	br := e.browser()
	p := br.walletSignIn(br.get(e.issuer+"/account"), w)
	if p.status != http.StatusUnauthorized || !strings.Contains(p.testid("error").Text(), "not linked to any account") {
		t.Fatalf("unknown wallet: status %d, error %q", p.status, p.testid("error").Text())
	}
	if _, err := e.app.Stores.Durable.GetWallet(context.Background(), "eip155", checksum); err == nil {
		t.Fatal("a wallet was stored although sign-up is off")
	}
	// Linked by the demo user, the same wallet signs in to the demo account.
	br.submitLogin(br.get(e.issuer+"/account"), app.DemoUserEmail, app.DemoUserPassword)
	br.walletSignIn(br.get(e.issuer+"/account/sign-in"), w)
	br.logout(e)
	p = br.walletSignIn(br.get(e.issuer+"/account"), w)
	if p.url.Path != "/account" || !strings.Contains(p.testid("account-user").Text(), app.DemoUserEmail) {
		t.Fatalf("linked wallet sign-in: %s status %d", p.url, p.status)
	}
}

// TestWalletSolanaSignIn: a Solana wallet signs up through an RP; the id
// token says so with amr [swk siws] and the wallet's CAIP-10 id.
func TestWalletSolanaSignIn(t *testing.T) {
	e := newEnv(t, postgresBackend)
	r := e.rp(app.DemoClientID, app.DemoClientSecret, oidc.ScopeOpenID, app.ScopeWallet)
	w := solWallet(t)
	br := e.browser()
	ar := r.start()
	p := br.consent(br.walletSignIn(br.get(ar.url), w), "allow")
	_, _, c := r.walletToken(p, ar)
	want := []string{"solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:" + w.address}
	if !slices.Equal(c.Wallets, want) || !slices.Equal(c.AMR, []string{"swk", "siws"}) {
		t.Fatalf("id token claims = %+v, want wallets %v and amr [swk siws]", c, want)
	}
	// Without the wallet scope there is no wallets claim.
	r = e.rp(app.DemoClientID, app.DemoClientSecret, oidc.ScopeOpenID)
	ar = r.start()
	p = br.consent(br.get(ar.url), "allow")
	if _, _, c := r.walletToken(p, ar); c.Wallets != nil {
		t.Fatalf("wallets without the scope: %v", c.Wallets)
	}
}

package social

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/storage"
)

func TestAppleClientSecret(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cfg := ProviderConfig{ClientID: "com.example.web", TeamID: "TEAM", KeyID: "KID", Issuer: AppleIssuer}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s, err := appleClientSecret(cfg, key, now)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.ParseSigned(s, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil || tok.Headers[0].KeyID != "KID" {
		t.Fatalf("parse: %v %+v", err, tok)
	}
	var c jwt.Claims
	if err := tok.Claims(&key.PublicKey, &c); err != nil {
		t.Fatal(err)
	}
	want := jwt.Expected{Issuer: "TEAM", Subject: "com.example.web", AnyAudience: jwt.Audience{AppleIssuer}, Time: now.Add(time.Minute)}
	if err := c.Validate(want); err != nil {
		t.Fatalf("claims %+v: %v", c, err)
	}
	if exp := c.Expiry.Time(); !exp.Equal(now.Add(appleSecretLifetime)) {
		t.Fatalf("exp %v", exp)
	}
}

func TestAppleNameOnlyFromPostedUser(t *testing.T) {
	for _, tc := range []struct {
		name, user, given string
		prof              Profile
	}{
		{"first login", `{"name":{"firstName":"Ann","lastName":"Apple"},"email":"x@y"}`, "Ann", Profile{Email: "real@example.com"}},
		{"later logins", "", "", Profile{}},
		{"garbage", `{`, "", Profile{}},
		{"id token names win", `{"name":{"firstName":"Ann"}}`, "Zed", Profile{GivenName: "Zed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := withAppleName(tc.prof, tc.user)
			if got.GivenName != tc.given || got.Email != tc.prof.Email {
				t.Fatalf("got %+v", got)
			}
		})
	}
}

func TestEmailVerifiedShapes(t *testing.T) {
	for raw, want := range map[string]bool{`true`: true, `"true"`: true, `false`: false, `"false"`: false, ``: false} {
		if got := (idClaims{EmailVerified: json.RawMessage(raw)}).verified(); got != want {
			t.Errorf("email_verified %s: %v, want %v", raw, got, want)
		}
	}
}

func TestClassify(t *testing.T) {
	opErr := &net.OpError{Op: "dial", Err: errors.New("refused")}
	for _, tc := range []struct {
		name string
		err  error
		want bool // errUnavailable
	}{
		{"network", fmt.Errorf("x: %w", opErr), true},
		{"timeout", context.DeadlineExceeded, true},
		{"5xx", &oauth2.RetrieveError{Response: &httpResponse503}, true},
		{"invalid_grant", &oauth2.RetrieveError{Response: &httpResponse400, ErrorCode: "invalid_grant"}, false},
		{"rejected", fmt.Errorf("%w: nonce", errRejected), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := errors.Is(classify(tc.err), errUnavailable); got != tc.want {
				t.Fatalf("unavailable = %v, want %v", got, tc.want)
			}
		})
	}
}

// stubUpstream fails with err.
type stubUpstream struct{ err error }

func (s stubUpstream) authURL(context.Context, secrets) (string, error) { return "", s.err }
func (s stubUpstream) exchange(context.Context, callback, secrets) (Profile, error) {
	return Profile{}, s.err
}

func TestBreakerOpensOnProviderFailuresOnly(t *testing.T) {
	rejected := newGuarded("x", stubUpstream{fmt.Errorf("%w: bad token", errRejected)}, nil)
	for range 10 {
		_, _ = rejected.exchange(t.Context(), callback{}, secrets{})
	}
	if rejected.open() {
		t.Fatal("rejected responses opened the breaker")
	}
	down := newGuarded("y", stubUpstream{&net.OpError{Op: "dial", Err: errors.New("refused")}}, nil)
	for i := range breakerMinRequests {
		if down.open() {
			t.Fatalf("open after %d failures", i)
		}
		_, _ = down.exchange(t.Context(), callback{}, secrets{})
	}
	if !down.open() {
		t.Fatal("breaker still closed after repeated failures")
	}
	if _, err := down.authURL(t.Context(), secrets{}); !errors.Is(err, errUnavailable) {
		t.Fatalf("call while open: %v", err)
	}
}

func TestValidateAndSecretsNeverPrinted(t *testing.T) {
	p := ProviderConfig{ID: "gh", Kind: KindGitHub, ClientID: "x", ClientSecret: "s3cret"}
	if err := Validate([]ProviderConfig{p, p}); err == nil || !strings.Contains(err.Error(), "duplicate id") {
		t.Fatalf("duplicate ids: %v", err)
	}
	for _, s := range []string{fmt.Sprint(p), fmt.Sprintf("%v", p), p.LogValue().String()} {
		if strings.Contains(s, "s3cret") {
			t.Fatalf("secret printed: %s", s)
		}
	}
	g := ProviderConfig{ID: "g1", Kind: KindGoogle, ClientID: "x", ClientSecret: "s", NativeClientIDs: []string{"ios"}}
	g2 := g
	g2.ID = "g2"
	if err := Validate([]ProviderConfig{g, g2}); err == nil || !strings.Contains(err.Error(), "native_client_ids") {
		t.Fatalf("two native providers for one issuer: %v", err)
	}
	if err := Validate([]ProviderConfig{{ID: "gh", Kind: KindGitHub, ClientID: "x", ClientSecret: "s", NativeClientIDs: []string{"a"}}}); err == nil {
		t.Fatal("native_client_ids accepted for GitHub")
	}
	if EnvName("corp-sso") != "CORP_SSO" {
		t.Fatal(EnvName("corp-sso"))
	}
}

func TestIDPFromAMR(t *testing.T) {
	if IDP([]string{"pwd", "ext", "idp:github"}) != "github" || IDP([]string{"pwd"}) != "" {
		t.Fatal("IDP")
	}
	if c := ExtraClaims(t.Context(), []string{"ext", "idp:apple"}); c["idp"] != "apple" {
		t.Fatalf("claims %v", c)
	}
	if c := ExtraClaims(t.Context(), []string{"pwd"}); c != nil {
		t.Fatalf("claims for a password login: %v", c)
	}
}

func TestCanUnlink(t *testing.T) {
	one, two := []storage.Identity{{}}, []storage.Identity{{}, {}}
	for _, tc := range []struct {
		pw   string
		ids  []storage.Identity
		want bool
	}{{"", one, false}, {"", two, true}, {"$argon2id$...", one, true}} {
		if got := (&Method{}).canUnlink(t.Context(), storage.User{PasswordHash: tc.pw}, tc.ids); got != tc.want {
			t.Errorf("password %q, %d identities: %v", tc.pw, len(tc.ids), got)
		}
	}
}

func TestSplitName(t *testing.T) {
	for in, want := range map[string][2]string{"Octo Cat": {"Octo", "Cat"}, "Ada King Lovelace": {"Ada King", "Lovelace"}, "mono": {"mono", ""}, "": {"", ""}} {
		if g, f := splitName(in); g != want[0] || f != want[1] {
			t.Errorf("splitName(%q) = %q %q", in, g, f)
		}
	}
}

var (
	httpResponse503 = http.Response{StatusCode: http.StatusServiceUnavailable}
	httpResponse400 = http.Response{StatusCode: http.StatusBadRequest}
)

func TestUpstreamCallsAreBounded(t *testing.T) {
	if c := httpClient(nil); c.Timeout != 5*time.Second {
		t.Fatalf("upstream timeout %v, want the old service's 5 s", c.Timeout)
	}
	if BreakerOpenFor != 30*time.Second {
		t.Fatalf("breaker open for %v, want 30 s", BreakerOpenFor)
	}
}

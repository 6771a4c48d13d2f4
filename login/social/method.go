package social

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/password"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
)

// amr values (see doc.go).
const (
	// AMRExternal says an external identity provider authenticated the user.
	AMRExternal = "ext"
	// AMRProviderPrefix + provider id names which one; it carries the provider
	// through sessions and refresh tokens to the idp claim.
	AMRProviderPrefix = "idp:"
)

// methodName is reported to the engine's metrics and audit hooks.
const methodName = "social"

// Sealer encrypts the PKCE verifier kept in the flow (keys.Sealer).
type Sealer interface {
	Seal(plaintext, additionalData []byte) ([]byte, error)
	Open(sealed, additionalData []byte) ([]byte, error)
}

// Options configure New.
type Options struct {
	// Issuer is Admit's issuer URL; callbacks are <issuer>/login/social/<id>/callback.
	Issuer    string
	Providers []ProviderConfig
	// SignUp lets a first login through a provider create an account.
	SignUp bool
	// Transport, when set, carries upstream calls (tests); nil is the default.
	Transport http.RoundTripper
}

// Method is social login: one login-page button per configured provider.
type Method struct {
	Engine     *login.Engine
	Users      storage.Users
	Identities storage.Identities
	Flows      storage.LoginFlows
	Hasher     *password.Hasher
	Sealer     Sealer
	// OtherSignIn reports whether the user can sign in without linked
	// providers (password, passkeys, wallets): the app's one rule for
	// removing a sign-in method. Nil counts only the password.
	OtherSignIn func(ctx context.Context, u storage.User) (bool, error)
	Now         func() time.Time
	Logger      *slog.Logger

	signUp    bool
	providers []*provider
}

// provider is one configured upstream behind its circuit breaker.
type provider struct {
	cfg ProviderConfig
	up  *guarded
}

var _ login.Method = (*Method)(nil)

// New builds the method's providers. m carries the stores and engine.
func New(m Method, o Options) (*Method, error) {
	if err := Validate(o.Providers); err != nil {
		return nil, err
	}
	m.signUp = o.SignUp
	client := httpClient(o.Transport)
	for _, cfg := range o.Providers {
		up, err := newUpstream(cfg, strings.TrimSuffix(o.Issuer, "/")+"/login/social/"+cfg.ID+"/callback", client, m.Now)
		if err != nil {
			return nil, err
		}
		m.providers = append(m.providers, &provider{cfg: cfg, up: newGuarded(cfg.ID, up, m.breakerChanged)})
	}
	return &m, nil
}

func newUpstream(cfg ProviderConfig, redirect string, c *http.Client, now func() time.Time) (upstream, error) {
	switch cfg.Kind {
	case KindGoogle:
		return newGoogle(cfg, redirect, c), nil
	case KindApple:
		return newApple(cfg, redirect, c, now)
	case KindGitHub:
		return newGitHub(cfg, redirect, c), nil
	}
	return newOIDC(cfg, redirect, c), nil
}

func (m *Method) breakerChanged(id, from, to string) {
	m.Logger.Warn("social: provider circuit breaker", "provider", id, "from", from, "to", to)
}

// Enabled reports whether any provider is configured.
func (m *Method) Enabled() bool { return len(m.providers) > 0 }

func (m *Method) provider(id string) *provider {
	for _, p := range m.providers {
		if p.cfg.ID == id {
			return p
		}
	}
	return nil
}

func (p *provider) name() string {
	if p.cfg.Name != "" {
		return p.cfg.Name
	}
	return p.cfg.ID
}

// Mount adds the provider redirects and the link confirmation to /login.
func (m *Method) Mount(r chi.Router) {
	r.Get("/social/{provider}/start", m.start)
	r.Get("/social/{provider}/callback", m.callback)
	r.Post("/social/{provider}/callback", m.formPostCallback)
	r.Post("/social/link", m.linkSubmit)
}

// Option renders one button per provider, or "unavailable" while its
// breaker is open.
func (m *Method) Option(f *login.Flow, _ string) templ.Component {
	if len(m.providers) == 0 {
		return nil
	}
	var cs []templ.Component
	for _, p := range m.providers {
		cs = append(cs, templates.SocialButton(m.button(p, "/login/social/"+p.cfg.ID+"/start?flow="+f.ID)))
	}
	return templ.Join(cs...)
}

func (m *Method) button(p *provider, startURL string) templates.SocialButtonView {
	return templates.SocialButtonView{ID: p.cfg.ID, Name: p.name(), StartURL: startURL, Unavailable: p.up.open()}
}

// crossSite refuses navigations another site started: a start link is a GET
// (see doc.go), so Sec-Fetch-Site stands in for the CSRF token.
func crossSite(r *http.Request) bool {
	s := r.Header.Get("Sec-Fetch-Site")
	return s == "cross-site" || s == "same-site"
}

func (m *Method) unknownProvider(w http.ResponseWriter, r *http.Request) {
	m.Engine.ErrorPage(w, r, http.StatusNotFound, "social.unknown.title", "social.unknown.message")
}

func (m *Method) now() time.Time {
	if m.Now == nil {
		return time.Now().UTC()
	}
	return m.Now()
}

func randomToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("social: random: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// IDP returns the provider id recorded in an amr, or "".
func IDP(amr []string) string {
	for _, v := range amr {
		if id, ok := strings.CutPrefix(v, AMRProviderPrefix); ok {
			return id
		}
	}
	return ""
}

// ExtraClaims is an op.ExtraClaimsFunc body: the "idp" claim for logins
// through a provider.
func ExtraClaims(_ context.Context, amr []string) map[string]any {
	if id := IDP(amr); id != "" {
		return map[string]any{"idp": id}
	}
	return nil
}

var errNoPending = errors.New("social: no pending link in this flow")

package social

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"
	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/login"
)

// Keys of the method's private state in the flow's Data map. State and
// nonce are kept only as hashes, the PKCE verifier sealed; all three are
// deleted when the callback consumes them (single use).
const (
	dataProvider = "social.provider"
	dataState    = "social.state"
	dataNonce    = "social.nonce"
	dataVerifier = "social.verifier"
	dataBrowser  = "social.browser" // hash of the CSRF cookie
	dataLinkUser = "social.link_user"
	dataPending  = "social.pending"
)

// start sends the browser to the provider for a login flow.
func (m *Method) start(w http.ResponseWriter, r *http.Request) {
	p := m.provider(chi.URLParam(r, "provider"))
	if p == nil {
		m.unknownProvider(w, r)
		return
	}
	if crossSite(r) {
		m.Engine.ErrorPage(w, r, http.StatusForbidden, "social.cross_site.title", "social.cross_site.message")
		return
	}
	f, ok := m.Engine.FlowByID(w, r, r.URL.Query().Get("flow"))
	if !ok {
		return
	}
	m.redirect(w, r, f, p)
}

// redirect binds new state, nonce and PKCE verifier to the flow and this
// browser, then redirects to the provider's authorization endpoint.
func (m *Method) redirect(w http.ResponseWriter, r *http.Request, f *login.Flow, p *provider) {
	binding, err := m.Engine.Cookies.BrowserBinding(w, r)
	if err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	sec, err := newSecrets(f.ID)
	if err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	target, err := p.up.authURL(r.Context(), sec)
	if err != nil {
		m.upstreamFailed(w, r, f, p, err)
		return
	}
	if err := m.remember(r, f, p, sec, binding); err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// newSecrets: the state names the flow (so the callback can find it) and
// carries 256 random bits (so it cannot be guessed).
func newSecrets(flowID string) (secrets, error) {
	state, err := randomToken()
	if err != nil {
		return secrets{}, err
	}
	nonce, err := randomToken()
	if err != nil {
		return secrets{}, err
	}
	return secrets{State: flowID + "." + state, Nonce: nonce, Verifier: oauth2.GenerateVerifier()}, nil
}

func (m *Method) remember(r *http.Request, f *login.Flow, p *provider, sec secrets, binding string) error {
	sealed, err := m.Sealer.Seal([]byte(sec.Verifier), []byte(f.ID))
	if err != nil {
		return err
	}
	f.Data[dataProvider] = p.cfg.ID
	f.Data[dataState] = hashValue(sec.State)
	f.Data[dataNonce] = hashValue(sec.Nonce)
	f.Data[dataVerifier] = base64.RawURLEncoding.EncodeToString(sealed)
	f.Data[dataBrowser] = binding
	return m.Flows.PutLoginFlow(r.Context(), f.LoginFlow)
}

// formPostCallback receives Apple's response_mode=form_post. That POST is
// cross-site, so the browser sends no SameSite=Lax cookie with it; a 303
// turns it into a top-level GET, which carries the cookies that bind the
// flow to this browser.
func (m *Method) formPostCallback(w http.ResponseWriter, r *http.Request) {
	q := url.Values{}
	for _, k := range []string{"code", "state", "error", "error_description", "user"} {
		if v := r.PostFormValue(k); v != "" {
			q.Set(k, v)
		}
	}
	http.Redirect(w, r, r.URL.Path+"?"+q.Encode(), http.StatusSeeOther)
}

// errBadState: the callback's state is unknown, used already, for another
// provider or from another browser.
var errBadState = errors.New("social: state does not match this sign-in")

// consume checks the callback's state against the flow and spends it: the
// flow is saved without state, nonce and verifier before the provider is
// called, so a replayed callback finds nothing to match.
func (m *Method) consume(r *http.Request, f *login.Flow, p *provider, state string) (secrets, error) {
	d := f.Data
	stored, binding := d[dataState], m.Engine.Cookies.CurrentBrowserBinding(r)
	if stored == "" || d[dataProvider] != p.cfg.ID || binding == "" ||
		subtle.ConstantTimeCompare([]byte(hashValue(state)), []byte(stored)) != 1 ||
		subtle.ConstantTimeCompare([]byte(binding), []byte(d[dataBrowser])) != 1 {
		return secrets{}, errBadState
	}
	sealed, err := base64.RawURLEncoding.DecodeString(d[dataVerifier])
	if err != nil {
		return secrets{}, errBadState
	}
	verifier, err := m.Sealer.Open(sealed, []byte(f.ID))
	if err != nil {
		return secrets{}, errBadState
	}
	sec := secrets{State: state, NonceHash: d[dataNonce], Verifier: string(verifier)}
	for _, k := range []string{dataState, dataNonce, dataVerifier, dataBrowser} {
		delete(d, k)
	}
	return sec, m.Flows.PutLoginFlow(r.Context(), f.LoginFlow)
}

// flowOfState finds the flow the state names.
func flowOfState(state string) string {
	id, _, _ := strings.Cut(state, ".")
	return id
}

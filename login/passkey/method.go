package passkey

import (
	"context"
	"net/http"
	"net/url"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/templates"

	"github.com/admit-idp/admit/templates/i18n"
)

// MethodName is what the method reports to the engine, as a first factor
// (passwordless) and as a second factor.
const MethodName = "passkey"

// Method is passkey sign-in: passwordless on the login page (button and
// conditional UI) and, as a login.SecondFactor, the step after the
// password.
type Method struct {
	Engine *login.Engine
	Core   *Core
}

var (
	_ login.Method       = (*Method)(nil)
	_ login.SecondFactor = (*Method)(nil)
)

// Name implements login.SecondFactor.
func (m *Method) Name() string { return MethodName }

// Available implements login.SecondFactor: the user has a usable passkey.
func (m *Method) Available(ctx context.Context, userID string) (bool, error) {
	keys, err := m.Core.Store.ListUserPasskeys(ctx, userID)
	if err != nil {
		return false, err
	}
	for _, k := range keys {
		if !k.CloneWarning {
			return true, nil
		}
	}
	return false, nil
}

// ChallengeURL implements login.SecondFactor.
func (m *Method) ChallengeURL(f *login.Flow) string {
	return "/login/passkey/verify?flow=" + url.QueryEscape(f.ID)
}

// Option renders "Continue with a passkey" on the login page (the verb of every other method).
func (m *Method) Option(f *login.Flow, csrf string) templ.Component {
	return templates.PasskeyOption(templates.PasskeyOptionView{
		FlowID: f.ID, CSRFToken: csrf, OptionsURL: "/login/passkey/options", SubmitURL: "/login/passkey",
	})
}

// Mount adds the passkey routes to the /login router.
func (m *Method) Mount(r chi.Router) {
	r.Post("/passkey/options", m.loginOptions)
	r.Post("/passkey", m.loginSubmit)
	r.Get("/passkey/verify", m.verifyPage)
	r.Post("/passkey/verify/options", m.verifyOptions)
	r.Post("/passkey/verify", m.verifySubmit)
}

// loginOptions starts a discoverable (passwordless) ceremony bound to the
// flow; a new request replaces the previous challenge.
func (m *Method) loginOptions(w http.ResponseWriter, r *http.Request) {
	f, ok := m.Engine.LoadFlow(w, r)
	if !ok {
		return
	}
	opts, sd, err := m.Core.WebAuthn.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	m.sendOptions(w, r, flowBinding(f.ID), sd, opts.Response)
}

func (m *Method) sendOptions(w http.ResponseWriter, r *http.Request, binding string, sd *webauthn.SessionData, opts any) {
	if err := m.Core.saveCeremony(r.Context(), binding, sd); err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	login.WriteJSON(w, http.StatusOK, map[string]any{"publicKey": opts})
}

// loginSubmit verifies a passwordless assertion.
func (m *Method) loginSubmit(w http.ResponseWriter, r *http.Request) {
	f, ok := m.Engine.LoadFlow(w, r)
	if !ok || !m.Engine.Guard(w, r, f, login.Attempt{Action: "passkey"}) { // rate limit; passkeys are not locked
		return
	}
	a, err := m.verify(r, f, func(sd webauthn.SessionData, raw []byte) (Assertion, error) {
		return m.Core.VerifyDiscoverable(r.Context(), sd, raw)
	})
	if err != nil {
		m.fail(w, r, f, err, func(msg string) { m.Engine.RenderLogin(w, r, f, http.StatusUnauthorized, "", msg) })
		return
	}
	// Without user verification the passkey is one factor; the same
	// passkey cannot then also be the second.
	f.UsedAsFirstFactor(MethodName)
	m.Engine.Succeed(w, r, f, MethodName, a.UserID, a.AMR()...)
}

// verify consumes the flow's ceremony and checks the posted credential,
// then the client's attestation requirement.
func (m *Method) verify(r *http.Request, f *login.Flow, check func(webauthn.SessionData, []byte) (Assertion, error)) (Assertion, error) {
	raw := []byte(r.PostFormValue("credential"))
	if len(raw) == 0 {
		return Assertion{}, ErrMalformed
	}
	sd, err := m.Core.takeCeremony(r.Context(), flowBinding(f.ID))
	if err != nil {
		return Assertion{}, err
	}
	a, err := check(sd, raw)
	if err != nil {
		return Assertion{}, err
	}
	if m.Core.attestedOnly(f.Client.ID) && !attested(a.Passkey.AttestationType) {
		return Assertion{}, ErrNotAttested
	}
	return a, nil
}

// attested: the registration carried a verifiable attestation statement
// from the authenticator's maker ("none" and self attestation do not).
func attested(t string) bool { return t != "" && t != "none" && t != "self" }

// fail counts the failure against the flow and shows the message.
func (m *Method) fail(w http.ResponseWriter, r *http.Request, f *login.Flow, err error, show func(string)) {
	msg, reason := failure(err)
	if msg == "" {
		m.Engine.Unavailable(w, r, err)
		return
	}
	if m.Engine.Fail(w, r, f, MethodName, reason) {
		show(msg)
	}
}

// verifyPage asks for a passkey after the password.
func (m *Method) verifyPage(w http.ResponseWriter, r *http.Request) {
	f, ok := m.Engine.SecondFactorFlow(w, r, r.URL.Query().Get("flow"))
	if ok {
		m.renderVerify(w, r, f, http.StatusOK, "")
	}
}

func (m *Method) renderVerify(w http.ResponseWriter, r *http.Request, f *login.Flow, status int, errMsg string) {
	csrf, err := m.Engine.Cookies.CSRFToken(w, r)
	if err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	others, err := m.otherFactors(r.Context(), f)
	if err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	v := templates.PasskeyChallengeView{
		FlowID: f.ID, CSRFToken: csrf, ClientName: f.ClientName(), Error: errMsg, Others: others,
		OptionsURL: "/login/passkey/verify/options", SubmitURL: "/login/passkey/verify",
	}
	m.Engine.RenderPage(w, r, f, status, templates.PasskeyChallengePage(v))
}

// otherFactors links the user's other second factors, so a user with both
// a passkey and an authenticator app can choose.
func (m *Method) otherFactors(ctx context.Context, f *login.Flow) ([]templates.FactorLink, error) {
	others, err := m.Engine.OtherSecondFactors(ctx, f, MethodName)
	if err != nil {
		return nil, err
	}
	out := make([]templates.FactorLink, 0, len(others))
	for _, sf := range others {
		out = append(out, templates.FactorLink{Label: login.SecondFactorLabel(sf.Name()), URL: sf.ChallengeURL(f)})
	}
	return out, nil
}

// verifyOptions starts a ceremony for the flow's user, limited to their
// passkeys.
func (m *Method) verifyOptions(w http.ResponseWriter, r *http.Request) {
	f, ok := m.Engine.LoadSecondFactorFlow(w, r)
	if !ok {
		return
	}
	u, err := m.Core.loadUser(r.Context(), f.UserID)
	if err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	opts, sd, err := m.Core.WebAuthn.BeginLogin(u, webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		login.WriteJSON(w, http.StatusConflict, map[string]string{"error": i18n.T(r.Context(), msgUnknown)})
		return
	}
	m.sendOptions(w, r, flowBinding(f.ID), sd, opts.Response)
}

// verifySubmit checks the second-factor assertion.
func (m *Method) verifySubmit(w http.ResponseWriter, r *http.Request) {
	f, ok := m.Engine.LoadSecondFactorFlow(w, r)
	if !ok || !m.Engine.Guard(w, r, f, login.Attempt{Action: "passkey"}) {
		return
	}
	a, err := m.verify(r, f, func(sd webauthn.SessionData, raw []byte) (Assertion, error) {
		return m.Core.VerifyForUser(r.Context(), sd, f.UserID, raw)
	})
	if err != nil {
		m.fail(w, r, f, err, func(msg string) { m.renderVerify(w, r, f, http.StatusUnauthorized, msg) })
		return
	}
	// As a second factor the engine adds "mfa" itself.
	m.Engine.Succeed(w, r, f, MethodName, f.UserID, a.Factors()...)
}

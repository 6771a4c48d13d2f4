package totp

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
)

// Method is the TOTP second factor of the login flow. It has no entry on
// the login page: the engine sends the browser to its challenge (or, when
// MFA is required and the user has no second factor, to its enrolment)
// after the password step.
type Method struct {
	Engine *login.Engine
	Core   *Core
	Users  storage.Users
	Logger *slog.Logger
}

var (
	_ login.Method       = (*Method)(nil)
	_ login.SecondFactor = (*Method)(nil)
	_ login.Enroller     = (*Method)(nil)
)

// MethodName is what the method reports to the engine.
const MethodName = "totp"

// dataVerified marks a flow whose code (or enrolment, or backup code) was
// accepted and that only waits for the user to press Continue.
const dataVerified = "totp.verified"

// Messages shown to the user.
const (
	msgMissing   = "totp.err.missing"
	msgMalformed = "totp.err.malformed"
	msgWrong     = "totp.err.wrong"
	msgUsed      = "totp.err.used"
	msgBackup    = "totp.err.backup"
	msgExpired   = "totp.err.expired"
)

// Name implements login.SecondFactor.
func (m *Method) Name() string { return MethodName }

// Available implements login.SecondFactor: the user has confirmed TOTP.
func (m *Method) Available(ctx context.Context, userID string) (bool, error) {
	return m.Core.Enrolled(ctx, userID)
}

// ChallengeURL implements login.SecondFactor.
func (m *Method) ChallengeURL(f *login.Flow) string {
	return "/login/totp?flow=" + url.QueryEscape(f.ID)
}

// EnrolURL implements login.Enroller.
func (m *Method) EnrolURL(f *login.Flow) string {
	return "/login/totp/enrol?flow=" + url.QueryEscape(f.ID)
}

// Option is nil: TOTP is never offered before the password step.
func (m *Method) Option(*login.Flow, string) templ.Component { return nil }

// Mount adds the TOTP routes to the /login router.
func (m *Method) Mount(r chi.Router) {
	r.Get("/totp", m.challengePage)
	r.Post("/totp", m.challengeSubmit)
	r.Get("/totp/enrol", m.enrolPage)
	r.Post("/totp/enrol", m.enrolSubmit)
	r.Post("/totp/continue", m.continueSubmit)
}

func (m *Method) challengePage(w http.ResponseWriter, r *http.Request) {
	f, ok := m.Engine.SecondFactorFlow(w, r, r.URL.Query().Get("flow"))
	if !ok {
		return
	}
	m.renderChallenge(w, r, f, http.StatusOK, "")
}

func (m *Method) renderChallenge(w http.ResponseWriter, r *http.Request, f *login.Flow, status int, errMsg string) {
	csrf, err := m.Engine.Cookies.CSRFToken(w, r)
	if err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	v := templates.TOTPChallengeView{FlowID: f.ID, CSRFToken: csrf, ClientName: f.ClientName(), Error: errMsg}
	// Links to the user's other second factors (a passkey) are a
	// convenience: without them the code still works, so errors are ignored.
	others, _ := m.Engine.OtherSecondFactors(r.Context(), f, MethodName)
	for _, sf := range others {
		v.Others = append(v.Others, templates.FactorLink{Label: login.SecondFactorLabel(sf.Name()), URL: sf.ChallengeURL(f)})
	}
	m.Engine.RenderPage(w, r, f, status, templates.TOTPChallengePage(v))
}

// challengeSubmit verifies a TOTP code or a backup code.
func (m *Method) challengeSubmit(w http.ResponseWriter, r *http.Request) {
	f, ok := m.Engine.LoadSecondFactorFlow(w, r)
	if !ok || !m.Engine.Guard(w, r, f, login.Attempt{Action: "totp", Lockable: true}) {
		return
	}
	code := r.PostFormValue("code")
	if _, isTOTP := NormaliseCode(code); !isTOTP && IsBackupCode(code) {
		m.backupSubmit(w, r, f, code)
		return
	}
	err := m.Core.VerifyCode(r.Context(), f.UserID, code)
	if err == nil {
		m.Engine.Succeed(w, r, f, MethodName, f.UserID, "otp")
		return
	}
	m.fail(w, r, f, err)
}

// fail maps a verification error to a message; every wrong input counts
// toward the flow's failure limit (five end it).
func (m *Method) fail(w http.ResponseWriter, r *http.Request, f *login.Flow, err error) {
	msg, reason := failure(err)
	if msg == "" {
		m.Engine.Unavailable(w, r, err)
		return
	}
	if m.Engine.Fail(w, r, f, MethodName, reason) {
		m.renderChallenge(w, r, f, http.StatusUnauthorized, msg)
	}
}

// failure returns the user's message and the metric reason, or "" for a
// backend error.
func failure(err error) (msg, reason string) {
	switch {
	case errors.Is(err, ErrMalformed):
		return msgMalformed, "malformed_code"
	case errors.Is(err, ErrWrongCode):
		return msgWrong, "wrong_code"
	case errors.Is(err, ErrCodeUsed):
		return msgUsed, "code_reused"
	case errors.Is(err, ErrBackupUnknown):
		return msgBackup, "wrong_backup_code"
	case errors.Is(err, storage.ErrNotFound):
		// The credential was removed meanwhile: same answer as a wrong code.
		return msgWrong, "no_credential"
	}
	return "", ""
}

// backupSubmit spends a backup code, then shows how many remain before the
// login goes on.
func (m *Method) backupSubmit(w http.ResponseWriter, r *http.Request, f *login.Flow, code string) {
	remaining, err := m.Core.ConsumeBackupCode(r.Context(), f.UserID, code)
	if err != nil {
		m.fail(w, r, f, err)
		return
	}
	csrf, ok := m.markVerified(w, r, f, "backup")
	if !ok {
		return
	}
	v := templates.TOTPVerifiedView{FlowID: f.ID, CSRFToken: csrf, Remaining: remaining}
	m.Engine.RenderPage(w, r, f, http.StatusOK, templates.TOTPVerifiedPage(v))
}

// continueSubmit finishes a flow whose second factor was accepted on an
// interstitial page (backup code accepted, backup codes shown after
// enrolment).
func (m *Method) continueSubmit(w http.ResponseWriter, r *http.Request) {
	f, ok := m.Engine.LoadSecondFactorFlow(w, r)
	if !ok {
		return
	}
	if f.Data[dataVerified] == "" {
		m.renderChallenge(w, r, f, http.StatusBadRequest, msgMissing)
		return
	}
	delete(f.Data, dataVerified)
	m.Engine.Succeed(w, r, f, MethodName, f.UserID, "otp")
}

// enrolPage shows a pending secret to a user who must set up MFA to finish
// this login. Only flows without a confirmed factor get here.
func (m *Method) enrolPage(w http.ResponseWriter, r *http.Request) {
	f, ok := m.Engine.SecondFactorFlow(w, r, r.URL.Query().Get("flow"))
	if !ok || !m.mayEnrol(w, r, f) {
		return
	}
	m.renderEnrol(w, r, f, http.StatusOK, "")
}

// mayEnrol refuses enrolment during a login for a user who has TOTP
// already: replacing it would let a password alone reset the second factor.
func (m *Method) mayEnrol(w http.ResponseWriter, r *http.Request, f *login.Flow) bool {
	enrolled, err := m.Core.Enrolled(r.Context(), f.UserID)
	if err != nil {
		m.Engine.Unavailable(w, r, err)
		return false
	}
	if enrolled {
		http.Redirect(w, r, m.ChallengeURL(f), http.StatusSeeOther)
		return false
	}
	return true
}

func (m *Method) renderEnrol(w http.ResponseWriter, r *http.Request, f *login.Flow, status int, errMsg string) {
	u, err := m.Users.GetUser(r.Context(), f.UserID)
	if err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	en, err := m.Core.StartEnrolment(r.Context(), u.ID, u.Email)
	if err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	csrf, err := m.Engine.Cookies.CSRFToken(w, r)
	if err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	v := enrolView(en, csrf, "/login/totp/enrol", errMsg)
	v.FlowID, v.Required = f.ID, true
	m.Engine.RenderPage(w, r, f, status, templates.TOTPEnrolPage(v))
}

func enrolView(en Enrolment, csrf, action, errMsg string) templates.TOTPEnrolView {
	return templates.TOTPEnrolView{
		CSRFToken: csrf, Action: action, QRDataURI: en.QRDataURI, URI: en.URI, Secret: en.Secret,
		ExpiresMinutes: int(PendingLifetime.Minutes()), Error: errMsg,
	}
}

// enrolSubmit confirms the enrolment and shows the backup codes once.
func (m *Method) enrolSubmit(w http.ResponseWriter, r *http.Request) {
	f, ok := m.Engine.LoadSecondFactorFlow(w, r)
	if !ok || !m.mayEnrol(w, r, f) {
		return
	}
	codes, err := m.Core.ConfirmEnrolment(r.Context(), f.UserID, r.PostFormValue("code"))
	if err != nil {
		m.enrolFailed(w, r, f, err)
		return
	}
	csrf, ok := m.markVerified(w, r, f, "enrolled")
	if !ok {
		return
	}
	v := templates.TOTPBackupCodesView{Title: "totp.codes.on_title", Codes: codes, CSRFToken: csrf, FlowID: f.ID, ContinueAction: "/login/totp/continue"}
	m.Engine.RenderPage(w, r, f, http.StatusOK, templates.TOTPBackupCodesPage(v))
}

func (m *Method) enrolFailed(w http.ResponseWriter, r *http.Request, f *login.Flow, err error) {
	if errors.Is(err, ErrNoPending) {
		m.renderEnrol(w, r, f, http.StatusBadRequest, msgExpired)
		return
	}
	msg, reason := failure(err)
	if msg == "" {
		m.Engine.Unavailable(w, r, err)
		return
	}
	if m.Engine.Fail(w, r, f, MethodName, reason) {
		m.renderEnrol(w, r, f, http.StatusUnauthorized, msg)
	}
}

// markVerified records how the flow's second factor was verified (a backup
// code, a new enrolment) before a page that continues the login, and
// returns that page's CSRF token; false when it has answered.
func (m *Method) markVerified(w http.ResponseWriter, r *http.Request, f *login.Flow, how string) (string, bool) {
	f.Data[dataVerified] = how
	if err := m.Engine.SaveFlow(r.Context(), f); err != nil {
		m.Engine.Unavailable(w, r, err)
		return "", false
	}
	csrf, err := m.Engine.Cookies.CSRFToken(w, r)
	if err != nil {
		m.Engine.Unavailable(w, r, err)
		return "", false
	}
	return csrf, true
}

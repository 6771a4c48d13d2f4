package login

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/a-h/templ"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/admit-idp/admit/storage"
)

// MFAWindow is how long a proved second factor is remembered on the browser
// session: a step-up request (acr_values=urn:admit:acr:mfa) within it is
// not asked again (the old service's "MFA verified" window).
const MFAWindow = 5 * time.Minute

// SecondFactor is a second-factor method (TOTP; later passkeys). The engine
// asks for one after the first factor when the policy requires it; the
// method verifies it in its own handlers and reports it with Engine.Succeed
// under Name.
type SecondFactor interface {
	// Name is the method name the factor passes to Succeed ("totp").
	Name() string
	// Available reports whether the user has this factor set up.
	Available(ctx context.Context, userID string) (bool, error)
	// ChallengeURL is the page that asks for the factor in flow f.
	ChallengeURL(f *Flow) string
}

// Enroller is a SecondFactor that can be set up during a login, for users
// who must use MFA but have no second factor yet.
type Enroller interface {
	EnrolURL(f *Flow) string
}

// Flow data keys of the MFA policy.
const (
	dataStage = "engine.stage"
	// stageSecondFactor: the first factor is done and a second is required.
	stageSecondFactor = "second_factor"
	// dataStepUpAuthTime keeps the auth_time of the session a step-up
	// started from: the password was entered then, not now.
	dataStepUpAuthTime = "engine.step_up_auth_time"
)

// AwaitingSecondFactor reports whether the flow has completed its first
// factor and waits for a second one. Second-factor pages are reachable only
// then, so nobody learns whether a user has MFA before the password step.
func (f *Flow) AwaitingSecondFactor() bool {
	return f.UserID != "" && f.Data[dataStage] == stageSecondFactor
}

// SecondFactorFlow loads the flow id for a second-factor page (a GET, so no
// CSRF check) and answers with an error unless it awaits a second factor.
func (e *Engine) SecondFactorFlow(w http.ResponseWriter, r *http.Request, id string) (*Flow, bool) {
	f, ok := e.loadFlow(w, r, id)
	if !ok {
		return nil, false
	}
	return f, e.checkAwaiting(w, r, f)
}

// LoadSecondFactorFlow is LoadFlow (CSRF-checked POST) for second-factor
// forms: it answers with an error unless the flow awaits a second factor.
func (e *Engine) LoadSecondFactorFlow(w http.ResponseWriter, r *http.Request) (*Flow, bool) {
	f, ok := e.LoadFlow(w, r)
	if !ok {
		return nil, false
	}
	return f, e.checkAwaiting(w, r, f)
}

func (e *Engine) checkAwaiting(w http.ResponseWriter, r *http.Request, f *Flow) bool {
	if f.AwaitingSecondFactor() {
		return true
	}
	e.ErrorPage(w, r, http.StatusBadRequest, "error.sign_in_first.title", "error.sign_in_first.message")
	return false
}

// SaveFlow stores the flow (for methods that keep state in f.Data).
func (e *Engine) SaveFlow(ctx context.Context, f *Flow) error {
	return e.Flows.PutLoginFlow(ctx, f.LoginFlow)
}

// RenderPage renders a login-flow page: it allows the flow's redirect origin
// in the CSP form-action, since a form on it may end the login.
func (e *Engine) RenderPage(w http.ResponseWriter, r *http.Request, f *Flow, status int, c templ.Component) {
	allowFormTarget(w, f.Request.RedirectURI)
	render(w, r, status, c)
}

// ClientName is how pages name what the user is signing in to.
func (f *Flow) ClientName() string { return clientName(f.Client) }

// mfaRequested: the client requires MFA, or the request asks for it.
func mfaRequested(f *Flow) bool {
	return f.Client.RequireMFA || slices.Contains(f.Request.ACRValues, ACRMultiFactor)
}

// HasSecondFactor reports whether the user has set up any second factor:
// such a user must pass it at every sign-in (askSecondFactor), so sign-ins
// that cannot ask for it (native token exchange) are refused.
func (e *Engine) HasSecondFactor(ctx context.Context, userID string) (bool, error) {
	factors, err := e.availableFactors(ctx, userID)
	return len(factors) > 0, err
}

// availableFactors lists the second factors the user has set up.
func (e *Engine) availableFactors(ctx context.Context, userID string) ([]SecondFactor, error) {
	var out []SecondFactor
	for _, sf := range e.SecondFactors {
		ok, err := sf.Available(ctx, userID)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, sf)
		}
	}
	return out, nil
}

func (e *Engine) isSecondFactor(method string) bool {
	return slices.ContainsFunc(e.SecondFactors, func(sf SecondFactor) bool { return sf.Name() == method })
}

// askSecondFactor applies the policy after a first factor: a user with a
// second factor always uses it; a user without one is led through
// enrolment when the client or the request requires MFA. It reports false
// when no second factor is needed (the caller finishes the login).
func (e *Engine) askSecondFactor(w http.ResponseWriter, r *http.Request, f *Flow) bool {
	if slices.Contains(f.AMR, "mfa") {
		// The first factor was multi-factor by itself (a passkey with user
		// verification: possession plus PIN or biometrics).
		return false
	}
	factors, err := e.availableFactors(r.Context(), f.UserID)
	if err != nil {
		e.Unavailable(w, r, err)
		return true
	}
	factors = f.withoutFirstFactor(factors)
	if len(factors) == 0 && !mfaRequested(f) {
		return false
	}
	target := e.secondFactorURL(f, factors)
	if target == "" {
		e.ErrorPage(w, r, http.StatusForbidden, "error.mfa_required.title", "error.mfa_required.message")
		return true
	}
	f.Data[dataStage] = stageSecondFactor
	if err := e.SaveFlow(r.Context(), f); err != nil {
		e.Unavailable(w, r, err)
		return true
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return true
}

// secondFactorURL is the first available factor's challenge, or the first
// enroller's enrolment page.
func (e *Engine) secondFactorURL(f *Flow, factors []SecondFactor) string {
	if len(factors) > 0 {
		return factors[0].ChallengeURL(f)
	}
	for _, sf := range e.SecondFactors {
		if en, ok := sf.(Enroller); ok {
			return en.EnrolURL(f)
		}
	}
	return ""
}

// finish starts the SSO session for a flow whose factors satisfy the
// policy, then goes on to consent or completion.
func (e *Engine) finish(w http.ResponseWriter, r *http.Request, f *Flow) {
	now := e.Now()
	auth := Authentication{UserID: f.UserID, AuthTime: now, AMR: f.AMR, ACR: acrFor(f.AMR)}
	if at, err := strconv.ParseInt(f.Data[dataStepUpAuthTime], 10, 64); err == nil {
		auth.AuthTime = time.Unix(at, 0).UTC()
	}
	if slices.Contains(f.AMR, "mfa") {
		auth.MFAAt = now
	}
	s, err := e.Sessions.Start(w, r, auth)
	if err != nil {
		e.Unavailable(w, r, err)
		return
	}
	e.authenticated(w, r, f, auth, s.ID)
}

// sessionNeedsSecondFactor: an SSO session answers a request only when it
// satisfies the MFA policy. An explicit step-up (acr_values) needs a second
// factor within MFAWindow; a client requiring MFA, or a user who has a
// second factor, needs a session that was established with one.
func (e *Engine) sessionNeedsSecondFactor(ctx context.Context, f *Flow, s storage.Session) (bool, error) {
	if slices.Contains(f.Request.ACRValues, ACRMultiFactor) {
		return s.MFAAt.IsZero() || e.Now().Sub(s.MFAAt) > MFAWindow, nil
	}
	if slices.Contains(s.AMR, "mfa") {
		return false, nil
	}
	if f.Client.RequireMFA {
		return true, nil
	}
	factors, err := e.availableFactors(ctx, s.UserID)
	return len(factors) > 0, err
}

// stepUp asks the session's user for a second factor only: the session
// already proves the first. It reports false when none is needed after all.
func (e *Engine) stepUp(w http.ResponseWriter, r *http.Request, f *Flow, s storage.Session) bool {
	if slices.Contains(f.Request.Prompt, oidc.PromptNone) {
		e.Errors.RedirectError(w, r, f.Request, oidc.ErrInteractionRequired().WithDescription("a second factor is required"))
		return true
	}
	f.UserID = s.UserID
	f.AMR = slices.DeleteFunc(slices.Clone(s.AMR), func(v string) bool { return v == "mfa" })
	f.Data[dataStepUpAuthTime] = strconv.FormatInt(s.AuthTime.Unix(), 10)
	return e.askSecondFactor(w, r, f)
}

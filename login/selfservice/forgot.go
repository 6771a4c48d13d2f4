package selfservice

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/mail"
	"github.com/admit-idp/admit/login/password"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
	"github.com/admit-idp/admit/templates/i18n"
)

// resendWindow is the window of the resend and forgot-password limits.
const resendWindow = time.Hour

// forgotPath is the reset-password page of the tenant: the page a mail
// sends people to when they should reset their password ("/login/forgot",
// with "?tenant=<slug>" outside the default tenant, as AccountURL).
func (m Method) forgotPath(ctx context.Context, tenantID string) string {
	return strings.Replace(m.Engine.AccountURL(ctx, tenantID), "/account", "/login/forgot", 1)
}

func (m Method) forgotView(_ context.Context, flowID, email string) templates.FormView {
	return templates.FormView{
		Title: "reset.forgot.title", Action: "/login/forgot", Submit: "reset.forgot.submit", TestID: "forgot-form",
		Intro:  "reset.forgot.intro",
		Hidden: map[string]string{"flow": flowID},
		Fields: []templates.Field{{Name: "email", Label: "login.email", Type: "email", Value: email, Autocomplete: "email", Required: true}},
	}
}

func (m Method) forgotPage(w http.ResponseWriter, r *http.Request) {
	v := m.forgotView(r.Context(), r.URL.Query().Get("flow"), "")
	if t := r.URL.Query().Get("tenant"); t != "" && v.Hidden["flow"] == "" {
		v.Hidden["tenant"] = t // opened from a mail: the account's tenant
	}
	v.Extra = m.widget(w, r, "forgot")
	m.form(w, r, http.StatusOK, v)
}

// forgot always gives the same answer after the same time (ForgotFloor),
// whether the account exists or not.
func (m Method) forgot(w http.ResponseWriter, r *http.Request) {
	start := time.Now() // wall time: the floor is about what a client measures
	flowID, email, ok := m.emailPost(w, r, "forgot", m.forgotView)
	if !ok {
		return
	}
	if !m.allowForgot(r, email) {
		m.Engine.ErrorPage(w, r, http.StatusTooManyRequests, "Too many requests",
			"Too many password resets were asked for. Wait an hour and try again.")
		return
	}
	tenantID, ok := m.flowTenant(w, r, flowID)
	if !ok {
		return
	}
	err := m.sendReset(r.Context(), tenantID, email)
	m.waitFloor(r.Context(), start)
	switch {
	case errors.Is(err, mail.ErrUnavailable):
		m.message(w, r, http.StatusServiceUnavailable, couldNotSend("/login/forgot?flow="+url.QueryEscape(flowID)))
	case err != nil:
		m.Engine.Unavailable(w, r, err)
	default:
		back := "/account"
		if flowID != "" {
			back = "/login/continue?" + url.Values{"flow": {flowID}}.Encode()
		}
		m.message(w, r, http.StatusOK, templates.FormView{
			Title: "signup.inbox.title", TestID: "forgot-sent",
			Notice: i18n.T(r.Context(), "reset.forgot.sent", "Email", email),
			Links: []templates.Link{
				{Href: back, Label: i18n.T(r.Context(), "pages.link.sign_in"), TestID: "forgot-back"},
				{Href: "/login/forgot?" + url.Values{"flow": {flowID}}.Encode(), Label: i18n.T(r.Context(), "pages.link.resend"), TestID: "forgot-again"},
			},
		})
	}
}

func (m Method) allowForgot(r *http.Request, email string) bool {
	ip := login.ClientPrefix(r)
	ctx := r.Context()
	okIP := m.Limiter.Allow(ctx, "forgot:ip:"+ip, m.Settings.ForgotPerIP, resendWindow)
	okEmail := m.Limiter.Allow(ctx, "forgot:email:"+email, m.Settings.ForgotPerEmail, resendWindow)
	return okIP && okEmail
}

func (m Method) waitFloor(ctx context.Context, start time.Time) {
	t := time.NewTimer(time.Until(start.Add(m.Settings.ForgotFloor)))
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (m Method) sendReset(ctx context.Context, tenantID, email string) error {
	if !m.Mail.Ready() {
		return mail.ErrUnavailable
	}
	u, err := m.Store.GetUserByEmail(ctx, tenantID, email)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && u.Disabled) {
		return nil
	}
	if err != nil {
		return err
	}
	tok, err := m.issueToken(ctx, storage.PurposeResetPassword, u, u.Email, "", m.Settings.ResetTTL)
	if err != nil {
		return err
	}
	m.audit(ctx, "password_reset_requested", u.ID)
	return m.send(ctx, u.Email, resetMail(ctx, u, m.link("/login/reset", tok)))
}

func (m Method) resetView(ctx context.Context, token string) templates.FormView {
	return templates.FormView{
		Title: "reset.title", Action: "/login/reset", Submit: "reset.submit", TestID: "reset-form",
		Intro:     "reset.intro",
		Hidden:    map[string]string{"token": token},
		MinLength: m.Policy.MinLength, MaxLength: m.Policy.MaxLength,
		Fields: []templates.Field{{Name: "password", Label: "reset.new_password", Type: "password", Autocomplete: "new-password", Required: true, Policy: true,
			Hint: i18n.T(ctx, "reset.hint", "Min", m.Policy.MinLength)}},
	}
}

func (m Method) resetPage(w http.ResponseWriter, r *http.Request) {
	m.form(w, r, http.StatusOK, m.resetView(r.Context(), r.URL.Query().Get("token")))
}

// reset checks the new password before it spends the link, so a weak
// password does not cost the user their link.
func (m Method) reset(w http.ResponseWriter, r *http.Request) {
	pw := r.PostFormValue("password")
	if problem := m.Policy.CheckIn(r.Context(), pw, ""); problem != "" && m.Cookies.CheckCSRF(r) {
		v := m.resetView(r.Context(), r.PostFormValue("token"))
		v.Fields[0].Error, v.Error = problem, "reset.choose_another"
		m.form(w, r, http.StatusBadRequest, v)
		return
	}
	_, u, ok := m.consume(w, r, storage.PurposeResetPassword)
	if !ok {
		return
	}
	if err := m.setPassword(r.Context(), u, pw, ""); err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	// The link proved the mailbox: the address is verified now too.
	if !u.EmailVerified {
		_ = m.Store.SetEmail(r.Context(), u.ID, u.Email, true, m.Now())
	}
	m.audit(r.Context(), "password_reset", u.ID)
	m.message(w, r, http.StatusOK, templates.FormView{
		Title: "reset.done.title", TestID: "reset-done",
		Notice: "reset.done.notice",
		Links:  []templates.Link{{Href: m.Engine.AccountURL(r.Context(), u.TenantID), Label: "login.submit", TestID: "continue"}},
	})
}

// setPassword stores the new hash, kills other links, sessions (but keep)
// and grants, and tells the user.
func (s *Service) setPassword(ctx context.Context, u storage.User, pw, keep string) error {
	hash, err := s.Hasher.Hash(pw)
	if err != nil {
		return err
	}
	// The change announces itself (user.password_changed, in its own
	// transaction): a re-hash at sign-in uses the same store call but is
	// not a new password, so the event is attached here.
	announced := storage.WithEvents(ctx, storage.NewEvent(storage.EventUserPasswordChanged, u.TenantID, u.ID, map[string]string{"user_id": u.ID}, s.Now()))
	if err := s.Store.SetPasswordHash(announced, u.ID, hash, s.Now()); err != nil {
		return err
	}
	if err := s.Store.InvalidateAccountTokens(ctx, u.ID, storage.PurposeResetPassword, s.Now()); err != nil {
		return err
	}
	if err := s.signOutEverywhere(ctx, u.ID, keep); err != nil {
		return err
	}
	s.notify(ctx, u.Email, passwordChangedMail(ctx, u))
	return nil
}

// emailPost is the start of the e-mail-only forms (forgot password,
// resend the confirmation): CSRF, the defences for action, and a
// normalised e-mail, the form coming back (view) when it is missing.
// It reports false when it has answered.
func (m Method) emailPost(w http.ResponseWriter, r *http.Request, action string, view func(ctx context.Context, flowID, email string) templates.FormView) (flowID, email string, ok bool) {
	if !m.Cookies.CheckCSRF(r) {
		m.Engine.ErrorPage(w, r, http.StatusForbidden, "error.csrf.title", "error.csrf.message")
		return "", "", false
	}
	if !m.guard(w, r, action) {
		return "", "", false
	}
	flowID, email = r.PostFormValue("flow"), password.NormaliseEmail(r.PostFormValue("email"))
	if email == "" {
		v := view(r.Context(), flowID, email)
		v.Error = "reset.enter_email"
		m.form(w, r, http.StatusBadRequest, v)
		return "", "", false
	}
	return flowID, email, true
}

// flowTenant is the tenant of the login flow a page was opened from (the
// application's), or the default tenant when the page was opened without
// one: e-mail addresses are unique per tenant only. A flow that has
// expired cannot tell its tenant, so the user is asked to start again
// (rather than being looked up in the default tenant); it reports false
// when it has answered.
func (m Method) flowTenant(w http.ResponseWriter, r *http.Request, flowID string) (string, bool) {
	if flowID == "" {
		return m.slugTenant(w, r, r.PostFormValue("tenant"))
	}
	f, err := m.Engine.Flows.GetLoginFlow(r.Context(), flowID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		m.Engine.ErrorPage(w, r, http.StatusBadRequest, "reset.page_expired.title", "reset.page_expired.message")
		return "", false
	case err != nil:
		m.Engine.Unavailable(w, r, err)
		return "", false
	}
	return cmp.Or(f.TenantID, storage.DefaultTenantID), true
}

// slugTenant is the tenant a page opened without a flow names by slug (a
// link in a mail), the default tenant when it names none.
func (m Method) slugTenant(w http.ResponseWriter, r *http.Request, slug string) (string, bool) {
	if slug == "" || m.Engine.Tenants == nil {
		return storage.DefaultTenantID, true
	}
	t, err := storage.Tenant{}, storage.ErrNotFound
	if storage.ValidSlug(slug) {
		t, err = m.Engine.Tenants.GetTenantBySlug(r.Context(), slug)
	}
	switch {
	case errors.Is(err, storage.ErrNotFound) || (err == nil && !t.Active()):
		m.Engine.ErrorPage(w, r, http.StatusNotFound, "Unknown organisation",
			"The link names an organisation Admit does not know. Check the link, or go back to the application.")
		return "", false
	case err != nil:
		m.Engine.Unavailable(w, r, err)
		return "", false
	}
	return t.ID, true
}

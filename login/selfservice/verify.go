package selfservice

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/admit-idp/admit/login/mail"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
	"github.com/admit-idp/admit/templates/i18n"
)

// confirmPage answers the link in an e-mail with a one-button form. The
// token is consumed only by the POST: mail scanners and link previews
// fetch links with GET and must not burn a single-use link.
func (m Method) confirmPage(purpose string) http.HandlerFunc {
	action, title := "/login/verify", "verify.confirm.title"
	if purpose == storage.PurposeChangeEmail {
		action, title = "/login/confirm-email", "verify.confirm_new.title"
	}
	return func(w http.ResponseWriter, r *http.Request) {
		m.form(w, r, http.StatusOK, templates.FormView{
			Title: title, Action: action, Submit: "verify.confirm.submit", TestID: "confirm-form",
			Hidden: map[string]string{"token": r.URL.Query().Get("token")},
		})
	}
}

// consume checks the CSRF token and spends the link; on failure it has
// answered with a page that says what to do.
func (s *Service) consume(w http.ResponseWriter, r *http.Request, purpose string) (storage.AccountToken, storage.User, bool) {
	if !s.Cookies.CheckCSRF(r) {
		s.Engine.ErrorPage(w, r, http.StatusForbidden, "error.csrf.title", "error.csrf.message")
		return storage.AccountToken{}, storage.User{}, false
	}
	t, err := s.Store.ConsumeAccountToken(r.Context(), hashToken(r.PostFormValue("token")), purpose, s.Now())
	if err == nil {
		var u storage.User
		u, err = s.Store.GetUser(r.Context(), t.UserID)
		if err == nil && u.Disabled {
			err = storage.ErrNotFound
		}
		if err == nil {
			return t, u, true
		}
	}
	s.linkFailed(w, r, err)
	return storage.AccountToken{}, storage.User{}, false
}

func (s *Service) linkFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, storage.ErrAlreadyUsed):
		s.message(w, r, http.StatusGone, templates.FormView{Title: "verify.used.title", TestID: "link-used",
			Error: "verify.used.message", Links: linkFailedLinks(r)})
	case errors.Is(err, storage.ErrNotFound):
		s.message(w, r, http.StatusGone, templates.FormView{Title: "unlock.expired.title", TestID: "link-expired",
			Error: "verify.expired.message", Links: linkFailedLinks(r)})
	default:
		s.Engine.Unavailable(w, r, err)
	}
}

// verify confirms the address of a new account and leads back to the
// sign-in that was in progress, if it still is.
func (m Method) verify(w http.ResponseWriter, r *http.Request) {
	t, u, ok := m.consume(w, r, storage.PurposeVerifyEmail)
	if !ok {
		return
	}
	if t.Email != u.Email {
		m.linkFailed(w, r, storage.ErrNotFound) // the address changed since
		return
	}
	if err := m.Store.SetEmail(r.Context(), u.ID, u.Email, true, m.Now()); err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	m.audit(r.Context(), "email_verified", u.ID)
	m.verified(w, r, t, u)
}

func (s *Service) verified(w http.ResponseWriter, r *http.Request, t storage.AccountToken, u storage.User) {
	email := u.Email
	next := templates.Link{Href: s.Engine.AccountURL(r.Context(), u.TenantID), Label: "verify.go_to_account", TestID: "continue"}
	if t.FlowID != "" {
		if _, err := s.Engine.Flows.GetLoginFlow(r.Context(), t.FlowID); err == nil {
			next = templates.Link{Href: "/login/continue?flow=" + url.QueryEscape(t.FlowID) + "&email=" + url.QueryEscape(email),
				Label: "verify.continue_sign_in", TestID: "continue"}
		}
	}
	s.message(w, r, http.StatusOK, templates.FormView{
		Title: "verify.done.title", TestID: "verified",
		Notice: i18n.T(r.Context(), "verify.done.notice", "Email", email), Links: []templates.Link{next},
	})
}

// confirmEmailChange moves the account to the new, now proven, address.
func (m Method) confirmEmailChange(w http.ResponseWriter, r *http.Request) {
	t, u, ok := m.consume(w, r, storage.PurposeChangeEmail)
	if !ok {
		return
	}
	err := m.Store.SetEmail(r.Context(), u.ID, t.Email, true, m.Now())
	if errors.Is(err, storage.ErrAlreadyExists) {
		m.Engine.ErrorPage(w, r, http.StatusConflict, "verify.taken.title", "verify.taken.message")
		return
	}
	if err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	m.audit(r.Context(), "email_changed", u.ID)
	u.Email = t.Email
	m.verified(w, r, storage.AccountToken{}, u)
}

func (m Method) resendView(ctx context.Context, flowID, email string) templates.FormView {
	return templates.FormView{
		Title: "verify.resend.title", Action: "/login/resend", Submit: "verify.resend.submit", TestID: "resend-form",
		Intro:  i18n.T(ctx, "verify.resend.intro", "Count", m.Settings.ResendLimit),
		Hidden: map[string]string{"flow": flowID},
		Fields: []templates.Field{{Name: "email", Label: "login.email", Type: "email", Value: email, Autocomplete: "email", Required: true}},
	}
}

func (m Method) resendPage(w http.ResponseWriter, r *http.Request) {
	m.form(w, r, http.StatusOK, m.resendView(r.Context(), r.URL.Query().Get("flow"), ""))
}

// resend answers the same whether or not an unverified account exists; it
// says so plainly only when the mail cannot be sent at all.
func (m Method) resend(w http.ResponseWriter, r *http.Request) {
	flowID, email, ok := m.emailPost(w, r, "resend", m.resendView)
	if !ok {
		return
	}
	tenantID, ok := m.flowTenant(w, r, flowID)
	if !ok {
		return
	}
	err := m.resendTo(r.Context(), tenantID, email, flowID)
	switch {
	case errors.Is(err, mail.ErrUnavailable):
		m.message(w, r, http.StatusServiceUnavailable, couldNotSend("/login/resend?flow="+url.QueryEscape(flowID)))
	case err != nil:
		m.Engine.Unavailable(w, r, err)
	default:
		v := checkInbox(r.Context(), flowID, email)
		v.Notice = "If " + email + " belongs to an account that is not confirmed yet, we sent it a new link (at most " +
			itoa(m.Settings.ResendLimit) + " an hour)."
		m.message(w, r, http.StatusOK, v)
	}
}

func (m Method) resendTo(ctx context.Context, tenantID, email, flowID string) error {
	if !m.Mail.Ready() {
		return mail.ErrUnavailable
	}
	u, err := m.Store.GetUserByEmail(ctx, tenantID, email)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && (u.EmailVerified || u.Disabled)) {
		return nil
	}
	if err != nil {
		return err
	}
	n, err := m.Store.CountAccountTokens(ctx, u.ID, storage.PurposeVerifyEmail, m.Now().Add(-resendWindow))
	if err != nil || n >= m.Settings.ResendLimit {
		return err
	}
	return m.sendVerification(ctx, u, flowID)
}

// linkFailedLinks are the ways on from a used or expired mail link: sign
// in (the account area starts a sign-in), or ask for a new link.
func linkFailedLinks(r *http.Request) []templates.Link {
	ctx := r.Context()
	return []templates.Link{
		{Href: "/account", Label: i18n.T(ctx, "pages.link.sign_in"), TestID: "link-sign-in"},
		{Href: "/login/forgot", Label: i18n.T(ctx, "pages.link.forgot"), TestID: "link-forgot"},
	}
}

package totp

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/account"
	"github.com/admit-idp/admit/login/password"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
	"github.com/admit-idp/admit/templates/i18n"
)

// passwordVerifier is what the section needs from password.Hasher.
type passwordVerifier interface {
	Verify(pw, hash string) (password.Result, error)
}

// Section is the account area's two-step verification block: enrol (or
// move to a new device), regenerate backup codes, turn off. Every action
// re-asks the password; turning off also needs a current code.
type Section struct {
	Area    *account.Area
	Engine  *login.Engine
	Core    *Core
	Hasher  passwordVerifier
	Cookies login.Cookies
}

var _ account.Section = (*Section)(nil)

// Account-area messages.
const (
	msgPassword       = "totp.err.password"
	msgSetupExpired   = "totp.err.setup_expired"
	msgNotEnabled     = "totp.err.not_enabled"
	msgDownloadFormat = "totp.err.download_format"
)

// Section implements account.Section.
func (s *Section) Section(ctx context.Context, u storage.User, _ storage.Session, csrf string) templ.Component {
	cred, err := s.Core.Durable.GetTOTPCredential(ctx, u.ID)
	v := templates.TOTPSectionView{Enabled: err == nil, Remaining: len(cred.BackupCodes), CSRFToken: csrf}
	return templates.TOTPSection(v)
}

// Mount implements account.Section.
func (s *Section) Mount(r chi.Router) {
	r.Get("/totp/enrol", s.formPage(enrolForm))
	r.Post("/totp/enrol", s.enrolStart)
	r.Post("/totp/confirm", s.enrolConfirm)
	r.Get("/totp/backup-codes", s.formPage(regenerateForm))
	r.Post("/totp/backup-codes", s.regenerate)
	r.Get("/totp/disable", s.formPage(disableForm))
	r.Post("/totp/disable", s.disable)
	r.Post("/totp/backup-codes.txt", s.download)
}

var (
	enrolForm = templates.TOTPFormView{
		Title: "totp.section.enrol", Action: "/account/totp/enrol", Submit: "totp.form.continue",
		Intro: "totp.form.enrol.intro",
	}
	regenerateForm = templates.TOTPFormView{
		Title: "totp.section.regenerate", Action: "/account/totp/backup-codes", Submit: "totp.form.regenerate.submit",
		Intro: "totp.form.regenerate.intro",
	}
	disableForm = templates.TOTPFormView{
		Title: "totp.form.disable.title", Action: "/account/totp/disable", Submit: "totp.section.disable", NeedCode: true, Danger: true,
		Intro: "totp.form.disable.intro",
	}
)

func (s *Section) formPage(v templates.TOTPFormView) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := s.Area.Current(w, r); ok {
			s.renderForm(w, r, v, http.StatusOK, "")
		}
	}
}

func (s *Section) renderForm(w http.ResponseWriter, r *http.Request, v templates.TOTPFormView, status int, errMsg string) {
	csrf, err := s.Cookies.CSRFToken(w, r)
	if err != nil {
		s.Engine.Unavailable(w, r, err)
		return
	}
	v.CSRFToken, v.Error = csrf, errMsg
	login.Render(w, r, status, templates.TOTPFormPage(v))
}

// begin checks the session, the CSRF token and the re-entered password of
// a POST; on failure it has answered (the form again, with a message).
func (s *Section) begin(w http.ResponseWriter, r *http.Request, form templates.TOTPFormView) (storage.User, bool) {
	u, _, ok := s.Area.Current(w, r)
	if !ok {
		return storage.User{}, false
	}
	if !s.Cookies.CheckCSRF(r) {
		s.Engine.ErrorPage(w, r, http.StatusForbidden, "error.csrf.title", "error.csrf.message")
		return storage.User{}, false
	}
	ok, answered := s.Area.CheckPassword(w, r, u, r.PostFormValue("password"))
	if !ok && !answered {
		s.renderForm(w, r, form, http.StatusUnauthorized, msgPassword)
	}
	return u, ok
}

// enrolStart shows a (new or recent) pending secret after the password.
func (s *Section) enrolStart(w http.ResponseWriter, r *http.Request) {
	u, ok := s.begin(w, r, enrolForm)
	if ok {
		s.renderEnrol(w, r, u, http.StatusOK, "")
	}
}

func (s *Section) renderEnrol(w http.ResponseWriter, r *http.Request, u storage.User, status int, errMsg string) {
	en, err := s.Core.StartEnrolment(r.Context(), u.ID, u.Email)
	if err != nil {
		s.Engine.Unavailable(w, r, err)
		return
	}
	csrf, err := s.Cookies.CSRFToken(w, r)
	if err != nil {
		s.Engine.Unavailable(w, r, err)
		return
	}
	login.Render(w, r, status, templates.TOTPEnrolPage(enrolView(en, csrf, "/account/totp/confirm", errMsg)))
}

// enrolConfirm checks the code against the pending secret. An expired
// secret sends the user back to the password: only the password step
// creates pending secrets.
func (s *Section) enrolConfirm(w http.ResponseWriter, r *http.Request) {
	u, _, ok := s.Area.Current(w, r)
	if !ok || !s.csrf(w, r) {
		return
	}
	codes, err := s.Core.ConfirmEnrolment(r.Context(), u.ID, r.PostFormValue("code"))
	switch {
	case errors.Is(err, ErrNoPending):
		s.renderForm(w, r, enrolForm, http.StatusBadRequest, msgSetupExpired)
	case err != nil:
		s.confirmFailed(w, r, u, err)
	default:
		s.showCodes(w, r, "totp.codes.on_title", codes)
	}
}

func (s *Section) confirmFailed(w http.ResponseWriter, r *http.Request, u storage.User, err error) {
	msg, _ := failure(err)
	if msg == "" {
		s.Engine.Unavailable(w, r, err)
		return
	}
	s.renderEnrol(w, r, u, http.StatusUnauthorized, msg)
}

func (s *Section) csrf(w http.ResponseWriter, r *http.Request) bool {
	if s.Cookies.CheckCSRF(r) {
		return true
	}
	s.Engine.ErrorPage(w, r, http.StatusForbidden, "error.csrf.title", "error.csrf.message")
	return false
}

func (s *Section) showCodes(w http.ResponseWriter, r *http.Request, title string, codes []string) {
	csrf, err := s.Cookies.CSRFToken(w, r)
	if err != nil {
		s.Engine.Unavailable(w, r, err)
		return
	}
	login.Render(w, r, http.StatusOK, templates.TOTPBackupCodesPage(templates.TOTPBackupCodesView{Title: title, Codes: codes, CSRFToken: csrf}))
}

// regenerate replaces the backup codes; the old set stops working.
func (s *Section) regenerate(w http.ResponseWriter, r *http.Request) {
	u, ok := s.begin(w, r, regenerateForm)
	if !ok {
		return
	}
	codes, err := s.Core.RegenerateBackupCodes(r.Context(), u.ID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		s.renderForm(w, r, regenerateForm, http.StatusBadRequest, msgNotEnabled)
	case err != nil:
		s.Engine.Unavailable(w, r, err)
	default:
		s.showCodes(w, r, "totp.section.regenerate", codes)
	}
}

// disable needs the password and a current code (or a backup code).
func (s *Section) disable(w http.ResponseWriter, r *http.Request) {
	u, ok := s.begin(w, r, disableForm)
	if !ok {
		return
	}
	if err := s.verifyAnyCode(r.Context(), u.ID, r.PostFormValue("code")); err != nil {
		s.disableFailed(w, r, err)
		return
	}
	if err := s.Core.Disable(r.Context(), u.ID); err != nil {
		s.Engine.Unavailable(w, r, err)
		return
	}
	s.Area.Engine.RedirectWithNotice(w, r, account.PageSecurity.URL(), "totp.notice.off")
}

func (s *Section) verifyAnyCode(ctx context.Context, userID, code string) error {
	if _, isTOTP := NormaliseCode(code); !isTOTP && IsBackupCode(code) {
		_, err := s.Core.ConsumeBackupCode(ctx, userID, code)
		return err
	}
	return s.Core.VerifyCode(ctx, userID, code)
}

func (s *Section) disableFailed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, storage.ErrNotFound) {
		s.renderForm(w, r, disableForm, http.StatusBadRequest, msgNotEnabled)
		return
	}
	msg, _ := failure(err)
	if msg == "" {
		s.Engine.Unavailable(w, r, err)
		return
	}
	s.renderForm(w, r, disableForm, http.StatusUnauthorized, msg)
}

// download echoes the backup codes shown on the page as a text file. The
// server keeps no plaintext codes, so the page posts them back; only
// well-formed codes are accepted, which keeps this from serving arbitrary
// content. It needs no session (the codes page of a login-time enrolment
// comes before the session exists): it returns only what the same-origin,
// CSRF-checked form sent.
func (s *Section) download(w http.ResponseWriter, r *http.Request) {
	if !s.csrf(w, r) {
		return
	}
	_ = r.ParseForm()
	codes := r.PostForm["code"]
	if len(codes) == 0 || len(codes) > BackupCodeCount || !all(codes, IsBackupCode) {
		s.Engine.ErrorPage(w, r, http.StatusBadRequest, "totp.download.title", msgDownloadFormat)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="admit-backup-codes.txt"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(i18n.T(r.Context(), "totp.download.header") + "\n\n" + strings.Join(codes, "\n") + "\n"))
}

func all(ss []string, ok func(string) bool) bool {
	for _, s := range ss {
		if !ok(s) {
			return false
		}
	}
	return true
}

// Page implements account.Placed.
func (*Section) Page() account.Page { return account.PageSecurity }

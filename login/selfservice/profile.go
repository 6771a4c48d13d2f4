package selfservice

import (
	"context"
	"errors"
	"net/http"
	netmail "net/mail"
	"strings"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"
	"golang.org/x/text/language"

	"github.com/admit-idp/admit/login/account"
	"github.com/admit-idp/admit/login/mail"
	"github.com/admit-idp/admit/login/password"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
)

// ProfileSection edits names, phone and locale, and starts an e-mail
// change (confirmed at the new address before it takes effect).
type ProfileSection struct{ *Service }

var _ account.Section = ProfileSection{}

// Mount implements account.Section.
func (p ProfileSection) Mount(r chi.Router) {
	r.Post("/profile", p.save)
	r.Get("/email", p.emailPage)
	r.Post("/email", p.changeEmail)
}

// Section implements account.Section.
func (p ProfileSection) Section(ctx context.Context, u storage.User, _ storage.Session, csrf string) templ.Component {
	prof, _ := p.Store.GetProfile(ctx, u.ID)
	v := p.profileView(prof, nil)
	v.CSRFToken = csrf
	e := p.emailView(u, "")
	e.CSRFToken = csrf
	return templ.Join(sectionTitle("Profile"), templates.Form(v), templates.Form(e))
}

func (p ProfileSection) profileView(prof storage.Profile, errs map[string]string) templates.FormView {
	v := templates.FormView{
		Action: "/account/profile", Submit: "Save profile", TestID: "profile-form",
		Fields: []templates.Field{
			{Name: "given_name", Label: "First name", Type: "text", Value: prof.GivenName, Autocomplete: "given-name", Required: true, Error: errs["given_name"]},
			{Name: "family_name", Label: "Last name", Type: "text", Value: prof.FamilyName, Autocomplete: "family-name", Required: true, Error: errs["family_name"]},
			{Name: "phone", Label: "Phone (optional)", Type: "tel", Value: prof.Phone, Autocomplete: "tel", Error: errs["phone"], Hint: "International format, e.g. +44 20 7946 0000."},
			{Name: "locale", Label: "Language (optional)", Type: "text", Value: prof.Locale, Error: errs["locale"], Hint: "A language tag such as en, en-GB or de."},
		},
	}
	if len(errs) > 0 {
		v.Error = "Please correct the highlighted fields."
	}
	return v
}

func readProfile(r *http.Request) (storage.Profile, map[string]string) {
	p := storage.Profile{
		GivenName: strings.TrimSpace(r.PostFormValue("given_name")), FamilyName: strings.TrimSpace(r.PostFormValue("family_name")),
		Phone: normalisePhone(strings.TrimSpace(r.PostFormValue("phone"))), Locale: strings.TrimSpace(r.PostFormValue("locale")),
	}
	errs := map[string]string{}
	checkPersonal(r.Context(), errs, p.GivenName, p.FamilyName, p.Phone)
	if p.Locale != "" {
		if tag, err := language.Parse(p.Locale); err != nil {
			errs["locale"] = "Enter a language tag such as en, en-GB or de."
		} else {
			p.Locale = tag.String()
		}
	}
	return p, errs
}

// begin checks the session and CSRF token of an account-area POST.
func (s *Service) begin(w http.ResponseWriter, r *http.Request) (storage.User, storage.Session, bool) {
	u, sess, ok := s.Area.Current(w, r)
	if !ok {
		return storage.User{}, storage.Session{}, false
	}
	if !s.Cookies.CheckCSRF(r) {
		s.Engine.ErrorPage(w, r, http.StatusForbidden, "Your session has expired", "Reload the page and try again.")
		return storage.User{}, storage.Session{}, false
	}
	return u, sess, true
}

func (p ProfileSection) save(w http.ResponseWriter, r *http.Request) {
	u, _, ok := p.begin(w, r)
	if !ok {
		return
	}
	prof, errs := readProfile(r)
	if len(errs) > 0 {
		v := p.profileView(prof, errs)
		v.Title = "Edit your profile"
		p.form(w, r, http.StatusBadRequest, v)
		return
	}
	if err := p.Store.UpdateProfile(r.Context(), u.ID, prof, p.Now()); err != nil {
		p.Engine.Unavailable(w, r, err)
		return
	}
	p.audit(r.Context(), "profile_updated", u.ID)
	p.Engine.RedirectWithNotice(w, r, "/account", "Your profile was saved.")
}

func (p ProfileSection) emailView(u storage.User, value string) templates.FormView {
	status := "not confirmed yet"
	if u.EmailVerified {
		status = "confirmed"
	}
	return templates.FormView{
		Action: "/account/email", Submit: "Change e-mail", TestID: "email-form",
		Intro:  "Your e-mail address is " + u.Email + " (" + status + "). A new address must be confirmed before it is used.",
		Fields: []templates.Field{{Name: "email", Label: "New e-mail address", Type: "email", Value: value, Autocomplete: "email", Required: true}},
	}
}

func (p ProfileSection) emailPage(w http.ResponseWriter, r *http.Request) {
	u, _, ok := p.Area.Current(w, r)
	if ok {
		v := p.emailView(u, "")
		v.Title = "Change your e-mail address"
		p.form(w, r, http.StatusOK, v)
	}
}

// changeEmail mails a confirmation link to the new address and a notice to
// the old one. Whether the new address is taken is only checked when the
// link is used, so this form does not tell who has an account.
func (p ProfileSection) changeEmail(w http.ResponseWriter, r *http.Request) {
	u, sess, ok := p.begin(w, r)
	if !ok || !p.Area.RequireRecentLogin(w, r, sess, "/account/email") {
		return
	}
	to := password.NormaliseEmail(r.PostFormValue("email"))
	if a, err := netmail.ParseAddress(to); err != nil || a.Address != to || to == u.Email {
		v := p.emailView(u, to)
		v.Title, v.Error = "Change your e-mail address", "Enter a valid e-mail address different from your current one."
		p.form(w, r, http.StatusBadRequest, v)
		return
	}
	err := p.startEmailChange(r.Context(), u, to)
	if errors.Is(err, mail.ErrUnavailable) {
		p.message(w, r, http.StatusServiceUnavailable, couldNotSend("/account/email"))
		return
	}
	if err != nil {
		p.Engine.Unavailable(w, r, err)
		return
	}
	p.Engine.RedirectWithNotice(w, r, "/account", "We sent a confirmation link to your new address.")
}

func (p ProfileSection) startEmailChange(ctx context.Context, u storage.User, to string) error {
	if !p.Mail.Ready() {
		return mail.ErrUnavailable
	}
	tok, err := p.issueToken(ctx, storage.PurposeChangeEmail, u, to, "", p.Settings.VerifyTTL)
	if err != nil {
		return err
	}
	if err := p.send(ctx, to, changeEmailMail(ctx, u, to, p.link("/login/confirm-email", tok))); err != nil {
		return err
	}
	p.notify(ctx, u.Email, emailChangeRequestedMail(ctx, u, to))
	p.audit(ctx, "email_change_requested", u.ID)
	return nil
}

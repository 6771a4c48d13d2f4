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
	"github.com/admit-idp/admit/templates/i18n"
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

// Section implements account.Section: the name, phone and language form,
// then the e-mail address. After a failed save the form comes back as the
// user left it (account.InlineForm).
func (p ProfileSection) Section(ctx context.Context, u storage.User, _ storage.Session, csrf string) templ.Component {
	v, ok := account.InlineForm(ctx, "profile-form")
	if !ok {
		prof, _ := p.Store.GetProfile(ctx, u.ID)
		v = p.profileView(ctx, prof, nil)
	}
	v.CSRFToken = csrf
	e, ok := account.InlineForm(ctx, "email-form")
	if !ok {
		e = p.emailView(ctx, u, "")
	}
	e.CSRFToken = csrf
	return templ.Join(sectionTitle(i18n.T(ctx, "account.profile.title")), templates.Form(v),
		sectionTitle(i18n.T(ctx, "account.email.title")), templates.Form(e))
}

// Page implements account.Placed.
func (ProfileSection) Page() account.Page { return account.PageProfile }

// languageOptions are the languages Admit ships, each named in itself,
// after "the browser's language" (no saved preference).
func languageOptions(ctx context.Context) []templates.Option {
	opts := []templates.Option{{Value: "", Label: i18n.T(ctx, "account.profile.language_auto")}}
	for _, t := range i18n.Supported {
		l := i18n.ForTag(t)
		opts = append(opts, templates.Option{Value: l.Lang(), Label: l.T("account.language.self"), Lang: l.Lang()})
	}
	return opts
}

func (p ProfileSection) profileView(ctx context.Context, prof storage.Profile, errs map[string]string) templates.FormView {
	v := templates.FormView{
		Action: "/account/profile", Submit: i18n.T(ctx, "account.profile.save"), TestID: "profile-form",
		Fields: []templates.Field{
			{Name: "given_name", Label: i18n.T(ctx, "account.profile.given_name"), Type: "text", Value: prof.GivenName, Autocomplete: "given-name", Required: true, Error: errs["given_name"]},
			{Name: "family_name", Label: i18n.T(ctx, "account.profile.family_name"), Type: "text", Value: prof.FamilyName, Autocomplete: "family-name", Required: true, Error: errs["family_name"]},
			{Name: "phone", Label: i18n.T(ctx, "account.profile.phone"), Type: "tel", Value: prof.Phone, Autocomplete: "tel", Error: errs["phone"], Hint: i18n.T(ctx, "account.profile.phone_hint")},
			{Name: "locale", Label: i18n.T(ctx, "account.profile.language"), Type: "select", Value: prof.Locale, Error: errs["locale"],
				Hint: i18n.T(ctx, "account.profile.language_hint"), Options: languageOptions(ctx)},
		},
	}
	if len(errs) > 0 {
		v.Error = i18n.T(ctx, "account.form.problem")
	}
	return v
}

// readProfile reads the profile form. On a problem the returned profile
// holds what was typed (the phone as entered, not normalised), to be shown
// again.
func readProfile(r *http.Request) (storage.Profile, map[string]string) {
	ctx := r.Context()
	typedPhone := strings.TrimSpace(r.PostFormValue("phone"))
	p := storage.Profile{
		GivenName: strings.TrimSpace(r.PostFormValue("given_name")), FamilyName: strings.TrimSpace(r.PostFormValue("family_name")),
		Phone: normalisePhone(typedPhone), Locale: strings.TrimSpace(r.PostFormValue("locale")),
	}
	errs := map[string]string{}
	checkPersonal(ctx, errs, p.GivenName, p.FamilyName, p.Phone)
	if p.Locale != "" {
		if tag, err := language.Parse(p.Locale); err != nil || !supported(tag) {
			errs["locale"] = i18n.T(ctx, "account.profile.language_invalid")
		} else {
			p.Locale = tag.String()
		}
	}
	if errs["phone"] != "" {
		p.Phone = typedPhone
	}
	return p, errs
}

// supported reports whether tag is one of the languages Admit ships.
func supported(tag language.Tag) bool {
	for _, t := range i18n.Supported {
		if t == tag {
			return true
		}
	}
	return false
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
		p.Area.ShowForm(w, r, http.StatusBadRequest, account.PageProfile, p.profileView(r.Context(), prof, errs))
		return
	}
	if err := p.Store.UpdateProfile(r.Context(), u.ID, prof, p.Now()); err != nil {
		p.Engine.Unavailable(w, r, err)
		return
	}
	p.audit(r.Context(), "profile_updated", u.ID)
	p.Engine.RedirectWithNotice(w, r, account.PageProfile.URL(), i18n.T(r.Context(), "account.profile.saved"))
}

// emailView is the e-mail form. An account without an address (signed up
// with a wallet or a passkey) is offered to add one, not told about a
// blank one.
func (p ProfileSection) emailView(ctx context.Context, u storage.User, value string) templates.FormView {
	v := templates.FormView{
		Action: "/account/email", TestID: "email-form",
		Fields: []templates.Field{{Name: "email", Label: i18n.T(ctx, "account.email.new"), Type: "email", Value: value, Autocomplete: "email", Required: true}},
	}
	switch {
	case u.Email == "":
		v.Intro, v.Submit = i18n.T(ctx, "account.email.none"), i18n.T(ctx, "account.email.add")
		v.Fields[0].Label = i18n.T(ctx, "account.email.address")
	case u.EmailVerified:
		v.Intro, v.Submit = i18n.T(ctx, "account.email.confirmed", "Email", u.Email), i18n.T(ctx, "account.email.change")
	default:
		v.Intro, v.Submit = i18n.T(ctx, "account.email.unconfirmed", "Email", u.Email), i18n.T(ctx, "account.email.change")
	}
	return v
}

func (p ProfileSection) emailPage(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, account.PageProfile.URL()+"#email-form", http.StatusSeeOther)
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
		v := p.emailView(r.Context(), u, r.PostFormValue("email"))
		v.Error = i18n.T(r.Context(), "account.form.problem")
		v.Fields[0].Error = i18n.T(r.Context(), "account.email.invalid")
		p.Area.ShowForm(w, r, http.StatusBadRequest, account.PageProfile, v)
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
	p.Engine.RedirectWithNotice(w, r, account.PageProfile.URL(), i18n.T(r.Context(), "account.email.sent"))
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

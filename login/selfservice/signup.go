package selfservice

import (
	"context"
	"errors"
	"net/http"
	netmail "net/mail"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/mail"
	"github.com/admit-idp/admit/login/password"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
	"github.com/admit-idp/admit/templates/i18n"
)

// Method is the accounts part of the login pages: sign-up, e-mail
// verification, resend, forgot and reset password. Its Option is the row of
// links under the password form.
type Method struct{ *Service }

var _ login.Method = Method{}

// Mount implements login.Method.
func (m Method) Mount(r chi.Router) {
	r.Get("/password-rules", m.Policy.ServeRules)
	r.Get("/signup", m.signupPage)
	r.Post("/signup", m.signup)
	r.Get("/continue", m.continuePage)
	r.Get("/verify", m.confirmPage(storage.PurposeVerifyEmail))
	r.Post("/verify", m.verify)
	r.Get("/confirm-email", m.confirmPage(storage.PurposeChangeEmail))
	r.Post("/confirm-email", m.confirmEmailChange)
	r.Get("/resend", m.resendPage)
	r.Post("/resend", m.resend)
	r.Get("/forgot", m.forgotPage)
	r.Post("/forgot", m.forgot)
	r.Get("/reset", m.resetPage)
	r.Post("/reset", m.reset)
}

// Option implements login.Method: the account links of the login page.
func (m Method) Option(f *login.Flow, _ string) templ.Component {
	q := "?flow=" + f.ID
	var links []templates.Link
	if m.signUpOpen(f) {
		links = append(links, templates.Link{Href: "/login/signup" + q, Label: "login.signup", TestID: "signup"})
	}
	links = append(links,
		templates.Link{Href: "/login/forgot" + q, Label: "signup.forgot_link", TestID: "forgot"},
		templates.Link{Href: "/login/resend" + q, Label: "signup.resend_link", TestID: "resend"})
	return templates.AccountLinks(links)
}

// signupInput is what the sign-up form posts (the password is never
// echoed back).
type signupInput struct {
	Email, Password, GivenName, FamilyName, Phone string
}

func readSignup(r *http.Request) signupInput {
	return signupInput{
		Email: password.NormaliseEmail(r.PostFormValue("email")), Password: r.PostFormValue("password"),
		GivenName: strings.TrimSpace(r.PostFormValue("given_name")), FamilyName: strings.TrimSpace(r.PostFormValue("family_name")),
		Phone: normalisePhone(strings.TrimSpace(r.PostFormValue("phone"))),
	}
}

// maxNameRunes bounds names: they travel in every id token and userinfo
// answer.
const maxNameRunes = 100

// checkPersonal validates the names and phone the sign-up and profile forms
// share, adding a problem per field to errs.
func checkPersonal(ctx context.Context, errs map[string]string, given, family, phone string) {
	for field, v := range map[string]string{"given_name": given, "family_name": family} {
		switch {
		case v == "" && field == "given_name":
			errs[field] = i18n.T(ctx, "account.profile.given_name_missing")
		case v == "":
			errs[field] = i18n.T(ctx, "account.profile.family_name_missing")
		case utf8.RuneCountInString(v) > maxNameRunes:
			errs[field] = i18n.T(ctx, "account.profile.name_too_long", "Max", maxNameRunes)
		}
	}
	if phone != "" && !e164.MatchString(phone) {
		errs["phone"] = i18n.T(ctx, "account.profile.phone_invalid")
	}
}

// validate returns a problem per field name; empty when all is well.
func (m Method) validate(ctx context.Context, in signupInput) map[string]string {
	errs := map[string]string{}
	if a, err := netmail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
		errs["email"] = "signup.err.email"
	}
	checkPersonal(ctx, errs, in.GivenName, in.FamilyName, in.Phone)
	if p := m.Policy.CheckIn(ctx, in.Password, in.Email); p != "" {
		errs["password"] = p
	}
	return errs
}

func (m Method) signupView(f *login.Flow, in signupInput, errs map[string]string, w http.ResponseWriter, r *http.Request) templates.FormView {
	v := templates.FormView{
		Title: "signup.title", Intro: signupIntro(r.Context(), f.ClientName()),
		Action: "/login/signup", Hidden: map[string]string{"flow": f.ID}, Submit: "signup.submit", TestID: "signup-form",
		MinLength: m.Policy.MinLength, MaxLength: m.Policy.MaxLength,
		Fields: []templates.Field{
			{Name: "email", Label: "login.email", Type: "email", Value: in.Email, Autocomplete: "email", Required: true, Error: errs["email"]},
			{Name: "given_name", Label: "signup.given_name", Type: "text", Value: in.GivenName, Autocomplete: "given-name", Required: true, Error: errs["given_name"]},
			{Name: "family_name", Label: "signup.family_name", Type: "text", Value: in.FamilyName, Autocomplete: "family-name", Required: true, Error: errs["family_name"]},
			{Name: "phone", Label: "signup.phone", Type: "tel", Value: in.Phone, Autocomplete: "tel", Error: errs["phone"], Hint: "signup.phone_hint"},
			{Name: "password", Label: "login.password", Type: "password", Autocomplete: "new-password", Required: true, Policy: true, Error: errs["password"],
				Hint: i18n.T(r.Context(), "signup.password_hint", "Min", m.Policy.MinLength)},
		},
		Links: []templates.Link{{Href: "/login/continue?flow=" + f.ID, Label: "signup.have_account", TestID: "signin"}},
		Extra: m.widget(w, r, "signup"),
	}
	if len(errs) > 0 {
		v.Error = "signup.err.correct"
	}
	return v
}

func (m Method) signupPage(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("flow") == "" {
		// Opened directly (a bookmark, a typed address): no sign-in is
		// under way, so nothing has expired. The account area starts one,
		// and its sign-in page offers "Create an account".
		to := "/account"
		if t := r.URL.Query().Get("tenant"); t != "" {
			to += "?" + url.Values{"tenant": {t}}.Encode()
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	f, ok := m.Engine.FlowByID(w, r, r.URL.Query().Get("flow"))
	if !ok {
		return
	}
	if !m.signUpOpen(f) {
		m.Engine.ErrorPage(w, r, http.StatusNotFound, "signup.closed.title", "signup.closed.message")
		return
	}
	m.form(w, r, http.StatusOK, m.signupView(f, signupInput{}, nil, w, r))
}

// signup answers a valid form after the same fixed minimum time
// (Settings.ForgotFloor) whether the address was new or taken: creating an
// account costs more than mailing its owner, and the difference would tell
// which addresses have accounts.
func (m Method) signup(w http.ResponseWriter, r *http.Request) {
	start := time.Now() // wall time: the floor is about what a client measures
	f, ok := m.Engine.LoadFlow(w, r)
	if !ok || !m.guard(w, r, "signup") {
		return
	}
	if !m.signUpOpen(f) {
		m.Engine.ErrorPage(w, r, http.StatusNotFound, "signup.closed.title", "signup.closed.message")
		return
	}
	in := readSignup(r)
	if errs := m.validate(r.Context(), in); len(errs) > 0 {
		m.form(w, r, http.StatusBadRequest, m.signupView(f, in, errs, w, r))
		return
	}
	err := m.register(r.Context(), f, in)
	m.waitFloor(r.Context(), start)
	switch {
	case errors.Is(err, mail.ErrUnavailable):
		m.message(w, r, http.StatusServiceUnavailable, couldNotSend("/login/resend?flow="+f.ID))
	case err != nil:
		m.Engine.Unavailable(w, r, err)
	default:
		m.message(w, r, http.StatusOK, checkInbox(r.Context(), f.ID, in.Email))
	}
}

// register creates the account and mails the link. A taken (or recently
// deleted) address gets the same answer as a new one: the existing owner
// is told by e-mail instead, so the form reveals nothing. The password is
// hashed on every path so the timing matches too.
func (m Method) register(ctx context.Context, f *login.Flow, in signupInput) error {
	hash, err := m.Hasher.Hash(in.Password)
	if err != nil {
		return err
	}
	if !m.Mail.Ready() {
		return mail.ErrUnavailable
	}
	existing, err := m.Store.GetUserByEmail(ctx, f.TenantID, in.Email)
	if err == nil {
		m.audit(ctx, "signup_duplicate", existing.ID)
		return m.send(ctx, existing.Email, signupAttemptMail(ctx, existing, m.BaseURL+m.forgotPath(ctx, existing.TenantID)))
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	held, err := m.Store.EmailHeld(ctx, f.TenantID, in.Email, m.Now().Add(-m.Settings.EmailHold))
	if err != nil || held {
		return err
	}
	u, err := m.create(ctx, f.TenantID, in, hash)
	if errors.Is(err, storage.ErrAlreadyExists) {
		return nil // a concurrent sign-up won the address: same answer
	}
	if err != nil {
		return err
	}
	m.audit(ctx, "signup", u.ID)
	return m.sendVerification(ctx, u, f.ID)
}

func (m Method) create(ctx context.Context, tenantID string, in signupInput, hash string) (storage.User, error) {
	now := m.Now()
	u := storage.User{ID: uuid.NewString(), TenantID: tenantID, Email: in.Email, PasswordHash: hash,
		GivenName: in.GivenName, FamilyName: in.FamilyName, CreatedAt: now, UpdatedAt: now}
	if err := m.Store.CreateUser(ctx, u); err != nil {
		return storage.User{}, err
	}
	if in.Phone == "" {
		return u, nil
	}
	p := storage.Profile{GivenName: u.GivenName, FamilyName: u.FamilyName, Phone: in.Phone}
	return u, m.Store.UpdateProfile(ctx, u.ID, p, now)
}

func (s *Service) sendVerification(ctx context.Context, u storage.User, flowID string) error {
	tok, err := s.issueToken(ctx, storage.PurposeVerifyEmail, u, u.Email, flowID, s.Settings.VerifyTTL)
	if err != nil {
		return err
	}
	return s.send(ctx, u.Email, verifyMail(ctx, u, s.link("/login/verify", tok)))
}

// signupIntro names the application the account is for, when there is one.
func signupIntro(ctx context.Context, client string) string {
	if client == "" {
		return "signup.intro"
	}
	return i18n.T(ctx, "signup.intro_client", "Client", client)
}

func checkInbox(ctx context.Context, flowID, email string) templates.FormView {
	return templates.FormView{
		Title: "signup.inbox.title", TestID: "check-inbox",
		Notice: i18n.T(ctx, "signup.inbox.sent", "Email", email),
		Intro:  "signup.inbox.nothing",
		Links: []templates.Link{
			{Href: "/login/continue?flow=" + flowID, Label: "signup.continue_sign_in", TestID: "continue"},
			{Href: "/login/resend?flow=" + flowID, Label: "signup.send_again", TestID: "resend"},
		},
	}
}

// couldNotSend says the mail could not be sent and links to try again.
func couldNotSend(retry string) templates.FormView {
	return templates.FormView{
		Title: "signup.mail_down.title", TestID: "mail-unavailable",
		Error: "signup.mail_down.message",
		Links: []templates.Link{{Href: retry, Label: "signup.try_again", TestID: "retry"}},
	}
}

// continuePage shows the login page of a flow again (after sign-up or a
// confirmed address), prefilled with the address when given.
func (m Method) continuePage(w http.ResponseWriter, r *http.Request) {
	f, ok := m.Engine.FlowByID(w, r, r.URL.Query().Get("flow"))
	if ok {
		m.Engine.RenderLogin(w, r, f, http.StatusOK, password.NormaliseEmail(r.URL.Query().Get("email")), "")
	}
}

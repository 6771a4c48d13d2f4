package selfservice

import (
	"context"
	"time"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
	"github.com/admit-idp/admit/templates/i18n"
)

// Every mail is written in the recipient's language: their saved
// preference, else the language of the page that caused it (the request's
// locale in ctx: the flow's ui_locales, Accept-Language…). mailText
// returns the translator and MailView.Locale carries the choice to
// mail.Render, so the frame (lang, dir, the copy-the-link line) matches.

// mailText is the locale a mail to u is written in.
func mailText(ctx context.Context, u storage.User) *i18n.Locale {
	return i18n.From(login.UserLocale(ctx, u))
}

func greeting(l *i18n.Locale, u storage.User) string {
	if u.GivenName != "" {
		return l.T("mail.greeting_name", "Name", u.GivenName)
	}
	return l.T("mail.greeting")
}

func verifyMail(ctx context.Context, u storage.User, link string) templates.MailView {
	l := mailText(ctx, u)
	return templates.MailView{
		Locale:  l,
		Subject: l.T("mail.verify.subject"), Greeting: greeting(l, u),
		Lines:     []string{l.T("mail.verify.line", "Email", u.Email)},
		ActionURL: link, ActionLabel: l.T("mail.verify.action"),
		After: []string{l.T("mail.link_24h"), l.T("mail.not_you")},
	}
}

// signupAttemptMail tells the owner of an address that someone tried to
// sign up with it; its link is the password reset page (forgotURL).
func signupAttemptMail(ctx context.Context, u storage.User, forgotURL string) templates.MailView {
	l := mailText(ctx, u)
	return templates.MailView{
		Locale:  l,
		Subject: l.T("mail.signup_attempt.subject"), Greeting: greeting(l, u),
		Lines:     []string{l.T("mail.signup_attempt.line", "Email", u.Email)},
		ActionURL: forgotURL, ActionLabel: l.T("mail.signup_attempt.action"),
		After: []string{l.T("mail.not_you")},
	}
}

func resetMail(ctx context.Context, u storage.User, link string) templates.MailView {
	l := mailText(ctx, u)
	return templates.MailView{
		Locale:  l,
		Subject: l.T("mail.reset.subject"), Greeting: greeting(l, u),
		Lines:     []string{l.T("mail.reset.line")},
		ActionURL: link, ActionLabel: l.T("mail.reset.action"),
		After: []string{l.T("mail.link_1h"), l.T("mail.reset.not_asked")},
	}
}

func passwordChangedMail(ctx context.Context, u storage.User) templates.MailView {
	l := mailText(ctx, u)
	return templates.MailView{
		Locale:  l,
		Subject: l.T("mail.password_changed.subject"), Greeting: greeting(l, u),
		Lines: []string{l.T("mail.password_changed.line")},
		After: []string{l.T("mail.password_changed.not_you")},
	}
}

func changeEmailMail(ctx context.Context, u storage.User, to, link string) templates.MailView {
	l := mailText(ctx, u)
	return templates.MailView{
		Locale:  l,
		Subject: l.T("mail.change_email.subject"), Greeting: greeting(l, u),
		Lines:     []string{l.T("mail.change_email.line", "Email", to)},
		ActionURL: link, ActionLabel: l.T("mail.change_email.action"),
		After: []string{l.T("mail.link_24h"), l.T("mail.not_you")},
	}
}

func emailChangeRequestedMail(ctx context.Context, u storage.User, to string) templates.MailView {
	l := mailText(ctx, u)
	return templates.MailView{
		Locale:  l,
		Subject: l.T("mail.email_changing.subject"), Greeting: greeting(l, u),
		Lines: []string{l.T("mail.email_changing.line", "Email", to)},
		After: []string{l.T("mail.change_password_now")},
	}
}

func deletedMail(ctx context.Context, u storage.User) templates.MailView {
	l := mailText(ctx, u)
	return templates.MailView{
		Locale:  l,
		Subject: l.T("mail.deleted.subject"), Greeting: greeting(l, u),
		Lines: []string{l.T("mail.deleted.line")},
	}
}

// NotifyMethodAdded e-mails the user that a sign-in method was added to
// their account (best effort: a failure is logged by the queue). A method
// added within a minute of the account's creation is part of signing up,
// not an addition, and gets no notice. method is one of the Method*
// message ids; detail fills its {{.Detail}} (a wallet address, a provider).
func (s *Service) NotifyMethodAdded(ctx context.Context, userID, method, detail string) {
	u, err := s.Store.GetUser(ctx, userID)
	if err != nil {
		s.Logger.WarnContext(ctx, "accounts: sign-in method notice", "user_id", userID, "error", err)
		return
	}
	if s.Now().Sub(u.CreatedAt) < time.Minute {
		return
	}
	s.notify(ctx, u.Email, SignInMethodAddedMail(ctx, u, method, detail))
}

// The sign-in methods NotifyMethodAdded names (message ids).
const (
	MethodTOTP     = "mail.method.totp"
	MethodPasskey  = "mail.method.passkey"
	MethodWallet   = "mail.method.wallet"   // Detail: the address
	MethodProvider = "mail.method.provider" // Detail: the provider
)

// SignInMethodAddedMail is the notice other packages (TOTP, passkeys,
// wallets, linked providers) send when a sign-in method is added.
func SignInMethodAddedMail(ctx context.Context, u storage.User, method, detail string) templates.MailView {
	l := mailText(ctx, u)
	return templates.MailView{
		Locale:  l,
		Subject: l.T("mail.method_added.subject"), Greeting: greeting(l, u),
		Lines: []string{l.T("mail.method_added.line", "Method", l.T(method, "Detail", detail))},
		After: []string{l.T("mail.method_added.not_you")},
	}
}

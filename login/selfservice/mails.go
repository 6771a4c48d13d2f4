package selfservice

import (
	"context"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
	"time"
)

func greeting(u storage.User) string {
	if u.GivenName != "" {
		return "Hello " + u.GivenName + ","
	}
	return "Hello,"
}

const notYou = "If this wasn't you, you can ignore this e-mail."

func verifyMail(u storage.User, link string) templates.MailView {
	return templates.MailView{
		Subject: "Confirm your e-mail address", Greeting: greeting(u),
		Lines:     []string{"Confirm that " + u.Email + " is your e-mail address to finish setting up your Admit account."},
		ActionURL: link, ActionLabel: "Confirm your e-mail address",
		After: []string{"This link works once and expires in 24 hours.", notYou},
	}
}

func signupAttemptMail(u storage.User, forgotURL string) templates.MailView {
	return templates.MailView{
		Subject: "Someone tried to create an account with your address", Greeting: greeting(u),
		Lines: []string{"Someone tried to create a new Admit account with " + u.Email +
			", but you already have one. No new account was created."},
		ActionURL: forgotURL, ActionLabel: "Forgot your password? Reset it",
		After: []string{notYou},
	}
}

func resetMail(u storage.User, link string) templates.MailView {
	return templates.MailView{
		Subject: "Reset your password", Greeting: greeting(u),
		Lines:     []string{"We received a request to reset the password of your Admit account."},
		ActionURL: link, ActionLabel: "Choose a new password",
		After: []string{"This link works once and expires in 1 hour.",
			"If you did not ask for this, ignore this e-mail: your password stays the same."},
	}
}

func passwordChangedMail(u storage.User) templates.MailView {
	return templates.MailView{
		Subject: "Your password was changed", Greeting: greeting(u),
		Lines: []string{"The password of your Admit account was just changed, and you were signed out on your other devices."},
		After: []string{"If this wasn't you, reset your password right away with \"Forgot password\" on the sign-in page."},
	}
}

func changeEmailMail(u storage.User, to, link string) templates.MailView {
	return templates.MailView{
		Subject: "Confirm your new e-mail address", Greeting: greeting(u),
		Lines:     []string{"Confirm that " + to + " is your new e-mail address for your Admit account."},
		ActionURL: link, ActionLabel: "Confirm the new address",
		After: []string{"This link works once and expires in 24 hours.", notYou},
	}
}

func emailChangeRequestedMail(u storage.User, to string) templates.MailView {
	return templates.MailView{
		Subject: "Your e-mail address is being changed", Greeting: greeting(u),
		Lines: []string{"Someone signed in to your Admit account asked to change its e-mail address to " + to +
			". The change happens once the new address is confirmed."},
		After: []string{"If this wasn't you, change your password now."},
	}
}

func deletedMail(u storage.User) templates.MailView {
	return templates.MailView{
		Subject: "Your account was deleted", Greeting: greeting(u),
		Lines: []string{"Your Admit account was deleted and you were signed out everywhere."},
	}
}

// NotifyMethodAdded e-mails the user that a sign-in method was added to
// their account (best effort: a failure is logged by the queue). A method
// added within a minute of the account's creation is part of signing up,
// not an addition, and gets no notice.
func (s *Service) NotifyMethodAdded(ctx context.Context, userID, method string) {
	u, err := s.Store.GetUser(ctx, userID)
	if err != nil {
		s.Logger.WarnContext(ctx, "accounts: sign-in method notice", "user_id", userID, "error", err)
		return
	}
	if s.Now().Sub(u.CreatedAt) < time.Minute {
		return
	}
	s.notify(ctx, u.Email, SignInMethodAddedMail(u, method))
}

// SignInMethodAddedMail is the notice other packages (TOTP, passkeys,
// wallets, linked providers) send when a sign-in method is added.
func SignInMethodAddedMail(u storage.User, method string) templates.MailView {
	return templates.MailView{
		Subject: "A sign-in method was added to your account", Greeting: greeting(u),
		Lines: []string{method + " was added to your Admit account."},
		After: []string{"If this wasn't you, change your password and remove it from your account page."},
	}
}

package app

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/admit-idp/admit/login/account"
	"github.com/admit-idp/admit/login/mail"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
)

// mailNotifier sends the lockout notice through the accounts feature's
// mail queue (SMTP, or the development mailbox).
type mailNotifier struct {
	queue  interface{ Enqueue(mail.Message) error }
	now    func() time.Time
	issuer string // links in mails are absolute
}

// AccountLocked implements defence.Notifier.
func (n mailNotifier) AccountLocked(ctx context.Context, u storage.User, until time.Time, unlockURL string) error {
	minutes := int(math.Ceil(until.Sub(n.now()).Minutes()))
	v := templates.MailView{
		Subject:  "Sign-in to your account was paused",
		Greeting: "Hello,",
		Lines: []string{
			fmt.Sprintf("There were several failed attempts to sign in to your account with a password. For your security, password sign-in is paused for %d minutes.", minutes),
			"If this was you, you can lift the pause now:",
		},
		ActionURL: unlockURL, ActionLabel: "Unlock my account",
		After: []string{"If this was not you, nobody got in: your password was not accepted. Consider changing it, and turn on two-step verification."},
	}
	m, err := mail.Render(ctx, u.Email, v)
	if err != nil {
		return err
	}
	return n.queue.Enqueue(m)
}

// lockoutNotifier is the mail notifier when the accounts feature runs its
// mail queue, else nil (no e-mail; the lock still applies).
func (a *App) lockoutNotifier() *mailNotifier {
	if a.Accounts == nil || a.Accounts.Queue == nil {
		return nil
	}
	return &mailNotifier{queue: a.Accounts.Queue, now: a.Now, issuer: a.Config.Issuer}
}

// NewSignIn implements device.Notifier: the "new sign-in" notice.
func (n mailNotifier) NewSignIn(ctx context.Context, u storage.User, d storage.Device) error {
	v := templates.MailView{
		Subject:  "New sign-in to your account",
		Greeting: "Hello,",
		Lines: []string{
			"Your account was just signed in to from a device we have not seen before:",
			// The human name ("Chrome on Windows"), never the raw user agent.
			fmt.Sprintf("%s (network %s).", account.DeviceName(ctx, d.UserAgent, ""), d.IPPrefix),
		},
		ActionURL: n.issuer + account.PageDevices.URL(), ActionLabel: "Review your devices",
		After: []string{"If this was you, there is nothing to do. If not, change your password now and forget the device in your account."},
	}
	m, err := mail.Render(ctx, u.Email, v)
	if err != nil {
		return err
	}
	return n.queue.Enqueue(m)
}

package app

import (
	"context"
	"math"
	"time"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/account"
	"github.com/admit-idp/admit/login/mail"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
	"github.com/admit-idp/admit/templates/i18n"
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
	minutes := max(1, int(math.Ceil(until.Sub(n.now()).Minutes())))
	l := i18n.From(login.UserLocale(ctx, u))
	v := templates.MailView{
		Locale:   l,
		Subject:  l.T("mail.locked.subject"),
		Greeting: l.T("mail.greeting"),
		Lines: []string{
			l.T("mail.locked.line", "Duration", l.T("common.minutes", "Count", minutes)),
			l.T("mail.locked.if_you"),
		},
		ActionURL: unlockURL, ActionLabel: l.T("mail.locked.action"),
		After: []string{l.T("mail.locked.not_you")},
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
	lctx := login.UserLocale(ctx, u)
	l := i18n.From(lctx)
	v := templates.MailView{
		Locale:   l,
		Subject:  l.T("mail.new_sign_in.subject"),
		Greeting: l.T("mail.greeting"),
		Lines: []string{
			l.T("mail.new_sign_in.line"),
			// A device in words ("Chrome on Windows"), never the raw User-Agent (issue 17).
			l.T("mail.new_sign_in.device", "Device", account.DeviceName(lctx, d.UserAgent, ""), "Network", d.IPPrefix),
		},
		ActionURL: n.issuer + account.PageDevices.URL(), ActionLabel: l.T("mail.new_sign_in.review"),
		After: []string{l.T("mail.new_sign_in.not_you")},
	}
	m, err := mail.Render(ctx, u.Email, v)
	if err != nil {
		return err
	}
	return n.queue.Enqueue(m)
}

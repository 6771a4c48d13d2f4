package mail

import (
	"bytes"
	"context"
	"errors"
	"html"
	"regexp"
	"strings"

	"github.com/admit-idp/admit/templates"

	"github.com/admit-idp/admit/templates/i18n"
)

// ErrUnavailable: the message was not accepted (queue full or the mail
// server failing); the user should try again later.
var ErrUnavailable = errors.New("mail: cannot send e-mail right now")

// Message is one e-mail with an HTML and a plain-text alternative.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// Sender delivers one message (SMTP, or the development Mailbox).
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Render builds a message from the mail view: the same templ template
// data renders both parts, so they cannot drift apart.
func Render(ctx context.Context, to string, v templates.MailView) (Message, error) {
	if v.Locale != nil {
		ctx = i18n.WithLocale(ctx, v.Locale)
	}
	var h, t bytes.Buffer
	if err := templates.MailHTML(v).Render(ctx, &h); err != nil {
		return Message{}, err
	}
	if err := templates.MailText(v).Render(ctx, &t); err != nil {
		return Message{}, err
	}
	return Message{To: to, Subject: v.Subject, HTML: h.String(), Text: plain(t.String())}, nil
}

var blankLines = regexp.MustCompile(`\n{3,}`)

// plain undoes templ's HTML escaping of the text part (templ escapes
// everything it prints, but a text/plain part must show "&" as "&").
func plain(s string) string {
	s = html.UnescapeString(s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n")) + "\n"
}

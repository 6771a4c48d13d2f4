package mail

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/admit-idp/admit/templates"
)

// Mailbox is the development Sender: it keeps the last messages in memory
// and shows them at /dev/mailbox. It must never be mounted in production.
type Mailbox struct {
	Now func() time.Time
	mu  sync.Mutex
	box []templates.MailboxItem
}

// urlPattern finds the links of a text part, to make them clickable.
var urlPattern = regexp.MustCompile(`https?://\S+`)

// mailboxLimit bounds the development mailbox.
const mailboxLimit = 100

// Send implements Sender.
func (b *Mailbox) Send(_ context.Context, m Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.box = append(b.box, templates.MailboxItem{To: m.To, Subject: m.Subject, Text: m.Text, Links: urlPattern.FindAllString(m.Text, -1), At: b.Now()})
	if len(b.box) > mailboxLimit {
		b.box = b.box[len(b.box)-mailboxLimit:]
	}
	return nil
}

// Messages returns the kept messages, newest first.
func (b *Mailbox) Messages() []templates.MailboxItem {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := slices.Clone(b.box)
	slices.Reverse(out)
	return out
}

// ServeHTTP shows the mailbox.
func (b *Mailbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = templates.MailboxPage(b.Messages()).Render(r.Context(), w)
}

package templates

import (
	"github.com/a-h/templ"

	"github.com/admit-idp/admit/templates/i18n"
	"strconv"
	"strings"
	"time"
)

// MailView is one e-mail: both the HTML and the text part render from it.
type MailView struct {
	// Locale is the language the mail is written in; mail.Render renders
	// its frame (lang, dir, fixed lines) in it. nil: the context's.
	Locale      *i18n.Locale
	Subject     string
	Greeting    string   // "Hello Ada,"
	Lines       []string // paragraphs before the button
	ActionURL   string   // empty for no button
	ActionLabel string
	After       []string // paragraphs after the button (expiry, "not you?")
}

// MailboxItem is one message in the development mailbox.
type MailboxItem struct {
	To, Subject, Text string
	Links             []string
	At                time.Time
}

// Field is one input of an accounts form. Password fields never carry a
// Value.
type Field struct {
	Name, Label, Type, Value string
	Autocomplete             string
	Hint                     string // shown under the field
	Error                    string // per-field problem, shown under it
	Required                 bool
	// Policy marks a new-password field: static/password.js checks it as
	// the user types, with the server's rules (/login/password-rules).
	Policy bool
	// Options are the choices of a "select" field.
	Options []Option
}

// Option is one choice of a select field; Lang is the language the label
// is written in (a language's own name), empty for the page's.
type Option struct{ Value, Label, Lang string }

// fieldProblems are the fields with an error, for the error summary.
func fieldProblems(v FormView) []Field {
	var out []Field
	for _, f := range v.Fields {
		if f.Error != "" {
			out = append(out, f)
		}
	}
	return out
}

// fieldDescribedBy names the hint and the problem line of a field.
func fieldDescribedBy(v FormView, f Field) string {
	id := v.TestID + "-" + f.Name
	var ids []string
	if f.Hint != "" {
		ids = append(ids, id+"-hint")
	}
	if f.Policy || f.Error != "" { // the problem line is rendered
		ids = append(ids, id+"-problem")
	}
	return strings.Join(ids, " ")
}

// FormView is a form page or an inline account-area form.
type FormView struct {
	Title     string
	Intro     string
	Action    string
	CSRFToken string
	Hidden    map[string]string // extra hidden fields (flow, token)
	Fields    []Field
	Submit    string
	Danger    bool
	Error     string // form-level problem
	Notice    string // form-level confirmation
	Links     []Link
	TestID    string
	MinLength int // password policy for static/signup.js
	// Extra is rendered inside the form before the button (a captcha from
	// the defences' Guard); nil for none.
	Extra     templ.Component
	MaxLength int
}

// Link is a plain link under a form.
type Link struct{ Href, Label, TestID string }

// SessionItem is one active session in the account area.
type SessionItem struct {
	ID, Device, IP, LastSeen, SignedIn string
	Current                            bool
}

// AppItem is one client the user consented to.
type AppItem struct {
	ClientID, Name, Granted string
	// Scopes are what the app may see, in words (the consent page's
	// scope names), not the raw scope values.
	Scopes []string
}

// AccountListView is the sessions or apps section.
type AccountListView struct {
	CSRFToken string
	Sessions  []SessionItem
	Apps      []AppItem
	// Older links to the next page of sessions (empty: no more); Newest
	// back to the first (empty on the first page).
	Older, Newest string
}

func itoa(n int) string { return strconv.Itoa(n) }

package templates

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/admit-idp/admit/templates/i18n"
)

// accountArea are the development-only pages (the mailbox and the event
// log at /dev/events), English only like the admin console. Everything
// else under templates/, the account area included, is a hosted page or
// mail and must take its words from the catalogs.
var accountArea = map[string]bool{
	"MailboxPage": true, "DevEventsPage": true, // development mode only
}

// literalAllowed is text that is the same in every language.
var literalAllowed = map[string]bool{
	"XXXX-XXXX": true, // the device code's shape (RFC 8628 6.1)
}

var (
	templStart = regexp.MustCompile(`(?m)^templ (\w+)\(`)
	// Attributes a user reads or hears.
	visibleAttr = regexp.MustCompile(`\b(placeholder|aria-label|title|alt|aria-description)="([^"]*)"`)
)

// TestNoEnglishOutsideCatalog fails when a hosted page or mail template
// holds user-visible words of its own: a text node, a visible attribute or
// a component argument with letters that is not an expression. Words must
// come from the catalogs ({ t(ctx, "id") }).
func TestNoEnglishOutsideCatalog(t *testing.T) {
	files, err := filepath.Glob("*.templ")
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates: %v", err)
	}
	checked := 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for name, body := range components(string(src)) {
			if accountArea[name] {
				continue
			}
			checked++
			for _, p := range visibleWords(body) {
				t.Errorf("%s: %s shows %q outside the catalogs", file, name, p)
			}
		}
	}
	if checked < 20 {
		t.Fatalf("checked only %d components: the parser no longer finds them", checked)
	}
}

// TestNoEnglishOutsideCatalogCatches proves the scanner flags each kind of
// literal it is meant to.
func TestNoEnglishOutsideCatalogCatches(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`<h1>Sign in</h1>`, "Sign in"},
		{`<input placeholder="Your e-mail"/>`, "Your e-mail"},
		{`<nav aria-label="Account">`, "Account"},
		{`<img alt="QR code"/>`, "QR code"},
		{`@layout("Allow access") {`, "Allow access"},
		{`<p>{ t(ctx, "x") } and more</p>`, "and more"},
	} {
		got := visibleWords(tc.body)
		if len(got) != 1 || got[0] != tc.want {
			t.Errorf("visibleWords(%q) = %q, want [%q]", tc.body, got, tc.want)
		}
	}
	for _, ok := range []string{
		`<h1>{ t(ctx, "login.title") }</h1>`,
		`<input placeholder="XXXX-XXXX"/>`,
		`<p>{ v.Name }</p>`,
		`// A comment in English is not shown.`,
		`<input type="hidden" name="flow" value={ v.FlowID }/>`,
	} {
		if got := visibleWords(ok); len(got) != 0 {
			t.Errorf("visibleWords(%q) = %q, want none", ok, got)
		}
	}
}

// components splits a .templ file into its components' bodies.
func components(src string) map[string]string {
	out := map[string]string{}
	idx := templStart.FindAllStringSubmatchIndex(src, -1)
	for i, m := range idx {
		end := len(src)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		body := src[m[1]:end]
		if nl := strings.IndexByte(body, '\n'); nl >= 0 {
			body = body[nl+1:] // past the parameter list
		}
		out[src[m[2]:m[3]]] = body
	}
	return out
}

// visibleWords returns the literal words of a component body.
func visibleWords(body string) []string {
	var found []string
	add := func(v string) {
		v = strings.TrimSpace(v)
		if hasLetter(v) && !literalAllowed[v] {
			found = append(found, v)
		}
	}
	var markup []string
	for _, l := range strings.Split(body, "\n") {
		trim := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(trim, "//"):
			// a comment, never shown
		case strings.HasPrefix(trim, "@"):
			// A component call: a string literal argument is shown unless
			// it names a catalog message (t and text calls translate).
			call := dropTranslations(trim)
			for _, m := range stringLit.FindAllStringSubmatch(call, -1) {
				if !i18n.Has(m[1]) {
					add(m[1])
				}
			}
		case isStatement(trim):
			// Go control flow of the template
		default:
			markup = append(markup, l)
		}
	}
	s := stripExpressions(strings.Join(markup, "\n"))
	// Outside tags is text; inside, the attributes people read or hear.
	var text strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '<' && i+1 < len(s) && (s[i+1] == '/' || s[i+1] == '!' || unicode.IsLetter(rune(s[i+1]))) {
			j := tagEnd(s, i)
			for _, m := range visibleAttr.FindAllStringSubmatch(s[i:j], -1) {
				add(m[2])
			}
			text.WriteString("\n")
			i = j - 1
			continue
		}
		text.WriteByte(s[i])
	}
	for _, l := range strings.Split(text.String(), "\n") {
		add(l)
	}
	return found
}

var (
	translated = regexp.MustCompile(`\b(t|text)\(ctx,`)
	stringLit  = regexp.MustCompile(`"([^"]*)"`)
)

// dropTranslations removes the t(ctx, …) and text(ctx, …) calls of a line
// with all their arguments (a message id and its data names).
func dropTranslations(l string) string {
	for {
		loc := translated.FindStringIndex(l)
		if loc == nil {
			return l
		}
		depth, end := 1, len(l)
		for j := loc[1]; j < len(l); j++ {
			if l[j] == '(' {
				depth++
			} else if l[j] == ')' {
				if depth--; depth == 0 {
					end = j + 1
					break
				}
			}
		}
		l = l[:loc[0]] + l[end:]
	}
}

// tagEnd is the index after the '>' closing the tag that starts at i,
// skipping quoted attribute values.
func tagEnd(s string, i int) int {
	var q byte
	for j := i + 1; j < len(s); j++ {
		switch {
		case q != 0:
			if s[j] == q {
				q = 0
			}
		case s[j] == '"' || s[j] == '\'':
			q = s[j]
		case s[j] == '>':
			return j + 1
		}
	}
	return len(s)
}

// stripExpressions removes { … } expressions (balanced braces, skipping
// string literals inside them), and the `{` `}` of Go blocks.
func stripExpressions(s string) string {
	var b strings.Builder
	depth := 0
	inStr := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if depth > 0 {
			switch {
			case inStr != 0:
				if c == '\\' {
					i++
				} else if c == inStr {
					inStr = 0
				}
			case c == '"' || c == '`':
				inStr = c
			case c == '{':
				depth++
			case c == '}':
				depth--
			}
			continue
		}
		if c == '{' {
			// A Go block's brace ends its line ("if x {"): keep the line
			// structure, drop only the brace.
			if j := strings.IndexByte(s[i:], '\n'); j >= 0 && strings.TrimSpace(s[i+1:i+j]) == "" {
				continue
			}
			depth = 1
			b.WriteString(" ")
			continue
		}
		if c == '}' {
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isStatement(l string) bool {
	if l == "}" {
		return true
	}
	for _, p := range []string{"if ", "for ", "else", "} else", "switch ", "case ", "default:"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

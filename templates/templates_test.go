package templates

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
)

// render renders c and parses the result, failing the test on either error.
// It returns the raw HTML too, for assertions about escaping.
func render(t *testing.T, c templ.Component) (*goquery.Document, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	html := buf.String()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatalf("parse rendered HTML: %v", err)
	}
	return doc, html
}

// byTestID finds the elements with data-testid=id.
func byTestID(doc *goquery.Document, id string) *goquery.Selection {
	return doc.Find(`[data-testid="` + id + `"]`)
}

// one returns the single element with data-testid=id, failing otherwise.
func one(t *testing.T, doc *goquery.Document, id string) *goquery.Selection {
	t.Helper()
	s := byTestID(doc, id)
	if s.Length() != 1 {
		t.Fatalf("want exactly one [data-testid=%q], got %d", id, s.Length())
	}
	return s
}

func attr(t *testing.T, s *goquery.Selection, name string) string {
	t.Helper()
	v, ok := s.Attr(name)
	if !ok {
		t.Fatalf("attribute %q missing", name)
	}
	return v
}

func hiddenValue(t *testing.T, form *goquery.Selection, name string) string {
	t.Helper()
	in := form.Find(`input[type="hidden"][name="` + name + `"]`)
	if in.Length() != 1 {
		t.Fatalf("want one hidden input %q, got %d", name, in.Length())
	}
	return attr(t, in, "value")
}

func fullLoginView() LoginView {
	return LoginView{
		FlowID:     "flow-123",
		CSRFToken:  "csrf-456",
		ClientName: "Acme Notes",
		Email:      "ada@example.com",
		Error:      "That email and password don't match.",
		Methods:    []templ.Component{templ.Raw(`<button type="button" data-testid="passkey">Use a passkey</button>`)},
		SignUpURL:  "/signup",
		AccountURL: "/account",
	}
}

func TestLoginPageForm(t *testing.T) {
	doc, _ := render(t, LoginPage(fullLoginView()))

	form := one(t, doc, "login-form")
	if m := attr(t, form, "method"); m != "post" {
		t.Errorf("form method = %q, want post", m)
	}
	if a := attr(t, form, "action"); a != "/login/password" {
		t.Errorf("form action = %q, want /login/password", a)
	}
	if got := hiddenValue(t, form, "flow"); got != "flow-123" {
		t.Errorf("flow = %q", got)
	}
	if got := hiddenValue(t, form, "csrf_token"); got != "csrf-456" {
		t.Errorf("csrf_token = %q", got)
	}

	email := one(t, doc, "email")
	wantAttrs := map[string]string{"type": "email", "name": "email", "autocomplete": "username webauthn", "value": "ada@example.com"}
	for k, want := range wantAttrs {
		if got := attr(t, email, k); got != want {
			t.Errorf("email %s = %q, want %q", k, got, want)
		}
	}
	if _, ok := email.Attr("required"); !ok {
		t.Error("email is not required")
	}

	pw := one(t, doc, "password")
	for k, want := range map[string]string{"type": "password", "name": "password", "autocomplete": "current-password"} {
		if got := attr(t, pw, k); got != want {
			t.Errorf("password %s = %q, want %q", k, got, want)
		}
	}
	if _, ok := pw.Attr("value"); ok {
		t.Error("password input has a value attribute; a password must never be prefilled")
	}
	if _, ok := pw.Attr("required"); !ok {
		t.Error("password is not required")
	}
	if form.Find(`[data-testid="submit"][type="submit"]`).Length() != 1 {
		t.Error("submit button missing from the form")
	}
	if !strings.Contains(doc.Find("p.lead").Text(), "Sign in to continue to Acme Notes") {
		t.Errorf("subtitle = %q", doc.Find("p.lead").Text())
	}
}

func TestLoginPageAutofocus(t *testing.T) {
	tests := []struct {
		name, email, focused string
	}{
		{"empty email focuses email", "", "email"},
		{"prefilled email focuses password", "ada@example.com", "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, _ := render(t, LoginPage(LoginView{Email: tt.email}))
			focused := doc.Find("[autofocus]")
			if focused.Length() != 1 {
				t.Fatalf("want exactly one autofocus element, got %d", focused.Length())
			}
			if id, _ := focused.Attr("data-testid"); id != tt.focused {
				t.Errorf("autofocus on %q, want %q", id, tt.focused)
			}
		})
	}
}

func TestLoginPageErrorOnlyWhenSet(t *testing.T) {
	doc, _ := render(t, LoginPage(fullLoginView()))
	alert := one(t, doc, "error")
	if role := attr(t, alert, "role"); role != "alert" {
		t.Errorf("error role = %q, want alert", role)
	}
	if got := alert.Text(); got != "That email and password don't match." {
		t.Errorf("error text = %q", got)
	}
	alertID := attr(t, alert, "id")
	for _, field := range []string{"email", "password"} {
		if got := attr(t, one(t, doc, field), "aria-describedby"); got != alertID {
			t.Errorf("%s aria-describedby = %q, want %q", field, got, alertID)
		}
	}

	doc, _ = render(t, LoginPage(LoginView{FlowID: "f"}))
	if n := byTestID(doc, "error").Length(); n != 0 {
		t.Errorf("error alert rendered without an error (%d elements)", n)
	}
	if n := doc.Find("[role=alert], [aria-describedby], [aria-invalid]").Length(); n != 0 {
		t.Errorf("%d alert/describedby/invalid attributes rendered without an error", n)
	}
}

func TestLoginPageMethodsOnlyWhenPresent(t *testing.T) {
	doc, _ := render(t, LoginPage(fullLoginView()))
	methods := one(t, doc, "methods")
	if methods.Find(`[data-testid="passkey"]`).Length() != 1 {
		t.Error("method component not rendered inside the methods section")
	}

	doc, _ = render(t, LoginPage(LoginView{Methods: []templ.Component{}}))
	if n := byTestID(doc, "methods").Length(); n != 0 {
		t.Errorf("methods section rendered with no methods (%d elements)", n)
	}
}

func TestLoginPageLinks(t *testing.T) {
	doc, _ := render(t, LoginPage(fullLoginView()))
	if got := attr(t, one(t, doc, "signup"), "href"); got != "/signup" {
		t.Errorf("signup href = %q", got)
	}
	if got := attr(t, one(t, doc, "account"), "href"); got != "/account" {
		t.Errorf("account href = %q", got)
	}

	doc, _ = render(t, LoginPage(LoginView{}))
	if n := doc.Find("a").Length(); n != 0 {
		t.Errorf("links rendered without URLs (%d)", n)
	}

	// A javascript: URL must never become a clickable link.
	doc, _ = render(t, LoginPage(LoginView{SignUpURL: "javascript:alert(1)"}))
	if got := attr(t, one(t, doc, "signup"), "href"); strings.HasPrefix(got, "javascript:") {
		t.Errorf("signup href not sanitized: %q", got)
	}
}

func TestLoginPageLabelsBoundToInputs(t *testing.T) {
	doc, _ := render(t, LoginPage(fullLoginView()))
	doc.Find(`input:not([type="hidden"])`).Each(func(_ int, in *goquery.Selection) {
		id := attr(t, in, "id")
		if doc.Find(`label[for="`+id+`"]`).Length() != 1 {
			t.Errorf("input #%s has no label", id)
		}
	})
}

func TestValuesAreEscaped(t *testing.T) {
	const evil = `<script>alert("x")</script>`
	pages := map[string]templ.Component{
		"login":   LoginPage(LoginView{ClientName: evil, Email: evil, Error: evil, FlowID: evil}),
		"consent": ConsentPage(ConsentView{ClientName: evil, UserEmail: evil, Scopes: []ScopeItem{{Name: evil, Description: evil}}}),
		"error":   ErrorPage(ErrorView{Title: evil, Message: evil, RequestID: evil}),
		"message": MessagePage(MessageView{Title: evil, Message: evil}),
	}
	for name, page := range pages {
		t.Run(name, func(t *testing.T) {
			doc, html := render(t, page)
			// Same-origin scripts (src=/static/…) are the pages' own.
			if n := doc.Find("script:not([src^='/static/'])").Length(); n != 0 {
				t.Errorf("%d <script> elements: value was not escaped", n)
			}
			if !strings.Contains(html, "&lt;script&gt;") {
				t.Error("escaped form &lt;script&gt; not found in output")
			}
		})
	}
}

func TestConsentPage(t *testing.T) {
	doc, _ := render(t, ConsentPage(ConsentView{
		FlowID:     "flow-9",
		CSRFToken:  "csrf-9",
		ClientName: "Acme Notes",
		UserEmail:  "ada@example.com",
		Scopes: []ScopeItem{
			{Name: "openid", Description: "Confirm it's you"},
			{Name: "email", Description: "See your email address"},
		},
	}))

	form := one(t, doc, "consent-form")
	if m, a := attr(t, form, "method"), attr(t, form, "action"); m != "post" || a != "/login/consent" {
		t.Errorf("form method/action = %q %q", m, a)
	}
	if got := hiddenValue(t, form, "flow"); got != "flow-9" {
		t.Errorf("flow = %q", got)
	}
	if got := hiddenValue(t, form, "csrf_token"); got != "csrf-9" {
		t.Errorf("csrf_token = %q", got)
	}

	scopes := byTestID(doc, "scope")
	if scopes.Length() != 2 {
		t.Fatalf("want 2 scopes, got %d", scopes.Length())
	}
	if !scopes.Is("li") {
		t.Error("scopes are not list items")
	}
	for i, want := range []string{"openid", "See your email address"} {
		if got := scopes.Eq(i).Text(); !strings.Contains(got, want) {
			t.Errorf("scope %d = %q, want it to contain %q", i, got, want)
		}
	}

	for testID, want := range map[string]string{"allow": "allow", "deny": "deny"} {
		b := one(t, doc, testID)
		if !b.Is(`button[type="submit"][name="decision"]`) {
			t.Errorf("%s is not a submit button named decision", testID)
		}
		if got := attr(t, b, "value"); got != want {
			t.Errorf("%s value = %q, want %q", testID, got, want)
		}
		if b.ParentsFiltered(`[data-testid="consent-form"]`).Length() != 1 {
			t.Errorf("%s is outside the consent form", testID)
		}
	}
	if got := one(t, doc, "user-email").Text(); got != "ada@example.com" {
		t.Errorf("user email = %q", got)
	}
}

func TestErrorPage(t *testing.T) {
	doc, _ := render(t, ErrorPage(ErrorView{Status: 400, Title: "This link has expired", Message: "Go back to the app and try again.", RequestID: "req-abc"}))
	if got := one(t, doc, "error-title").Text(); got != "This link has expired" {
		t.Errorf("title = %q", got)
	}
	if got := one(t, doc, "error-message").Text(); got != "Go back to the app and try again." {
		t.Errorf("message = %q", got)
	}
	if got := one(t, doc, "request-id").Text(); got != "Reference: req-abc" {
		t.Errorf("request id = %q", got)
	}
	if got := doc.Find("title").Text(); got != "This link has expired · Admit" {
		t.Errorf("<title> = %q", got)
	}

	doc, _ = render(t, ErrorPage(ErrorView{Status: 500}))
	if got := one(t, doc, "error-title").Text(); got != "Something went wrong" {
		t.Errorf("fallback title = %q", got)
	}
	if n := byTestID(doc, "request-id").Length(); n != 0 {
		t.Error("reference shown without a request id")
	}
}

func TestMessagePage(t *testing.T) {
	doc, _ := render(t, MessagePage(MessageView{Title: "You are signed out", Message: "You can close this window."}))
	if got := one(t, doc, "message-title").Text(); got != "You are signed out" {
		t.Errorf("title = %q", got)
	}
	if got := doc.Find("title").Text(); got != "You are signed out · Admit" {
		t.Errorf("<title> = %q", got)
	}
	if !strings.Contains(doc.Find("main").Text(), "You can close this window.") {
		t.Error("message text missing")
	}
}

// TestPagesFollowCSPAndLayout guards the promises the strict CSP relies on:
// no inline script or style anywhere, and only the same-origin stylesheet.
func TestPagesFollowCSPAndLayout(t *testing.T) {
	pages := map[string]templ.Component{
		"login":   LoginPage(fullLoginView()),
		"consent": ConsentPage(ConsentView{Scopes: []ScopeItem{{Name: "openid"}}}),
		"error":   ErrorPage(ErrorView{Status: 404, RequestID: "r"}),
		"message": MessagePage(MessageView{Title: "Done"}),
	}
	for name, page := range pages {
		t.Run(name, func(t *testing.T) {
			doc, html := render(t, page)
			if !strings.HasPrefix(strings.ToLower(html), "<!doctype html>") {
				t.Error("missing <!doctype html>")
			}
			if lang, _ := doc.Find("html").Attr("lang"); lang != "en" {
				t.Errorf(`html lang = %q, want "en"`, lang)
			}
			if doc.Find(`meta[charset="utf-8"]`).Length() != 1 || doc.Find(`meta[name="viewport"]`).Length() != 1 {
				t.Error("charset or viewport meta missing")
			}
			if n := doc.Find("script:not([src]), style, [style]").Length(); n != 0 {
				t.Errorf("%d inline script/style elements or style attributes; the CSP would block them", n)
			}
			if n := doc.Find("[onclick], [onload], [onsubmit], [onerror]").Length(); n != 0 {
				t.Errorf("%d inline event handlers", n)
			}
			sheets := doc.Find(`link[rel="stylesheet"]`)
			if sheets.Length() != 1 || attr(t, sheets, "href") != "/static/admit.css" {
				t.Errorf("want one stylesheet /static/admit.css, got %d", sheets.Length())
			}
			if doc.Find("main").Length() != 1 || doc.Find("h1").Length() != 1 {
				t.Error("want one <main> and one <h1>")
			}
		})
	}
}

package templates

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/admit-idp/admit/templates/i18n"
)

// TestPagesSpeakTheLocale renders pages in English, German and Arabic and
// reads their words by data-testid: each comes from its language's
// catalog, the document says which language and direction it is in, and
// a view field holding a message id shows its translation.
func TestPagesSpeakTheLocale(t *testing.T) {
	login := LoginView{FlowID: "f", CSRFToken: "c", ClientName: "Tickets", Error: "password.wrong", SignUpURL: "/login/signup?flow=f"}
	consent := ConsentView{FlowID: "f", CSRFToken: "c", ClientName: "Tickets", UserEmail: "ada@example.com",
		Scopes: []ScopeItem{{Name: "See your e-mail address", Raw: "email"}}}
	for _, tc := range []struct {
		lang, dir          string
		submit, error      string
		signup, allow      string
		errorTitle, status string
	}{
		{"en", "ltr", "Sign in", "The e-mail address or password is incorrect.", "Create an account", "Allow", "This sign-in link has expired", "Error 400"},
		{"de", "ltr", "Anmelden", "E-Mail-Adresse oder Passwort ist falsch.", "Konto erstellen", "Erlauben", "Dieser Anmeldelink ist abgelaufen", "Fehler 400"},
		{"ar", "rtl", "تسجيل الدخول", "البريد الإلكتروني أو كلمة المرور غير صحيحة.", "إنشاء حساب", "السماح", "انتهت صلاحية رابط تسجيل الدخول هذا", "الخطأ 400"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			doc := renderIn(t, tc.lang, LoginPage(login))
			html := doc.Find("html")
			if lang, _ := html.Attr("lang"); lang != tc.lang {
				t.Errorf("<html lang> = %q, want %q", lang, tc.lang)
			}
			if dir, _ := html.Attr("dir"); dir != tc.dir {
				t.Errorf("<html dir> = %q, want %q", dir, tc.dir)
			}
			for id, want := range map[string]string{"submit": tc.submit, "error": tc.error, "signup": tc.signup} {
				if got := strings.TrimSpace(one(t, doc, id).Text()); got != want {
					t.Errorf("[data-testid=%s] = %q, want %q", id, got, want)
				}
			}
			// E-mail and password read left to right in every language.
			for _, id := range []string{"email", "password"} {
				if dir, _ := one(t, doc, id).Attr("dir"); dir != "ltr" {
					t.Errorf("%s input dir = %q, want ltr", id, dir)
				}
			}
			doc = renderIn(t, tc.lang, ConsentPage(consent))
			if got := strings.TrimSpace(one(t, doc, "allow").Text()); got != tc.allow {
				t.Errorf("allow = %q, want %q", got, tc.allow)
			}
			doc = renderIn(t, tc.lang, ErrorPage(ErrorView{Status: 400, Title: "error.link_expired.title", RequestID: "r1"}))
			if got := strings.TrimSpace(one(t, doc, "error-title").Text()); got != tc.errorTitle {
				t.Errorf("error-title = %q, want %q", got, tc.errorTitle)
			}
			if got := strings.TrimSpace(one(t, doc, "error-status").Text()); got != tc.status {
				t.Errorf("error-status = %q, want %q", got, tc.status)
			}
		})
	}
}

// TestPluralsOnPage: the backup-code count takes the plural form of the
// page's language (Arabic has six).
func TestPluralsOnPage(t *testing.T) {
	for _, tc := range []struct {
		lang string
		n    int
		want string
	}{
		{"en", 1, "You have 1 backup code left."},
		{"en", 5, "You have 5 backup codes left."},
		{"de", 1, "Sie haben noch 1 Sicherungscode."},
		{"ar", 2, "تبقّى لديك رمزان احتياطيان."},
		{"ar", 5, "تبقّت لديك 5 رموز احتياطية."},
		{"ar", 11, "تبقّى لديك 11 رمزًا احتياطيًا."},
	} {
		doc := renderIn(t, tc.lang, TOTPVerifiedPage(TOTPVerifiedView{FlowID: "f", CSRFToken: "c", Remaining: tc.n}))
		got := strings.Join(strings.Fields(one(t, doc, "remaining").Text()), " ")
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s %d: %q, want it to start with %q", tc.lang, tc.n, got, tc.want)
		}
	}
}

// TestMailFrameInItsLocale: a mail rendered with a Locale carries its
// lang and dir and the fixed line in that language, whatever the context.
func TestMailFrameInItsLocale(t *testing.T) {
	v := MailView{Locale: i18n.Negotiate("ar", "", "", ""), Subject: "s", Greeting: "g", ActionURL: "https://example.com/x", ActionLabel: "a"}
	ctx := i18n.WithLocale(context.Background(), v.Locale)
	var buf bytes.Buffer
	if err := MailHTML(v).Render(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{`lang="ar"`, `dir="rtl"`, "إذا لم يعمل الزر"} {
		if !strings.Contains(html, want) {
			t.Errorf("mail HTML lacks %q:\n%s", want, html)
		}
	}
}

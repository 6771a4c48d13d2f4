package templates

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"github.com/admit-idp/admit/templates/i18n"
)

// renderIn renders c in the language lang.
func renderIn(t *testing.T, lang string, c templ.Component) *goquery.Document {
	t.Helper()
	var buf bytes.Buffer
	ctx := i18n.WithLocale(context.Background(), i18n.Negotiate(lang, "", "", ""))
	if err := c.Render(ctx, &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	doc, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestAccountPageNavigation(t *testing.T) {
	v := AccountView{Email: "ada@example.com", CSRFToken: "tok", Page: "security", Title: "Security",
		Nav: []NavItem{
			{Href: "/account", Label: "Profile", TestID: "nav-profile"},
			{Href: "/account/security", Label: "Security", TestID: "nav-security", Current: true},
			{Href: "/account/danger", Label: "Delete account", TestID: "nav-danger", Danger: true},
		},
		Sections: []templ.Component{templ.Raw(`<h2 data-testid="s1">One</h2>`)}}
	for _, lang := range []string{"en", "ar"} {
		doc := renderIn(t, lang, AccountPage(v))
		one(t, doc, "account-page-security")
		nav := one(t, doc, "account-nav")
		if nav.Find("a").Length() != 3 || attr(t, one(t, doc, "nav-security"), "aria-current") != "page" {
			t.Fatalf("%s: nav %s", lang, nav.Text())
		}
		if _, ok := one(t, doc, "nav-profile").Attr("aria-current"); ok {
			t.Fatal("two current pages")
		}
		if !one(t, doc, "nav-danger").HasClass("nav-danger") {
			t.Fatal("the danger zone is not set apart")
		}
		if one(t, doc, "nav-danger").Parent().Next().Length() != 0 {
			t.Fatal("the danger zone is not last")
		}
		one(t, doc, "s1")
		if !strings.Contains(one(t, doc, "account-user").Text(), "ada@example.com") {
			t.Fatal("who is signed in is not shown")
		}
		if dir, _ := doc.Find("html").Attr("dir"); (lang == "ar") != (dir == "rtl") {
			t.Fatalf("%s: dir %q", lang, dir)
		}
	}
	if got := one(t, renderIn(t, "de", AccountPage(v)), "logout").Text(); got != "Abmelden" {
		t.Fatalf("German sign-out button = %q", got)
	}
}

// TestFormErrorShownOnce: a failed form has a focusable summary linking
// to the field, and the field's problem is said once, under the field;
// password inputs never carry a value.
func TestFormErrorShownOnce(t *testing.T) {
	v := FormView{Action: "/account/password", TestID: "password-form", Submit: "Change", Error: "Check the field below:",
		Fields: []Field{
			{Name: "current_password", Label: "Current password", Type: "password", Value: "secret!", Error: "Your current password is incorrect."},
			{Name: "new_password", Label: "New password", Type: "password", Policy: true},
		}}
	doc := renderIn(t, "en", Form(v))
	sum := one(t, doc, "error")
	if _, ok := sum.Attr("data-error-summary"); !ok || attr(t, sum, "tabindex") != "-1" {
		t.Fatal("the summary cannot take focus")
	}
	if href := attr(t, sum.Find("a"), "href"); href != "#password-form-current_password" {
		t.Fatalf("summary links to %q", href)
	}
	if n := strings.Count(doc.Text(), "Your current password is incorrect."); n != 1 {
		t.Fatalf("the problem is shown %d times", n)
	}
	if one(t, doc, "current_password-problem").Text() != "Your current password is incorrect." {
		t.Fatal("the problem is not under its field")
	}
	if _, ok := one(t, doc, "current_password").Attr("value"); ok {
		t.Fatal("a password input carries a value")
	}
	if attr(t, one(t, doc, "current_password"), "aria-invalid") != "true" {
		t.Fatal("the field is not marked invalid")
	}
	if doc.Find(".password-wrap").Length() != 2 || one(t, doc, "new_password-strength").Length() != 1 {
		t.Fatal("password fields lack the toggle wrapper or the strength meter")
	}
	for _, id := range strings.Fields(attr(t, one(t, doc, "new_password"), "aria-describedby")) {
		if doc.Find("#"+id).Length() != 1 {
			t.Fatalf("aria-describedby names missing %q", id)
		}
	}
}

func TestSelectFieldKeepsChoice(t *testing.T) {
	v := FormView{Action: "/account/profile", TestID: "profile-form", Submit: "Save",
		Fields: []Field{{Name: "locale", Label: "Language", Type: "select", Value: "de", Hint: "h",
			Options: []Option{{Value: "", Label: "Browser"}, {Value: "de", Label: "Deutsch", Lang: "de"}}}}}
	doc := renderIn(t, "en", Form(v))
	sel := one(t, doc, "locale")
	if s := sel.Find("option[selected]"); s.Length() != 1 || attr(t, s, "value") != "de" || attr(t, s, "lang") != "de" {
		t.Fatal("the saved language is not selected")
	}
	if _, ok := sel.Find(`option[value=""]`).Attr("lang"); ok {
		t.Fatal("an empty lang attribute")
	}
	if attr(t, sel, "aria-describedby") != "profile-form-locale-hint" {
		t.Fatalf("describedby %q", attr(t, sel, "aria-describedby"))
	}
}

func TestDevicesAndSessionsByName(t *testing.T) {
	d := renderIn(t, "en", DevicesSection(DevicesSectionView{CSRFToken: "t", Devices: []DeviceRow{
		{ID: "d1", Name: "Chrome on Windows", Detail: "Last seen just now", Current: true},
		{ID: "d2", Name: "Safari on iPhone", Detail: "Last seen 2 hours ago"},
	}}))
	rows := byTestID(d, "device-row")
	if rows.Length() != 2 || rows.First().Find(`[data-testid="device-current"]`).Length() != 1 ||
		rows.Last().Find(`[data-testid="device-current"]`).Length() != 0 {
		t.Fatal("the current-device badge is not inside its own row")
	}
	if rows.First().Find(`[data-testid="device-forget"]`).Length() != 1 || attr(t, rows.Last().Find("button"), "aria-label") != "Forget Safari on iPhone" {
		t.Fatal("forget buttons are not in their rows or not named")
	}
	s := renderIn(t, "fr", SessionsSection(AccountListView{CSRFToken: "t", Sessions: []SessionItem{
		{ID: "s1", Device: "Firefox sur Linux", Current: true, LastSeen: "à l'instant", SignedIn: "à l'instant"},
		{ID: "s2", Device: "Chrome sur Windows", LastSeen: "il y a 2 heures", SignedIn: "il y a 3 heures"},
	}}))
	if byTestID(s, "session-name").Length() != 2 || one(t, s, "current-session").Text() != "Cet appareil" || one(t, s, "revoke-session").Text() != "Déconnecter" {
		t.Fatalf("sessions: %s", s.Text())
	}
}

func TestMessagePageLinksOn(t *testing.T) {
	doc := renderIn(t, "en", MessagePage(MessageView{Title: "You are signed out",
		Links: []Link{{Href: "/account", Label: "Sign in again", TestID: "sign-in-again"}}}))
	if attr(t, one(t, doc, "sign-in-again"), "href") != "/account" {
		t.Fatal("no way on from the signed-out page")
	}
}

func TestSocialButtonHasMark(t *testing.T) {
	for _, id := range []string{"google", "github", "apple", "microsoft", "acme-sso"} {
		doc := renderIn(t, "en", SocialButton(SocialButtonView{ID: id, Name: "X", StartURL: "/login/social/start"}))
		b := one(t, doc, "social-"+id)
		if b.Find("svg[aria-hidden=true]").Length() != 1 || !strings.HasPrefix(strings.TrimSpace(b.Text()), "Continue with") {
			t.Fatalf("%s: %s", id, b.Text())
		}
	}
}

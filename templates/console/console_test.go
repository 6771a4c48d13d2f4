package console_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"github.com/admit-idp/admit/templates/console"
)

func render(t *testing.T, c templ.Component) *goquery.Document {
	t.Helper()
	var b bytes.Buffer
	if err := c.Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func testid(doc *goquery.Document, id string) *goquery.Selection {
	return doc.Find(`[data-testid="` + id + `"]`)
}

var shell = console.Shell{Title: "T", Email: "op@example.com", Role: "support agent", CSRFToken: "tok-123", Section: "users", Users: true, Audit: true}

// TestPagesShell: every page is English, has one h1, a skip link to
// main, the console stylesheet only, no inline script or style, the
// sign-out form with the CSRF token, and the nav the role allows.
func TestPagesShell(t *testing.T) {
	pages := map[string]templ.Component{
		"dashboard": console.DashboardPage(console.DashboardView{Shell: shell, Stats: []console.Row{{Label: "sign-ins", Value: "3", TestID: "stat-signins"}}}),
		"users":     console.UsersPage(console.UsersView{Shell: shell, Searched: true}),
		"user":      console.UserPage(console.UserView{Shell: shell, ID: "u1"}),
		"confirm":   console.ConfirmPage(console.ConfirmView{Shell: shell, Action: "/console/users/u1/delete", Cancel: "/console/users/u1", Button: "Delete"}),
		"clients":   console.ClientsPage(console.ClientsView{Shell: shell}),
		"client":    console.ClientFormPage(console.ClientForm{Shell: shell}),
		"secret":    console.SecretPage(console.SecretView{Shell: shell, ClientID: "c", Secret: "s", Back: "/console/clients/c"}),
		"keys":      console.KeysPage(console.KeysView{Shell: shell}),
		"audit":     console.AuditPage(console.AuditView{Shell: shell, Export: "/console/audit/export"}),
		"message":   console.MessagePage(console.MessageView{Shell: shell, Message: "m", TestID: "msg"}),
		"tenants": console.TenantsPage(console.TenantsView{Shell: shell, Tenants: []console.TenantRow{
			{Slug: "a", Toggle: "suspend", ToggleHref: "/console/tenants/a/suspend", ToggleDanger: true},
			{Slug: "b", Toggle: "activate", ToggleHref: "/console/tenants/b/status"}}}),
		"venues": console.VenuesPage(console.VenuesView{Shell: shell, VenueID: "v1", CanManage: true,
			Grants: []console.GrantRow{{User: "x@example.com", UserID: "u1", Role: "door-staff", RevokeAction: "/console/venues/v1/revoke"}},
			Roles:  []console.Option{{Value: "door-staff", Label: "door-staff"}}}),
	}
	for name, c := range pages {
		t.Run(name, func(t *testing.T) {
			doc := render(t, c)
			if lang, _ := doc.Find("html").Attr("lang"); lang != "en" {
				t.Errorf("lang = %q", lang)
			}
			if n := doc.Find("h1").Length(); n != 1 {
				t.Errorf("%d h1", n)
			}
			if href, _ := doc.Find("a.skip").Attr("href"); href != "#main" || doc.Find("main#main").Length() != 1 {
				t.Errorf("skip link %q, main %d", href, doc.Find("main#main").Length())
			}
			if doc.Find("script, style, [style]").Length() != 0 {
				t.Error("inline script or style")
			}
			if css, _ := doc.Find(`link[rel="stylesheet"]`).Attr("href"); css != "/static/console.css" || doc.Find(`link[rel="stylesheet"]`).Length() != 1 {
				t.Errorf("stylesheets: %q", css)
			}
			doc.Find("form").Each(func(_ int, f *goquery.Selection) {
				if m, _ := f.Attr("method"); m == "post" && f.Find(`input[name="csrf_token"][value="tok-123"]`).Length() != 1 {
					t.Errorf("a POST form without the CSRF token: %s", f.AttrOr("action", ""))
				}
			})
			if testid(doc, "console-signout").Length() != 1 || testid(doc, "nav-clients").Length() != 0 || testid(doc, "nav-audit").Length() != 1 {
				t.Error("nav or sign-out")
			}
			if cur, _ := testid(doc, "nav-users").Attr("aria-current"); cur != "page" {
				t.Errorf("nav-users aria-current = %q", cur)
			}
			doc.Find("input, select, textarea").Each(func(_ int, in *goquery.Selection) {
				id, _ := in.Attr("id")
				if typ, _ := in.Attr("type"); typ == "hidden" {
					return
				}
				if id == "" || doc.Find(`label[for="`+id+`"]`).Length() != 1 {
					t.Errorf("control %q has no label", id)
				}
			})
		})
	}
}

func TestUserPageActions(t *testing.T) {
	v := console.UserView{Shell: shell, ID: "u1", Locked: true,
		LockRows: []console.Row{{Label: "Why", Value: "too many failed sign-ins", TestID: "lock-why"}},
		Actions: []console.Action{
			{Label: "Unlock", Href: "/console/users/u1/unlock", TestID: "action-unlock", Post: true},
			{Label: "Delete", Href: "/console/users/u1/confirm/delete", TestID: "action-delete", Danger: true},
		}}
	doc := render(t, console.UserPage(v))
	if got := testid(doc, "lock-why").Text(); got != "too many failed sign-ins" {
		t.Errorf("lock-why = %q", got)
	}
	// A non-destructive action posts at once; a destructive one links to
	// its confirmation page (no form that deletes in one click).
	if a, _ := testid(doc, "action-unlock").Closest("form").Attr("action"); a != "/console/users/u1/unlock" {
		t.Errorf("unlock form action = %q", a)
	}
	if testid(doc, "action-delete").Closest("form").Length() != 0 || testid(doc, "action-delete").AttrOr("href", "") != "/console/users/u1/confirm/delete" {
		t.Error("delete is not a link to its confirmation")
	}
	v.Actions, v.Locked = nil, false
	doc = render(t, console.UserPage(v))
	if testid(doc, "actions").Length() != 0 || testid(doc, "locked").Length() != 0 {
		t.Error("no actions and no lock: nothing shown")
	}
	if testid(doc, "factors-empty").Length() != 1 || testid(doc, "sessions-empty").Length() != 1 {
		t.Error("empty lists say so")
	}
}

func TestConfirmPageConfirms(t *testing.T) {
	doc := render(t, console.ConfirmPage(console.ConfirmView{Shell: shell, Question: "del?", Action: "/console/users/u1/delete", Cancel: "/console/users/u1", Button: "Delete"}))
	f := testid(doc, "confirm")
	if f.AttrOr("action", "") != "/console/users/u1/delete" || f.Find(`input[name="confirm"][value="yes"]`).Length() != 1 {
		t.Errorf("confirm form: %s", f.AttrOr("action", ""))
	}
	if testid(doc, "confirm-cancel").AttrOr("href", "") != "/console/users/u1" {
		t.Error("cancel link")
	}
}

func TestClientFormKeepsInputAndMarksErrors(t *testing.T) {
	doc := render(t, console.ClientFormPage(console.ClientForm{Shell: shell, Name: "Tickets <b>", RedirectURIs: "https://a.example/cb",
		FieldErrors: map[string]string{"redirect_uris": "not https"}}))
	if testid(doc, "client-name").AttrOr("value", "") != "Tickets <b>" {
		t.Error("name not kept (or not escaped)")
	}
	ta := testid(doc, "client-redirect_uris")
	if ta.AttrOr("aria-invalid", "") != "true" || strings.TrimSpace(ta.Text()) != "https://a.example/cb" || doc.Find("#redirect_uris-error").Text() != "not https" {
		t.Errorf("redirect_uris field: %q", ta.Text())
	}
	if testid(doc, "client-delete").Length() != 0 {
		t.Error("a create form has no delete")
	}
}

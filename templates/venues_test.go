package templates

import "testing"

// TestVenueRolesPageKeepsInputAndShowsFieldErrors: after a refused grant
// the form shows each problem next to its field and keeps what was typed;
// the role select offers the catalogue's venue roles with the typed one
// selected; every revoke form carries the CSRF token.
func TestVenueRolesPageKeepsInputAndShowsFieldErrors(t *testing.T) {
	v := VenueRolesView{
		CSRFToken: "tok", VenueID: "venue-1", CanManage: true, RoleOptions: []string{"box-office", "door-staff"},
		Grants:      []VenueGrantRow{{UserID: "u1", User: "a@example.com", Role: "box-office", GrantedAt: "1 Jan 2026", Expires: "does not expire"}},
		Error:       "Check the form.",
		FieldErrors: map[string]string{"user": "No such person.", "expires_at": "Enter the date as YYYY-MM-DD."},
		User:        "b@example.com", Role: "door-staff", ExpiresOn: "2026-13-01",
	}
	doc, _ := render(t, VenueRolesPage(v))
	if one(t, doc, "error-user").Text() != "No such person." || one(t, doc, "error-expires_on").Text() == "" {
		t.Fatal("field errors are not shown next to their fields")
	}
	if got, _ := one(t, doc, "grant-user-input").Attr("value"); got != "b@example.com" {
		t.Fatalf("user input = %q", got)
	}
	if got, _ := one(t, doc, "grant-expires-input").Attr("value"); got != "2026-13-01" {
		t.Fatalf("expiry input = %q", got)
	}
	sel := doc.Find(`[data-testid="grant-role-input"] option[selected]`)
	if sel.Length() != 1 || sel.AttrOr("value", "") != "door-staff" {
		t.Fatalf("selected role: %d options selected", sel.Length())
	}
	if tok, _ := doc.Find(`[data-testid="grant-row"] input[name="csrf_token"]`).Attr("value"); tok != "tok" {
		t.Fatalf("revoke form CSRF token = %q", tok)
	}
	if one(t, doc, "grant-user").Text() != "a@example.com" {
		t.Fatal("grant row does not name the person")
	}

	// Someone who may only see the venue's roles gets no forms.
	v.CanManage = false
	doc, _ = render(t, VenueRolesPage(v))
	if byTestID(doc, "grant-form").Length() != 0 || byTestID(doc, "grant-revoke").Length() != 0 || byTestID(doc, "grant-row").Length() != 1 {
		t.Fatal("a viewer is offered the grant and revoke forms, or does not see the grants")
	}
}

package templates

import (
	"strings"
	"testing"
)

// TestAccountSectionsInGerman renders converted account-area sections in
// German and checks, by data-testid, that their words come from the German
// catalog: the TOTP status with its plural count, the passkey list with
// its row detail (a handler's message ids translated), and the venue roles
// page with a handler's error id shown next to its field.
func TestAccountSectionsInGerman(t *testing.T) {
	for _, tc := range []struct {
		remaining int
		want      string
	}{
		{1, "Aktiv: Bei der Anmeldung wird ein Code aus Ihrer Authenticator-App abgefragt. 1 Backup-Code übrig."},
		{7, "Aktiv: Bei der Anmeldung wird ein Code aus Ihrer Authenticator-App abgefragt. 7 Backup-Codes übrig."},
	} {
		doc := renderIn(t, "de", TOTPSection(TOTPSectionView{Enabled: true, Remaining: tc.remaining}))
		if got := strings.Join(strings.Fields(one(t, doc, "totp-status").Text()), " "); got != tc.want {
			t.Errorf("totp-status with %d codes = %q, want %q", tc.remaining, got, tc.want)
		}
		if got := one(t, doc, "totp-disable").Text(); got != "Deaktivieren" {
			t.Errorf("totp-disable = %q", got)
		}
	}
	if got := one(t, renderIn(t, "de", TOTPSection(TOTPSectionView{})), "totp-enrol").Text(); got != "Zweistufige Verifizierung einrichten" {
		t.Errorf("totp-enrol = %q", got)
	}

	doc := renderIn(t, "de", PasskeySection(PasskeySectionView{CSRFToken: "tok", Passkeys: []PasskeyRow{{
		ID: "k1", Name: "Laptop", Kind: "passkey.kind.synced", Created: "1. Jan. 2026", LastUsed: "passkey.section.never", Flagged: true,
	}}}))
	if got := one(t, doc, "passkey-detail").Text(); got != "Synchronisierter Passkey · hinzugefügt am 1. Jan. 2026 · zuletzt verwendet: nie" {
		t.Errorf("passkey-detail = %q", got)
	}
	for id, want := range map[string]string{
		"passkey-rename":  "Umbenennen",
		"passkey-delete":  "Löschen",
		"passkey-add":     "Passkey hinzufügen",
		"passkey-flagged": "Gesperrt: Dieser Passkey wurde möglicherweise kopiert. Löschen Sie ihn und fügen Sie ihn erneut hinzu.",
	} {
		if got := one(t, doc, id).Text(); got != want {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	if got := one(t, renderIn(t, "de", PasskeySection(PasskeySectionView{})), "passkeys-empty").Text(); !strings.HasPrefix(got, "Noch kein Passkey.") {
		t.Errorf("passkeys-empty = %q", got)
	}

	doc = renderIn(t, "de", VenueRolesPage(VenueRolesView{
		CSRFToken: "tok", VenueID: "v1", CanManage: true, Error: "account.venues.err.check",
		FieldErrors: map[string]string{"expires_at": "account.venues.err.date"},
	}))
	for id, want := range map[string]string{
		"error":            "Bitte prüfen Sie das Formular.",
		"error-expires_on": "Geben Sie das Datum als JJJJ-MM-TT ein.",
		"grants-empty":     "An diesem Veranstaltungsort hat niemand eine Rolle.",
		"grant-submit":     "Vergeben",
	} {
		if got := one(t, doc, id).Text(); got != want {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
}

// TestAccountSectionsArabicIsRightToLeft: a converted section's page in
// Arabic is marked right to left and speaks Arabic.
func TestAccountSectionsArabicIsRightToLeft(t *testing.T) {
	doc := renderIn(t, "ar", PasskeyRenamePage(PasskeyRenameView{CSRFToken: "tok", ID: "k1", Name: "x"}))
	if dir, _ := doc.Find("html").Attr("dir"); dir != "rtl" {
		t.Fatalf("dir = %q", dir)
	}
	if got := one(t, doc, "submit").Text(); got != "حفظ" {
		t.Fatalf("submit = %q", got)
	}
}

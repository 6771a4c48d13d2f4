package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/admit-idp/admit/storage/admin/importer/legacy/legacytest"
)

// TestImportLegacyCommand: `admit import legacy` against an old database:
// a wrong key stops before anything is written and says which flag to fix;
// a dry run reports and writes nothing; the run imports; the report names
// the dropped biometric credential.
func TestImportLegacyCommand(t *testing.T) {
	c := newCLI(t)
	fx := legacytest.Build(t)
	base := []string{"import", "legacy", "--source", fx.URL}

	c.fails("", append(base, "--legacy-jwt-access-secret", "wrong-wrong-wrong-wrong-wrong-wrong-wrong"), "--legacy-jwt-access-secret", "none of the 1 TOTP secrets opens")
	if _, err := c.store().GetUser(t.Context(), fx.Alice.ID); err == nil {
		t.Fatal("a wrong key wrote users")
	}
	out := c.with(map[string]string{"ADMIT_LEGACY_JWT_ACCESS_SECRET": legacytest.JWTAccessSecret}).ok("", append(base, "--dry-run")...)
	if !strings.Contains(out, "dry run: nothing written; would import 5 users (5 new") {
		t.Fatalf("dry-run report:\n%s", out)
	}
	if _, err := c.store().GetUser(t.Context(), fx.Alice.ID); err == nil {
		t.Fatal("the dry run wrote users")
	}
	out = c.ok("", append(base, "--legacy-jwt-access-secret", legacytest.JWTAccessSecret)...)
	for _, want := range []string{"imported 5 users (5 new, 0 updated, 0 unchanged); skipped 0", "not imported: biometric_credential 1", "totp                   1"} {
		if !strings.Contains(out, want) {
			t.Fatalf("report lacks %q:\n%s", want, out)
		}
	}
	if u, err := c.store().GetUser(t.Context(), fx.Erin.ID); err != nil || u.TenantID != legacytest.SecondTenant {
		t.Fatalf("erin = %+v, %v", u, err)
	}
	// The import is in the audit log as an operator change (the dry run is not).
	if out := c.ok("", "audit", "--event", "admin.users.imported"); strings.Count(out, "admin.users.imported") != 1 || !strings.Contains(out, `"cli"`) || !strings.Contains(out, "inserted=5") {
		t.Fatalf("audit log:\n%s", out)
	}
}

func TestImportFileCommand(t *testing.T) {
	c := newCLI(t)
	path := filepath.Join(t.TempDir(), "users.jsonl")
	data := `{"id":"f1","email":"f1@example.com","created_at":"2024-01-01T00:00:00Z"}
{"id":"f2","email":"nope","created_at":"2024-01-01T00:00:00Z"}
`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	out := c.ok("", "import", "file", path)
	if !strings.Contains(out, "imported 1 users") || !strings.Contains(out, "skipped f2: invalid e-mail") {
		t.Fatalf("report:\n%s", out)
	}
	c.fails("", []string{"import", "file"}, "usage")
}

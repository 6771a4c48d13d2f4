package importer_test

import (
	"context"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

// TestRerunDoesNotResurrect: a delta run of the unchanged source does not
// undo what happened in Admit since the first run: a user deleted there
// stays deleted (without the e-mail back), a user disabled there stays
// disabled.
func TestRerunDoesNotResurrect(t *testing.T) {
	w, store, s := newWriter(t)
	ctx := context.Background()
	recs := `{"id":"gone","email":"gone@example.com","created_at":"2024-01-01T00:00:00Z","updated_at":"2024-02-01T00:00:00Z"}
{"id":"blocked","email":"blocked@example.com","created_at":"2024-01-01T00:00:00Z","updated_at":"2024-02-01T00:00:00Z"}`
	if rep := run(t, w, s, recs, false); rep.Inserted != 2 {
		t.Fatalf("first run: %+v", rep)
	}
	now := time.Now()
	if err := store.SoftDeleteUser(ctx, "gone", now); err != nil {
		t.Fatal(err)
	}
	if err := store.SetUserDisabled(ctx, storage.DefaultTenantID, "blocked", true, now); err != nil {
		t.Fatal(err)
	}
	run(t, w, s, recs, false)
	var deleted, disabled bool
	var email string
	err := w.Pool.QueryRow(ctx, `SELECT deleted_at IS NOT NULL, disabled, email FROM users WHERE id = 'gone'`).Scan(&deleted, &disabled, &email)
	if err != nil || !deleted || !disabled || email != "" {
		t.Fatalf("deleted user after a re-run: deleted %v, disabled %v, e-mail %q, %v; want still deleted, disabled, without e-mail", deleted, disabled, email, err)
	}
	if _, err := store.GetUserByEmail(ctx, storage.DefaultTenantID, "gone@example.com"); err == nil {
		t.Fatal("the deleted user is findable by e-mail again after a re-run")
	}
	if u, err := store.GetUser(ctx, "blocked"); err != nil || !u.Disabled {
		t.Fatalf("disabled user after a re-run = %+v, %v; want still disabled", u, err)
	}
}

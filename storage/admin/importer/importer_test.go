package importer_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/admit-idp/admit/keys"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin/importer"
	"github.com/admit-idp/admit/storage/postgres"
	"github.com/admit-idp/admit/storage/postgres/pgtest"
)

// acceptHash stands in for login/password's format check, which the
// login layer owns and cmd wires (cmd's tests run the real one): it
// refuses only the "md5$" records of these tests.
func acceptHash(hash string) error {
	if strings.HasPrefix(hash, "md5$") {
		return errors.New("unknown hash format")
	}
	return nil
}

func newWriter(t *testing.T) (*importer.Postgres, *postgres.Store, *keys.Sealer) {
	t.Helper()
	pool, err := postgres.Connect(context.Background(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	mk, _ := keys.GenerateMasterKey()
	s, err := keys.NewSealer(mk)
	if err != nil {
		t.Fatal(err)
	}
	return &importer.Postgres{Pool: pool, Sealer: s}, postgres.New(pool, time.Now), s
}

func run(t *testing.T, w importer.Writer, s *keys.Sealer, jsonl string, dry bool) *importer.Report {
	t.Helper()
	rep, err := importer.Run(context.Background(), importer.NewJSONL(strings.NewReader(jsonl)), w, importer.Options{Sealer: s, CheckHash: acceptHash, DryRun: dry})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep
}

func reasons(rep *importer.Report) map[string]string {
	out := map[string]string{}
	for _, s := range rep.Skipped {
		out[s.ID] = s.Reason
	}
	return out
}

// TestJSONLSkipsWithReasons: every record that cannot be imported is
// skipped whole with its reason; the others are imported.
func TestJSONLSkipsWithReasons(t *testing.T) {
	w, store, s := newWriter(t)
	ctx := context.Background()
	existing := storage.User{ID: "existing", Email: "taken@example.com", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := store.CreateUserWithWallet(ctx, existing, storage.Wallet{Namespace: "eip155", Address: "0x52908400098527886E0F7030069857D2E4169EE7", ChainRef: "1", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	lines := []string{
		`{"id":"ok1","email":"Ok1@Example.com","created_at":"2024-01-01T00:00:00Z","password":{"hash":"$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"}}`,
		`{"id":"bad-email","email":"not an address","created_at":"2024-01-01T00:00:00Z"}`,
		`{"id":"dup-email","email":"ok1@example.com","created_at":"2024-01-01T00:00:00Z"}`,
		`{"id":"bad-hash","email":"h@example.com","created_at":"2024-01-01T00:00:00Z","password":{"hash":"md5$abc$def"}}`,
		`{"id":"bad-secret","email":"s@example.com","created_at":"2024-01-01T00:00:00Z","totp":{"secret":"00:11:22","sealing":"legacy-aes-256-gcm"}}`,
		`{"id":"wallet-taken","email":"w@example.com","created_at":"2024-01-01T00:00:00Z","wallets":[{"namespace":"eip155","address":"0x52908400098527886e0f7030069857d2e4169ee7"}]}`,
		`{"id":"email-taken","email":"taken@example.com","created_at":"2024-01-01T00:00:00Z"}`,
		`{"id":"no-created-at","email":"x@example.com"}`,
		`{"id":"unknown-field","email":"y@example.com","created_at":"2024-01-01T00:00:00Z","shoe_size":42}`,
		`not json`,
		`{"id":"other-tenant","tenant_id":"no-such-tenant","email":"t@example.com","created_at":"2024-01-01T00:00:00Z"}`,
	}
	rep := run(t, w, s, strings.Join(lines, "\n"), false)
	got := reasons(rep)
	want := map[string]string{
		"bad-email":    importer.ReasonInvalidEmail,
		"dup-email":    importer.ReasonDuplicateEmail,
		"bad-hash":     importer.ReasonUnknownHash,
		"bad-secret":   importer.ReasonBadSecret,
		"wallet-taken": importer.ReasonWalletInUse,
		"email-taken":  importer.ReasonEmailTaken,
		"other-tenant": importer.ReasonUnknownTenant,
	}
	for id, reason := range want {
		if got[id] != reason {
			t.Errorf("%s: skipped as %q, want %q", id, got[id], reason)
		}
	}
	// The three schema failures have no id.
	if got[""] != importer.ReasonBadRecord || len(rep.Skipped) != len(want)+3 || rep.Inserted != 1 || rep.Read != len(lines) {
		t.Fatalf("report: %+v", rep)
	}
	for id := range want {
		if _, err := store.GetUser(ctx, id); err == nil {
			t.Errorf("skipped user %s was written", id)
		}
	}
	if u, err := store.GetUser(ctx, "ok1"); err != nil || u.Email != "ok1@example.com" {
		t.Fatalf("ok1 = %+v, %v", u, err)
	}
	var b strings.Builder
	rep.Print(&b)
	if !strings.Contains(b.String(), "skipped wallet-taken: wallet in use by another user") || strings.Contains(b.String(), "$2b$") {
		t.Fatalf("printed report:\n%s", b.String())
	}
}

// TestJSONLDryRunAndRerun: a dry run writes nothing; a re-run of the same
// file changes nothing; a changed record is updated, not duplicated.
func TestJSONLDryRunAndRerun(t *testing.T) {
	w, store, s := newWriter(t)
	ctx := context.Background()
	sum := sha256.Sum256([]byte("ABCD-1234"))
	rec := `{"id":"u1","email":"u1@example.com","created_at":"2024-01-01T00:00:00Z","updated_at":"2024-02-01T00:00:00Z",` +
		`"totp":{"secret":"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"},"backup_codes":{"scheme":"legacy-sha256","hashes":["` + hex.EncodeToString(sum[:]) + `"]},` +
		`"wallets":[{"namespace":"eip155","address":"0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"}],"roles":[{"role":"box-office","venue_id":"v1"}]}`
	if rep := run(t, w, s, rec, true); rep.Inserted != 1 || !rep.DryRun {
		t.Fatalf("dry run report: %+v", rep)
	}
	if _, err := store.GetUser(ctx, "u1"); err == nil {
		t.Fatal("the dry run wrote the user")
	}
	if rep := run(t, w, s, rec, false); rep.Inserted != 1 {
		t.Fatalf("report: %+v", rep)
	}
	cred1, _ := store.GetTOTPCredential(ctx, "u1")
	if rep := run(t, w, s, rec, false); rep.Unchanged != 1 || rep.Inserted+rep.Updated != 0 {
		t.Fatalf("re-run report: %+v", rep)
	}
	cred2, _ := store.GetTOTPCredential(ctx, "u1")
	if string(cred1.Secret) != string(cred2.Secret) {
		t.Fatal("the re-run resealed an unchanged TOTP secret")
	}
	changed := strings.Replace(rec, `"u1@example.com"`, `"u1-new@example.com"`, 1)
	if rep := run(t, w, s, changed, false); rep.Updated != 1 {
		t.Fatalf("changed-record report: %+v", rep)
	}
	if u, err := store.GetUserByEmail(ctx, storage.DefaultTenantID, "u1-new@example.com"); err != nil || u.ID != "u1" {
		t.Fatalf("updated user = %+v, %v", u, err)
	}
	if w, err := store.GetWallet(ctx, "eip155", "0xFB6916095CA1DF60BB79CE92CE3EA74C37C5D359"); err != nil || w.Address != "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359" {
		t.Fatalf("wallet = %+v, %v (want EIP-55)", w, err)
	}

	// The delta run mirrors the source: a wallet, role and TOTP the source
	// no longer has are removed from the user.
	bare := `{"id":"u1","email":"u1-new@example.com","created_at":"2024-01-01T00:00:00Z","updated_at":"2024-02-01T00:00:00Z"}`
	if rep := run(t, w, s, bare, false); rep.Updated != 1 {
		t.Fatalf("delta report: %+v", rep)
	}
	if _, err := store.GetWallet(ctx, "eip155", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"); err == nil {
		t.Fatal("the wallet the source dropped is still linked")
	}
	if g, err := store.UserRoleGrants(ctx, storage.DefaultTenantID, "u1", time.Now()); err != nil || len(g) != 0 {
		t.Fatalf("grants after the delta = %+v, %v", g, err)
	}
	if _, err := store.GetTOTPCredential(ctx, "u1"); err == nil {
		t.Fatal("the TOTP the source dropped is still there")
	}
}

// TestFirebaseConvertedExport: the output of the docs' jq converter for a
// Firebase Auth export (testdata, with the Firebase scrypt README's user)
// imports with the project's hash config folded into the stored hash
// (cmd/admit/app's TestImportedHashesSignInAndUpgrade signs in with it).
func TestFirebaseConvertedExport(t *testing.T) {
	w, store, s := newWriter(t)
	raw, err := os.ReadFile("testdata/firebase-converted.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	rep := run(t, w, s, string(raw), false)
	if rep.Inserted != 2 || len(rep.Skipped) != 0 || rep.Factors["identity"] != 1 {
		t.Fatalf("report: %+v", rep)
	}
	u, err := store.GetUser(context.Background(), "fbuser1")
	if err != nil {
		t.Fatal(err)
	}
	want := storage.FirebaseScryptHash("lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==",
		"42xEC+ixf3L2lw==", "Bw==", "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==", 8, 14)
	if u.PasswordHash != want {
		t.Fatalf("stored Firebase hash %q, want %q", u.PasswordHash, want)
	}
	if u2, err := store.GetUser(context.Background(), "fbuser2"); err != nil || !u2.Disabled {
		t.Fatalf("disabled Firebase user = %+v, %v", u2, err)
	}
}

// TestSchemaMessagesHideSecrets: a record refused by the schema is
// reported with where and which rule, never with a secret's value.
func TestSchemaMessagesHideSecrets(t *testing.T) {
	src := importer.NewJSONL(strings.NewReader(
		`{"id":"a","created_at":"2024-01-01T00:00:00Z","backup_codes":{"scheme":"legacy-sha256","hashes":["SECRETVALUE"]}}` + "\n" +
			`{"id":"b","created_at":"2024-01-01T00:00:00Z","emial":"typo@example.com"}` + "\n" +
			strings.Repeat("x", 5<<20)))
	_, err := src.Next()
	if !errors.Is(err, importer.ErrBadRecord) || strings.Contains(err.Error(), "SECRETVALUE") || !strings.Contains(err.Error(), "/backup_codes/hashes/0") {
		t.Fatalf("secret field error = %v", err)
	}
	if _, err := src.Next(); !errors.Is(err, importer.ErrBadRecord) || !strings.Contains(err.Error(), "emial") {
		t.Fatalf("unknown field error = %v", err)
	}
	if _, err := src.Next(); !errors.Is(err, importer.ErrUnreadable) {
		t.Fatalf("over-long line = %v, want ErrUnreadable", err)
	}
}

// TestJSONLPasskeys: real WebAuthn credentials and the user handle are
// imported as they are; a re-run changes nothing; the same credential on
// another user is skipped, in the source and against Admit.
func TestJSONLPasskeys(t *testing.T) {
	w, store, s := newWriter(t)
	ctx := context.Background()
	rec := func(id, cred string) string {
		return `{"id":"` + id + `","email":"` + id + `@example.com","created_at":"2024-01-01T00:00:00Z",` +
			`"passkeys":{"user_handle":"` + base64.RawURLEncoding.EncodeToString([]byte("handle-"+id)) + `","credentials":[{"id":"` + cred + `","public_key":"pQECAyYgASFYIA","sign_count":7,` +
			`"aaguid":"ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4","transports":["internal","hybrid"],"backup_eligible":true,"backup_state":true,"user_verified":true,"name":"Phone"}]}}`
	}
	rep := run(t, w, s, rec("pk1", "Y3JlZC0x")+"\n"+rec("pk2", "Y3JlZC0x"), false)
	if rep.Inserted != 1 || len(rep.Skipped) != 1 || rep.Skipped[0].Reason != importer.ReasonPasskeyInUse || rep.Factors["passkey"] != 1 {
		t.Fatalf("report: %+v", rep)
	}
	pk, err := store.GetPasskey(ctx, []byte("cred-1"))
	if err != nil || pk.UserID != "pk1" || pk.SignCount != 7 || !pk.BackupEligible || pk.Name != "Phone" || len(pk.AAGUID) != 16 || len(pk.Transports) != 2 {
		t.Fatalf("passkey = %+v, %v", pk, err)
	}
	if uid, err := store.PasskeyUserByHandle(ctx, []byte("handle-pk1")); err != nil || uid != "pk1" {
		t.Fatalf("user handle → %q, %v", uid, err)
	}
	if rep := run(t, w, s, rec("pk1", "Y3JlZC0x"), false); rep.Unchanged != 1 {
		t.Fatalf("re-run: %+v", rep)
	}
	if rep := run(t, w, s, rec("pk3", "Y3JlZC0x"), false); len(rep.Skipped) != 1 || rep.Skipped[0].Reason != importer.ReasonPasskeyInUse {
		t.Fatalf("credential of another user in Admit: %+v", rep)
	}
}

// TestImportAnnouncesCreatedUsers: each user a batch inserts gets one
// user.created {user_id, source: "import"} in the outbox, committed with
// it; a dry run, a re-run and an update announce nothing more.
func TestImportAnnouncesCreatedUsers(t *testing.T) {
	w, store, s := newWriter(t)
	ctx := context.Background()
	recs := `{"id":"c1","email":"c1@example.com","created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z"}` + "\n" +
		`{"id":"c2","email":"c2@example.com","created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z"}`
	created := func() []storage.Event {
		t.Helper()
		all, err := store.ListEvents(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var out []storage.Event
		for _, e := range all {
			if e.Type == storage.EventUserCreated {
				out = append(out, e)
			}
		}
		return out
	}
	run(t, w, s, recs, true)
	if got := created(); len(got) != 0 {
		t.Fatalf("a dry run announced %+v", got)
	}
	if rep := run(t, w, s, recs, false); rep.Inserted != 2 {
		t.Fatalf("report: %+v", rep)
	}
	got := created()
	if len(got) != 2 || got[0].UserID != "c1" || got[1].UserID != "c2" || got[0].TenantID != storage.DefaultTenantID {
		t.Fatalf("user.created after the import = %+v, want c1 then c2 in the default tenant", got)
	}
	var data map[string]string
	if err := json.Unmarshal(got[0].Data, &data); err != nil || len(data) != 2 || data["user_id"] != "c1" || data["source"] != "import" {
		t.Fatalf("payload %s (%v), want user_id and source", got[0].Data, err)
	}
	run(t, w, s, recs, false)                                                             // unchanged
	run(t, w, s, strings.Replace(recs, "c1@example.com", "c1-new@example.com", 1), false) // updated
	if got := created(); len(got) != 2 {
		t.Fatalf("re-runs announced again: %+v", got)
	}
}

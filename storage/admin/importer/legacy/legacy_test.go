package legacy_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/admit-idp/admit/keys"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin/importer"
	"github.com/admit-idp/admit/storage/admin/importer/legacy"
	"github.com/admit-idp/admit/storage/admin/importer/legacy/legacytest"
	"github.com/admit-idp/admit/storage/postgres"
	"github.com/admit-idp/admit/storage/postgres/pgtest"
)

type env struct {
	fx     *legacytest.Fixture
	src    *pgx.Conn
	dst    *pgxpool.Pool
	store  *postgres.Store
	sealer *keys.Sealer
}

func setup(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	fx := legacytest.Build(t)
	src, err := pgx.Connect(ctx, fx.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = src.Close(context.Background()) })
	dst, err := postgres.Connect(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dst.Close)
	mk, _ := keys.GenerateMasterKey()
	sealer, err := keys.NewSealer(mk)
	if err != nil {
		t.Fatal(err)
	}
	return &env{fx: fx, src: src, dst: dst, store: postgres.New(dst, time.Now), sealer: sealer}
}

// bcryptOnly stands in for login/password's format check (the login layer
// is above this one; cmd wires the real check, and cmd's tests run it): the
// old service only ever stored bcrypt.
func bcryptOnly(hash string) error {
	if !strings.HasPrefix(hash, "$2b$") {
		return errors.New("not bcrypt")
	}
	return nil
}

func (e *env) run(t *testing.T, secret string, dry bool) (*importer.Report, error) {
	t.Helper()
	return legacy.Import(context.Background(), e.src, e.dst, secret, importer.Options{Sealer: e.sealer, CheckHash: bcryptOnly, DryRun: dry, BatchSize: 2})
}

// snapshot is every row the import writes, in a stable order.
func (e *env) snapshot(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id, slug, name, status FROM tenants ORDER BY id`,
		`SELECT id, tenant_id, email, email_verified, password_hash, given_name, family_name, locale, disabled, phone, deleted_at, deleted_email, created_at, updated_at FROM users ORDER BY id`,
		`SELECT user_id, encode(secret, 'hex'), backup_codes, created_at, updated_at FROM totp_credentials ORDER BY user_id`,
		`SELECT namespace, address, chain_ref, user_id, created_at FROM wallets ORDER BY address`,
		`SELECT provider_id, subject, user_id, email, created_at, last_used_at FROM identities ORDER BY subject`,
		`SELECT id, tenant_id, user_id, role, resource_type, resource_id, granted_by, granted_at, expires_at, active, revoked_at FROM role_grants ORDER BY user_id, role`,
	} {
		rows, err := e.dst.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String()
}

func TestLegacyImport(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	empty := e.snapshot(t)

	// Dry run: the full report, nothing written.
	rep, err := e.run(t, legacytest.JWTAccessSecret, true)
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if got := e.snapshot(t); got != empty {
		t.Fatalf("the dry run wrote:\n%s", got)
	}
	if rep.Inserted != 5 || len(rep.Skipped) != 0 || !rep.DryRun {
		t.Fatalf("dry-run report: %+v", rep)
	}

	rep, err = e.run(t, legacytest.JWTAccessSecret, false)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	wantFactors := map[string]int{"password": 5, "totp": 1, "backup_code": 10, "wallet": 2, "identity": 1, "role": 2, "deleted": 1}
	if rep.Inserted != 5 || rep.Read != 5 || len(rep.Skipped) != 0 || fmt.Sprint(rep.Factors) != fmt.Sprint(wantFactors) {
		t.Fatalf("report: %+v", rep)
	}
	if rep.Dropped["biometric_credential"] != 1 {
		t.Fatalf("the biometric credential is not counted: %+v", rep.Dropped)
	}

	// A second run (the delta run before the switch) changes nothing.
	first := e.snapshot(t)
	rep, err = e.run(t, legacytest.JWTAccessSecret, false)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if rep.Unchanged != 5 || rep.Inserted+rep.Updated != 0 {
		t.Fatalf("second-run report: %+v", rep)
	}
	if got := e.snapshot(t); got != first {
		t.Fatalf("the second run changed rows:\nbefore:\n%s\nafter:\n%s", first, got)
	}

	// Same ids, tenants, names; the bcrypt hash as it was (upgraded at login).
	alice, err := e.store.GetUser(ctx, e.fx.Alice.ID)
	if err != nil || alice.Email != "alice@example.com" || alice.GivenName != "Alice" || !strings.HasPrefix(alice.PasswordHash, "$2b$10$") {
		t.Fatalf("alice = %+v, %v", alice, err)
	}
	erin, err := e.store.GetUserByEmail(ctx, legacytest.SecondTenant, "erin@example.com")
	if err != nil || erin.ID != e.fx.Erin.ID {
		t.Fatalf("erin in the second tenant = %+v, %v", erin, err)
	}
	if _, err := e.store.GetUserByEmail(ctx, storage.DefaultTenantID, "dave@example.com"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("soft-deleted dave is findable by e-mail: %v", err)
	}
	if dave, err := e.store.GetUser(ctx, e.fx.Dave.ID); err != nil || !dave.Disabled {
		t.Fatalf("dave = %+v, %v; want disabled", dave, err)
	}
	if p, err := e.store.GetProfile(ctx, e.fx.Bob.ID); err != nil || p.Phone != "+442079460958" {
		t.Fatalf("bob's phone = %+v, %v", p, err)
	}

	// TOTP resealed under Admit's master key; the old backup codes kept
	// with their scheme (login/totp accepts them: its tests and cmd's
	// end-to-end test sign in with one).
	cred, err := e.store.GetTOTPCredential(ctx, e.fx.Alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := e.sealer.Open(cred.Secret, storage.TOTPSecretAD(e.fx.Alice.ID))
	if err != nil || legacytest.Base32(plain) != e.fx.Alice.TOTPSecret {
		t.Fatalf("resealed secret does not open to the old one: %v", err)
	}
	sum := sha256.Sum256([]byte(e.fx.Alice.BackupCodes[3]))
	if len(cred.BackupCodes) != 10 || !slices.Contains(cred.BackupCodes, storage.LegacyBackupCodePrefix+hex.EncodeToString(sum[:])) {
		t.Fatalf("backup codes = %v", cred.BackupCodes)
	}

	// The lower-cased wallet is stored EIP-55 and found in any case.
	checksummed := crypto.PubkeyToAddress(e.fx.Bob.EthKey.PublicKey).Hex()
	for _, a := range []string{checksummed, e.fx.Bob.EthAddress} {
		w, err := e.store.GetWallet(ctx, "eip155", a)
		if err != nil || w.UserID != e.fx.Bob.ID || w.Address != checksummed {
			t.Fatalf("GetWallet(%s) = %+v, %v", a, w, err)
		}
	}
	if id, err := e.store.GetIdentity(ctx, "google", e.fx.Bob.GoogleSub); err != nil || id.UserID != e.fx.Bob.ID {
		t.Fatalf("google identity = %+v, %v", id, err)
	}

	// Active venue roles, with and without expiry; the inactive one is not imported.
	grants, err := e.store.UserRoleGrants(ctx, storage.DefaultTenantID, e.fx.Carol.ID, time.Now())
	if err != nil || len(grants) != 2 {
		t.Fatalf("carol's grants = %+v, %v", grants, err)
	}
	for _, g := range grants {
		want := map[string]string{e.fx.VenueA: "box-office", e.fx.VenueB: "door-staff"}[g.ResourceID]
		if g.Role != want || g.ResourceType != storage.ResourceVenue || (g.Role == "door-staff") == g.ExpiresAt.IsZero() {
			t.Fatalf("grant %+v", g)
		}
	}

}

func TestLegacyWrongKeyWritesNothing(t *testing.T) {
	e := setup(t)
	empty := e.snapshot(t)
	for _, secret := range []string{"a-different-jwt-access-secret-0123456789", ""} {
		_, err := e.run(t, secret, false)
		if !errors.Is(err, importer.ErrLegacyKey) {
			t.Fatalf("secret %q: err = %v, want ErrLegacyKey", secret, err)
		}
		if !strings.Contains(err.Error(), "legacy-jwt-access-secret") {
			t.Fatalf("the message does not say what to fix: %v", err)
		}
		if got := e.snapshot(t); got != empty {
			t.Fatalf("a wrong key wrote:\n%s", got)
		}
	}
}

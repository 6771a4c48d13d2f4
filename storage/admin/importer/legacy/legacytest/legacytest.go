// Package legacytest builds an old auth-service database for tests: the
// schema from its migrations (schema.sql) in a fresh Postgres database, and
// fixture users written the way the old code wrote them (bcrypt cost 10,
// TOTP secrets sealed as mfa.service.ts did, backup codes hashed as it
// did, wallets as wallet.service.ts stored what the wallet sent).
package legacytest

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/gagliardetto/solana-go"
	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/admit-idp/admit/storage/postgres/pgtest"
)

//go:embed testdata/schema.sql
var schemaSQL string

// JWTAccessSecret is the old service's JWT_ACCESS_SECRET in the fixture.
const JWTAccessSecret = "old-service-jwt-access-secret-0123456789abcdef"

// Tenant IDs of the fixture.
const (
	DefaultTenant = "00000000-0000-0000-0000-000000000001"
	SecondTenant  = "7e1c0f3a-1111-4a4a-9b9b-000000000002"
)

// User is a fixture user and the secrets its owner knows.
type User struct {
	ID, TenantID, Email, Password string
	// TOTPSecret is the base32 secret in the user's authenticator app.
	TOTPSecret string
	// BackupCodes are the codes the old service showed ("XXXX-XXXX").
	BackupCodes []string
	// EthKey controls EthAddress, stored lower-cased by the old service.
	EthKey     *ecdsa.PrivateKey
	EthAddress string
	SolanaKey  ed25519.PrivateKey
	// GoogleSub is the linked Google account's subject.
	GoogleSub string
}

// Fixture is a built old database.
type Fixture struct {
	URL string
	// Alice: password + TOTP + backup codes + a biometric credential.
	// Bob: password, a lower-case Ethereum wallet, a Solana wallet, Google.
	// Carol: venue roles, one expiring, one without expiry, one inactive.
	// Dave: soft-deleted. Erin: in the second tenant.
	Alice, Bob, Carol, Dave, Erin User
	VenueA, VenueB                string
}

// Build creates the old database with the fixture users.
func Build(t testing.TB) *Fixture {
	t.Helper()
	ctx := context.Background()
	f := &Fixture{URL: pgtest.NewEmptyDatabase(t), VenueA: "aaaaaaaa-0000-4000-8000-00000000000a", VenueB: "bbbbbbbb-0000-4000-8000-00000000000b"}
	db, err := pgx.Connect(ctx, f.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close(ctx) }()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(ctx, q, args...); err != nil {
			t.Fatalf("legacy fixture: %v\n%s", err, q)
		}
	}
	exec(schemaSQL)
	exec(`INSERT INTO tenants (id, name, slug) VALUES ($1, 'Second Venue Group', 'second')`, SecondTenant)

	created := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	insertUser := func(u *User, first, last string) {
		t.Helper()
		// auth.service.ts: bcrypt.hash(password, 10) with Node's bcrypt ($2b$).
		h, err := bcrypt.GenerateFromPassword([]byte(u.Password), 10)
		if err != nil {
			t.Fatal(err)
		}
		hash := "$2b$" + strings.TrimPrefix(string(h), "$2a$")
		exec(`INSERT INTO users (id, email, password_hash, first_name, last_name, email_verified, tenant_id,
			created_at, updated_at, phone) VALUES ($1, $2, $3, $4, $5, true, $6, $7, $7, '+44 20 7946 0958')`,
			u.ID, u.Email, hash, first, last, u.TenantID, created)
	}

	f.Alice = User{ID: "1a1a1a1a-0000-4000-8000-000000000001", TenantID: DefaultTenant, Email: "alice@example.com", Password: "alice-old-password"}
	insertUser(&f.Alice, "Alice", "Anders")
	f.Alice.TOTPSecret = speakeasySecret(t)
	var hashes []string
	for range 10 {
		code := backupCode(t)
		f.Alice.BackupCodes = append(f.Alice.BackupCodes, code)
		sum := sha256.Sum256([]byte(code))
		hashes = append(hashes, hex.EncodeToString(sum[:]))
	}
	codesJSON, _ := json.Marshal(hashes)
	exec(`UPDATE users SET mfa_enabled = true, mfa_secret = $2, backup_codes = $3 WHERE id = $1`,
		f.Alice.ID, Encrypt(t, JWTAccessSecret, f.Alice.TOTPSecret), string(codesJSON))
	exec(`INSERT INTO biometric_credentials (id, user_id, device_id, public_key, credential_type)
		VALUES ('b10b10b1-0000-4000-8000-000000000001', $1, 'iphone', 'fake-public-key', 'faceId')`, f.Alice.ID)

	f.Bob = User{ID: "2b2b2b2b-0000-4000-8000-000000000002", TenantID: DefaultTenant, Email: "bob@example.com", Password: "bob-old-password", GoogleSub: "109876543210987654321"}
	insertUser(&f.Bob, "Bob", "Brown")
	if f.Bob.EthKey, err = crypto.GenerateKey(); err != nil {
		t.Fatal(err)
	}
	f.Bob.EthAddress = strings.ToLower(crypto.PubkeyToAddress(f.Bob.EthKey.PublicKey).Hex())
	exec(`INSERT INTO wallet_connections (user_id, wallet_address, network, verified) VALUES ($1, $2, 'ethereum', true)`, f.Bob.ID, f.Bob.EthAddress)
	_, f.Bob.SolanaKey, _ = ed25519.GenerateKey(rand.Reader)
	solAddr := solana.PublicKeyFromBytes(f.Bob.SolanaKey.Public().(ed25519.PublicKey)).String()
	exec(`INSERT INTO wallet_connections (user_id, wallet_address, network, verified) VALUES ($1, $2, 'solana', true)`, f.Bob.ID, solAddr)
	exec(`INSERT INTO oauth_connections (id, user_id, provider, provider_user_id, profile_data)
		VALUES ('0a0a0a0a-0000-4000-8000-000000000001', $1, 'google', $2, '{}')`, f.Bob.ID, f.Bob.GoogleSub)

	f.Carol = User{ID: "3c3c3c3c-0000-4000-8000-000000000003", TenantID: DefaultTenant, Email: "carol@example.com", Password: "carol-old-password"}
	insertUser(&f.Carol, "Carol", "Clark")
	exec(`INSERT INTO user_venue_roles (user_id, venue_id, role, granted_by, expires_at) VALUES
		($1, $2, 'box-office', $1, NULL),
		($1, $3, 'door-staff', $1, now() + interval '30 days'),
		($1, $3, 'venue-manager', $1, NULL)`, f.Carol.ID, f.VenueA, f.VenueB)
	exec(`UPDATE user_venue_roles SET is_active = false WHERE role = 'venue-manager'`)

	f.Dave = User{ID: "4d4d4d4d-0000-4000-8000-000000000004", TenantID: DefaultTenant, Email: "dave@example.com", Password: "dave-old-password"}
	insertUser(&f.Dave, "Dave", "Davis")
	exec(`UPDATE users SET deleted_at = $2, deletion_reason = 'user request' WHERE id = $1`, f.Dave.ID, created.Add(24*time.Hour))

	f.Erin = User{ID: "5e5e5e5e-0000-4000-8000-000000000005", TenantID: SecondTenant, Email: "erin@example.com", Password: "erin-old-password"}
	insertUser(&f.Erin, "Erin", "Evans")
	return f
}

// speakeasySecret makes a secret as speakeasy.generateSecret({length: 32})
// did: 32 random printable characters, base32-encoded.
func speakeasySecret(t testing.TB) string {
	const symbols = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!@#$%^&*()<>?/[]{},.:;"
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = symbols[int(b[i])%len(symbols)]
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// backupCode is mfa.service.ts generateBackupCodes: 4 random bytes in
// upper-case hex, "XXXX-XXXX".
func backupCode(t testing.TB) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	h := strings.ToUpper(hex.EncodeToString(b))
	return h[:4] + "-" + h[4:]
}

// Encrypt is mfa.service.ts encrypt: AES-256-GCM, key = the secret's first
// 32 bytes, a 16-byte random IV, "iv:authTag:ciphertext" in hex.
func Encrypt(t testing.TB, jwtAccessSecret, text string) string {
	block, err := aes.NewCipher([]byte(jwtAccessSecret)[:32])
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, 16)
	if err != nil {
		t.Fatal(err)
	}
	iv := make([]byte, 16)
	if _, err := rand.Read(iv); err != nil {
		t.Fatal(err)
	}
	sealed := gcm.Seal(nil, iv, []byte(text), nil)
	ct, tag := sealed[:len(sealed)-16], sealed[len(sealed)-16:]
	return hex.EncodeToString(iv) + ":" + hex.EncodeToString(tag) + ":" + hex.EncodeToString(ct)
}

// Base32 encodes a raw TOTP key as authenticator apps show it.
func Base32(raw []byte) string {
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw)
}

// Package legacy reads the old Node auth-service's PostgreSQL database
// and yields importer.Records, so `admit import legacy` and Admit's JSON
// Lines format share one importer.
//
// Mapping (tables as the old service's knex migrations and services left
// them, see testdata/schema.sql):
//
//	users                 id (kept: it becomes the sub), tenant_id, e-mail, names, phone (if E.164),
//	                      bcrypt password_hash, deleted_at (soft-deleted: refused),
//	                      role 'admin' (a global admin grant)
//	users.mfa_secret      TOTP, "iv:authTag:ciphertext" hex under JWT_ACCESS_SECRET[:32]
//	users.backup_codes    hex SHA-256 of "XXXX-XXXX" (scheme legacy-sha256)
//	user_venue_roles      active venue roles with their expiry
//	oauth_connections     linked identities (provider, provider_user_id)
//	wallet_connections    verified wallets; network ethereum → eip155, solana → solana
//	biometric_credentials not passkeys (a SHA-256 "signature"): counted, not imported
//	trusted_devices       not imported (Admit's device trust starts afresh): counted
package legacy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/admit-idp/admit/storage/admin/importer"
)

// Tenant is a tenant of the old service.
type Tenant struct {
	ID, Name, Slug, Status string
}

// Tenants lists the old service's tenants.
func Tenants(ctx context.Context, db *pgx.Conn) ([]Tenant, error) {
	rows, err := db.Query(ctx, `SELECT id::text, name, slug, coalesce(status, 'active') FROM tenants ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("legacy: tenants: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Tenant, error) {
		var t Tenant
		return t, r.Scan(&t.ID, &t.Name, &t.Slug, &t.Status)
	})
}

// CheckKey opens every TOTP secret of the old database with key before
// anything is written. It fails with importer.ErrLegacyKey when there are
// secrets and none opens (a wrong JWT_ACCESS_SECRET); a few damaged values
// are left to the per-record report. It returns how many secrets opened.
func CheckKey(ctx context.Context, db *pgx.Conn, key []byte) (opened, total int, err error) {
	rows, err := db.Query(ctx, `SELECT mfa_secret FROM users WHERE mfa_enabled AND coalesce(mfa_secret, '') <> ''`)
	if err != nil {
		return 0, 0, fmt.Errorf("legacy: read secrets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return 0, 0, err
		}
		total++
		if _, err := importer.OpenLegacySecret(key, s); err == nil {
			opened++
		}
	}
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("legacy: read secrets: %w", err)
	}
	if total > 0 && opened == 0 {
		if key == nil {
			return 0, total, fmt.Errorf("%w: %d users have TOTP; pass --legacy-jwt-access-secret", importer.ErrLegacyKey, total)
		}
		return 0, total, fmt.Errorf("%w: none of the %d TOTP secrets opens; check --legacy-jwt-access-secret (the old service's JWT_ACCESS_SECRET)", importer.ErrLegacyKey, total)
	}
	return opened, total, nil
}

// usersSQL reads one user per row with its factors aggregated as JSON.
// Each factor table is aggregated once (hash aggregate) and joined by
// user_id: a correlated subquery per user would scan the old tables once
// per user where they have no user_id index, quadratic on a million users.
const usersSQL = `
WITH w AS (
	SELECT user_id, json_agg(json_build_object('address', wallet_address, 'network', network,
		'created_at', created_at) ORDER BY created_at) AS j
	FROM wallet_connections WHERE verified GROUP BY user_id),
o AS (
	SELECT user_id, json_agg(json_build_object('provider', provider, 'subject', provider_user_id,
		'created_at', created_at) ORDER BY created_at) AS j
	FROM oauth_connections GROUP BY user_id),
r AS (
	SELECT user_id, json_agg(json_build_object('role', role, 'venue_id', venue_id::text,
		'granted_by', granted_by::text, 'granted_at', granted_at, 'expires_at', expires_at)
		ORDER BY venue_id, role) AS j
	FROM user_venue_roles WHERE coalesce(is_active, true) GROUP BY user_id),
b AS (SELECT user_id, count(*) AS n FROM biometric_credentials WHERE coalesce(is_active, true) GROUP BY user_id),
d AS (SELECT user_id, count(*) AS n FROM trusted_devices GROUP BY user_id)
SELECT u.id::text, u.tenant_id::text, u.email, coalesce(u.email_verified, false),
	coalesce(u.first_name, ''), coalesce(u.last_name, ''), coalesce(u.phone, ''),
	coalesce(u.password_hash, ''), coalesce(u.mfa_enabled, false), coalesce(u.mfa_secret, ''),
	coalesce(u.backup_codes::text, ''), u.created_at, u.updated_at, u.last_login_at, u.deleted_at,
	coalesce(u.role, ''),
	coalesce(w.j, '[]'), coalesce(o.j, '[]'), coalesce(r.j, '[]'), coalesce(b.n, 0), coalesce(d.n, 0)
FROM users u
LEFT JOIN w ON w.user_id = u.id
LEFT JOIN o ON o.user_id = u.id
LEFT JOIN r ON r.user_id = u.id
LEFT JOIN b ON b.user_id = u.id
LEFT JOIN d ON d.user_id = u.id
ORDER BY u.id`

// Source streams the old users as importer records.
type Source struct {
	rows pgx.Rows
}

var _ importer.Source = (*Source)(nil)

// Open starts reading users. Close the source when done.
func Open(ctx context.Context, db *pgx.Conn) (*Source, error) {
	rows, err := db.Query(ctx, usersSQL)
	if err != nil {
		return nil, fmt.Errorf("legacy: read users: %w", err)
	}
	return &Source{rows: rows}, nil
}

// Close releases the query.
func (s *Source) Close() { s.rows.Close() }

type jsonWallet struct {
	Address   string    `json:"address"`
	Network   string    `json:"network"`
	CreatedAt time.Time `json:"created_at"`
}

// Next implements importer.Source.
func (s *Source) Next() (importer.Record, error) {
	if !s.rows.Next() {
		if err := s.rows.Err(); err != nil {
			return importer.Record{}, fmt.Errorf("legacy: read users: %w", err)
		}
		return importer.Record{}, io.EOF
	}
	var (
		r                               importer.Record
		phone, hash, secret, codes      string
		role                            string
		mfa                             bool
		updated, lastLogin, deletedAt   *time.Time
		walletsJSON, oauthJSON, rolesJS []byte
		bio, devices                    int64
	)
	err := s.rows.Scan(&r.ID, &r.TenantID, &r.Email, &r.EmailVerified, &r.GivenName, &r.FamilyName, &phone,
		&hash, &mfa, &secret, &codes, &r.CreatedAt, &updated, &lastLogin, &deletedAt, &role,
		&walletsJSON, &oauthJSON, &rolesJS, &bio, &devices)
	if err != nil {
		return importer.Record{}, fmt.Errorf("legacy: scan user: %w", err)
	}
	r.UpdatedAt, r.LastLoginAt = updated, lastLogin
	r.Dropped = map[string]int{}
	if p := e164(phone); p != "" || phone == "" {
		r.Phone = p
	} else {
		r.Dropped["phone_not_e164"]++
	}
	if deletedAt != nil {
		r.Status, r.DeletedAt = importer.StatusDeleted, deletedAt
	}
	if hash != "" {
		r.Password = &importer.Password{Hash: hash}
	}
	if mfa && secret != "" {
		r.TOTP = &importer.TOTP{Secret: secret, Sealing: importer.SealingLegacy}
		if hs := backupHashes(codes); len(hs) > 0 {
			r.BackupCodes = &importer.BackupCodes{Scheme: importer.SchemeLegacySHA256, Hashes: hs}
		}
	}
	if err := s.factors(&r, walletsJSON, oauthJSON, rolesJS); err != nil {
		return importer.Record{}, fmt.Errorf("%w: %s: %v", importer.ErrBadRecord, r.ID, err)
	}
	if role == "admin" {
		r.Roles = append(r.Roles, importer.Role{Role: "admin", GrantedBy: "import"})
	}
	if bio > 0 {
		r.Dropped["biometric_credential"] += int(bio)
	}
	if devices > 0 {
		r.Dropped["trusted_device"] += int(devices)
	}
	return r, nil
}

func (s *Source) factors(r *importer.Record, walletsJSON, oauthJSON, rolesJSON []byte) error {
	var ws []jsonWallet
	if err := json.Unmarshal(walletsJSON, &ws); err != nil {
		return err
	}
	for _, w := range ws {
		ns := map[string]string{"ethereum": "eip155", "solana": "solana"}[w.Network]
		if ns == "" {
			r.Dropped["wallet_"+w.Network]++
			continue
		}
		t := w.CreatedAt
		r.Wallets = append(r.Wallets, importer.Wallet{Namespace: ns, Address: w.Address, CreatedAt: &t})
	}
	if err := json.Unmarshal(oauthJSON, &r.Identities); err != nil {
		return err
	}
	return json.Unmarshal(rolesJSON, &r.Roles)
}

// backupHashes reads users.backup_codes: mfa.service.ts stored
// JSON.stringify(array) into a jsonb column, which holds either the array
// or, through some drivers, a JSON string containing it.
func backupHashes(raw string) []string {
	var hs []string
	if json.Unmarshal([]byte(raw), &hs) == nil {
		return hs
	}
	var inner string
	if json.Unmarshal([]byte(raw), &inner) == nil && json.Unmarshal([]byte(inner), &hs) == nil {
		return hs
	}
	return nil
}

var (
	nonDigits = regexp.MustCompile(`[\s().-]`)
	e164RE    = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
)

// e164 returns the phone number in E.164 form, or "" when it is not one.
func e164(p string) string {
	p = nonDigits.ReplaceAllString(strings.TrimSpace(p), "")
	if e164RE.MatchString(p) {
		return p
	}
	return ""
}

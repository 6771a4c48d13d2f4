package importer

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/postgres"
)

// Postgres writes batches into Admit's Postgres schema: COPY into
// temporary staging tables, then set-based upserts, in one transaction per
// batch.
type Postgres struct {
	Pool   *pgxpool.Pool
	Sealer sealer
	Now    func() time.Time
	// Tenants are created, if missing, in each batch's transaction (so a
	// dry run sees them too); existing tenants are left as they are.
	Tenants []Tenant
}

// Tenant is a tenant the source brings along.
type Tenant struct {
	ID, Slug, Name string
	Suspended      bool
}

var _ Writer = (*Postgres)(nil)

const stagingDDL = `
CREATE TEMP TABLE imp_users (id text, tenant_id text, email text, email_verified boolean,
	password_hash text, given_name text, family_name text, locale text, disabled boolean,
	phone text, deleted_at timestamptz, deleted_email text, created_at timestamptz,
	updated_at timestamptz) ON COMMIT DROP;
CREATE TEMP TABLE imp_wallets (namespace text, address text, chain_ref text, user_id text,
	created_at timestamptz) ON COMMIT DROP;
CREATE TEMP TABLE imp_identities (provider_id text, subject text, user_id text, email text,
	created_at timestamptz) ON COMMIT DROP;
CREATE TEMP TABLE imp_grants (tenant_id text, user_id text, role text, resource_type text,
	resource_id text, granted_by text, granted_at timestamptz, expires_at timestamptz) ON COMMIT DROP;
CREATE TEMP TABLE imp_totp (user_id text, secret bytea, backup_codes text[],
	created_at timestamptz, updated_at timestamptz) ON COMMIT DROP;
CREATE TEMP TABLE imp_passkeys (id bytea, user_id text, public_key bytea, sign_count bigint,
	aaguid bytea, transports text[], backup_eligible boolean, backup_state boolean,
	user_verified boolean, name text, created_at timestamptz) ON COMMIT DROP;
CREATE TEMP TABLE imp_handles (user_id text, handle bytea) ON COMMIT DROP;`

// conflictsSQL finds staged users that collide with data already in Admit.
// Each lookup uses an index of the live table (see migrations 0003, 0004,
// 0009, 0014).
const conflictsSQL = `
SELECT s.id, '` + ReasonUnknownTenant + `' FROM imp_users s
	WHERE NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = s.tenant_id)
UNION ALL
SELECT s.id, '` + ReasonOtherTenant + `' FROM imp_users s JOIN users u ON u.id = s.id AND u.tenant_id <> s.tenant_id
UNION ALL
SELECT s.id, '` + ReasonEmailTaken + `' FROM imp_users s JOIN users u
	ON u.tenant_id = s.tenant_id AND lower(u.email) = s.email AND u.email <> '' AND u.id <> s.id
	WHERE s.email <> ''
UNION ALL
SELECT w.user_id, '` + ReasonWalletInUse + `' FROM imp_wallets w JOIN wallets x
	ON x.namespace = 'eip155' AND lower(x.address) = lower(w.address) AND x.user_id <> w.user_id
	WHERE w.namespace = 'eip155'
UNION ALL
SELECT w.user_id, '` + ReasonWalletInUse + `' FROM imp_wallets w JOIN wallets x
	ON x.namespace = w.namespace AND x.address = w.address AND x.user_id <> w.user_id
	WHERE w.namespace <> 'eip155'
UNION ALL
SELECT i.user_id, '` + ReasonIdentityInUse + `' FROM imp_identities i JOIN identities x
	ON x.provider_id = i.provider_id AND x.subject = i.subject AND x.user_id <> i.user_id
UNION ALL
SELECT k.user_id, '` + ReasonPasskeyInUse + `' FROM imp_passkeys k JOIN passkeys x
	ON x.id = k.id AND x.user_id <> k.user_id
UNION ALL
SELECT h.user_id, '` + ReasonPasskeyInUse + `' FROM imp_handles h JOIN passkey_user_handles x
	ON x.handle = h.handle AND x.user_id <> h.user_id`

// keepPassword: a hash Admit already upgraded at a sign-in (argon2id) wins
// over the source's older hash of the same password on a delta run.
const keepPassword = `CASE WHEN users.password_hash LIKE '$argon2id$%' AND EXCLUDED.password_hash NOT LIKE '$argon2id$%'
	THEN users.password_hash ELSE EXCLUDED.password_hash END`

// A re-import never resurrects a user Admit has deleted or disabled since
// (the account area's deletion, an administrator's block): deleted_at and
// disabled only ever get set by the source, and a deleted user keeps the
// e-mail fields SoftDeleteUser left (email empty, deleted_email set).
const (
	keepEmail        = `CASE WHEN users.deleted_at IS NULL THEN EXCLUDED.email ELSE users.email END`
	keepDeletedEmail = `CASE WHEN users.deleted_at IS NULL THEN EXCLUDED.deleted_email ELSE users.deleted_email END`
	keepDeletedAt    = `COALESCE(users.deleted_at, EXCLUDED.deleted_at)`
	keepDisabled     = `users.disabled OR EXCLUDED.disabled`
)

// upsertUsersSQL's DO UPDATE only touches a user of the same tenant:
// conflictsSQL drops the others first (ReasonOtherTenant), and the guard
// holds even if such a user appeared since.
const upsertUsersSQL = `
INSERT INTO users (id, tenant_id, email, email_verified, password_hash, given_name, family_name,
	locale, disabled, phone, deleted_at, deleted_email, created_at, updated_at)
SELECT id, tenant_id, email, email_verified, password_hash, given_name, family_name,
	locale, disabled, phone, deleted_at, deleted_email, created_at, updated_at FROM imp_users
ON CONFLICT (id) DO UPDATE SET email = ` + keepEmail + `, email_verified = EXCLUDED.email_verified,
	password_hash = ` + keepPassword + `, given_name = EXCLUDED.given_name,
	family_name = EXCLUDED.family_name, locale = EXCLUDED.locale, disabled = ` + keepDisabled + `,
	phone = EXCLUDED.phone, deleted_at = ` + keepDeletedAt + `, deleted_email = ` + keepDeletedEmail + `,
	created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at
WHERE users.tenant_id = EXCLUDED.tenant_id AND
	(users.email, users.email_verified, users.password_hash, users.given_name, users.family_name,
	users.locale, users.disabled, users.phone, users.deleted_at, users.deleted_email, users.created_at,
	users.updated_at)
	IS DISTINCT FROM (` + keepEmail + `, EXCLUDED.email_verified, ` + keepPassword + `,
	EXCLUDED.given_name, EXCLUDED.family_name, EXCLUDED.locale, ` + keepDisabled + `, EXCLUDED.phone,
	` + keepDeletedAt + `, ` + keepDeletedEmail + `, EXCLUDED.created_at, EXCLUDED.updated_at)
RETURNING id, xmax = 0`

// factorSQL replaces each imported user's factor sets with the source's;
// every statement returns the users it changed. Removals concern only the
// users that existed before the batch ($1, an index lookup by user_id:
// joining the growing live tables against a staging table would scan
// them, making a large import quadratic); they are skipped when none did.
var factorSQL = []string{
	`DELETE FROM wallets x WHERE x.user_id = ANY($1) AND NOT EXISTS (
		SELECT 1 FROM imp_wallets w WHERE w.user_id = x.user_id AND w.namespace = x.namespace
		AND w.address = x.address AND w.chain_ref = x.chain_ref) RETURNING x.user_id`,
	`INSERT INTO wallets (namespace, address, chain_ref, user_id, created_at)
		SELECT namespace, address, chain_ref, user_id, created_at FROM imp_wallets
		ON CONFLICT DO NOTHING RETURNING user_id`,
	`DELETE FROM identities x WHERE x.user_id = ANY($1) AND NOT EXISTS (
		SELECT 1 FROM imp_identities i WHERE i.user_id = x.user_id AND i.provider_id = x.provider_id
		AND i.subject = x.subject) RETURNING x.user_id`,
	`INSERT INTO identities (provider_id, subject, user_id, email, created_at, last_used_at)
		SELECT provider_id, subject, user_id, email, created_at, created_at FROM imp_identities
		ON CONFLICT DO NOTHING RETURNING user_id`,
	`UPDATE role_grants g SET active = false, revoked_by = 'import', revoked_at = $2
		FROM imp_users s WHERE g.user_id = ANY($1) AND g.tenant_id = s.tenant_id AND g.user_id = s.id AND g.active
		AND NOT EXISTS (SELECT 1 FROM imp_grants i WHERE i.user_id = g.user_id AND i.role = g.role
		AND i.resource_type = g.resource_type AND i.resource_id = g.resource_id) RETURNING g.user_id`,
	`INSERT INTO role_grants (id, tenant_id, user_id, role, resource_type, resource_id, granted_by,
		granted_at, expires_at, active)
		SELECT 'import-' || gen_random_uuid(), tenant_id, user_id, role, resource_type, resource_id,
		granted_by, granted_at, expires_at, true FROM imp_grants
		ON CONFLICT (tenant_id, user_id, role, resource_type, resource_id) WHERE active
		DO UPDATE SET expires_at = EXCLUDED.expires_at
		WHERE role_grants.expires_at IS DISTINCT FROM EXCLUDED.expires_at RETURNING user_id`,
	`DELETE FROM totp_credentials t WHERE t.user_id = ANY($1)
		AND NOT EXISTS (SELECT 1 FROM imp_totp i WHERE i.user_id = t.user_id) RETURNING t.user_id`,
	`INSERT INTO totp_credentials (user_id, secret, backup_codes, created_at, updated_at)
		SELECT user_id, secret, backup_codes, created_at, updated_at FROM imp_totp
		ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret,
		backup_codes = EXCLUDED.backup_codes, updated_at = EXCLUDED.updated_at
		WHERE (totp_credentials.secret, totp_credentials.backup_codes)
		IS DISTINCT FROM (EXCLUDED.secret, EXCLUDED.backup_codes) RETURNING user_id`,
	// Passkeys keep their live state (counter, last use) once imported.
	`DELETE FROM passkeys x WHERE x.user_id = ANY($1) AND NOT EXISTS (
		SELECT 1 FROM imp_passkeys k WHERE k.id = x.id) RETURNING x.user_id`,
	`INSERT INTO passkeys (id, user_id, public_key, sign_count, aaguid, transports, backup_eligible,
		backup_state, user_verified, attestation_type, name, created_at)
		SELECT id, user_id, public_key, sign_count, aaguid, transports, backup_eligible,
		backup_state, user_verified, 'none', name, created_at FROM imp_passkeys
		ON CONFLICT (id) DO NOTHING RETURNING user_id`,
	`INSERT INTO passkey_user_handles (user_id, handle) SELECT user_id, handle FROM imp_handles
		ON CONFLICT (user_id) DO UPDATE SET handle = EXCLUDED.handle
		WHERE passkey_user_handles.handle <> EXCLUDED.handle RETURNING user_id`,
}

// WriteBatch implements Writer.
func (p *Postgres) WriteBatch(ctx context.Context, users []User, dry bool, skip func(id, reason string)) (BatchResult, error) {
	res := BatchResult{Written: map[string]bool{}}
	tx, err := p.Pool.Begin(ctx)
	if err != nil {
		return res, err
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	if _, err := tx.Exec(ctx, stagingDDL); err != nil {
		return res, fmt.Errorf("staging tables: %w", err)
	}
	for _, t := range p.Tenants {
		status := "active"
		if t.Suspended {
			status = "suspended"
		}
		if _, err := tx.Exec(ctx, `INSERT INTO tenants (id, slug, name, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (id) DO NOTHING`, t.ID, t.Slug, t.Name, status, p.now()); err != nil {
			return res, fmt.Errorf("tenant %s (slug %q): %w", t.ID, t.Slug, err)
		}
	}
	if err := p.keepSealedSecrets(ctx, tx, users); err != nil {
		return res, err
	}
	if err := stage(ctx, tx, users); err != nil {
		return res, err
	}
	dropped, err := dropConflicts(ctx, tx, skip)
	if err != nil {
		return res, err
	}
	existing, err := existingUsers(ctx, tx)
	if err != nil {
		return res, err
	}
	changed := map[string]bool{}
	rows, err := tx.Query(ctx, upsertUsersSQL)
	if err != nil {
		return res, fmt.Errorf("upsert users: %w", err)
	}
	inserted := map[string]bool{}
	for rows.Next() {
		var id string
		var ins bool
		if err := rows.Scan(&id, &ins); err != nil {
			return res, err
		}
		changed[id], inserted[id] = true, ins
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("upsert users: %w", err)
	}
	for _, q := range factorSQL {
		if strings.Contains(q, "ANY($1)") && len(existing) == 0 {
			continue
		}
		var args []any
		if strings.Contains(q, "$1") {
			args = append(args, existing)
		}
		if strings.Contains(q, "$2") {
			args = append(args, p.now())
		}
		if err := collect(ctx, tx, q, args, changed); err != nil {
			return res, err
		}
	}
	if err := postgres.WriteEvents(ctx, tx, p.createdEvents(users, inserted)); err != nil {
		return res, fmt.Errorf("user.created events: %w", err)
	}
	for _, u := range users {
		switch {
		case dropped[u.ID]:
			continue
		case inserted[u.ID]:
			res.Inserted++
		case changed[u.ID]:
			res.Updated++
		default:
			res.Unchanged++
		}
		res.Written[u.ID] = true
	}
	if dry {
		return res, nil // the deferred rollback undoes everything
	}
	return res, tx.Commit(ctx)
}

// importedUser is the payload of an imported user's user.created: the
// user_id every user.created carries, and where it came from.
type importedUser struct {
	UserID string `json:"user_id"`
	Source string `json:"source"`
}

// createdEvents announces each user the batch inserted (not one it
// updated: that user was announced when it was created), in the batch's
// order; they commit with the batch (docs/events.md).
func (p *Postgres) createdEvents(users []User, inserted map[string]bool) []storage.Event {
	var out []storage.Event
	for _, u := range users {
		if inserted[u.ID] {
			out = append(out, storage.NewEvent(storage.EventUserCreated, u.TenantID, u.ID, importedUser{u.ID, "import"}, p.now()))
		}
	}
	return out
}

func (p *Postgres) now() time.Time {
	if p.Now == nil {
		return time.Now().UTC()
	}
	return p.Now().UTC()
}

// keepSealedSecrets reuses the stored sealed bytes of a TOTP secret that
// did not change: sealing is randomised, so re-sealing would rewrite every
// row on each run.
func (p *Postgres) keepSealedSecrets(ctx context.Context, tx pgx.Tx, users []User) error {
	byID := map[string]*User{}
	var ids []string
	for i := range users {
		if users[i].TOTPSecret != nil {
			byID[users[i].ID] = &users[i]
			ids = append(ids, users[i].ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT user_id, secret FROM totp_credentials WHERE user_id = ANY($1)`, ids)
	if err != nil {
		return fmt.Errorf("read totp: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var sealed []byte
		if err := rows.Scan(&id, &sealed); err != nil {
			return err
		}
		plain, err := p.Sealer.Open(sealed, storage.TOTPSecretAD(id))
		if u := byID[id]; err == nil && bytes.Equal(plain, u.TOTPSecret) {
			u.TOTPSealed = sealed
		}
	}
	return rows.Err()
}

// existingUsers lists the staged users already in Admit (a re-run).
func existingUsers(ctx context.Context, tx pgx.Tx) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT u.id FROM imp_users s JOIN users u ON u.id = s.id`)
	if err != nil {
		return nil, fmt.Errorf("existing users: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("existing users: %w", err)
	}
	return ids, nil
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func stage(ctx context.Context, tx pgx.Tx, users []User) error {
	var us, ws, is, gs, ts, ps, hs [][]any
	for _, u := range users {
		us = append(us, []any{u.ID, u.TenantID, u.Email, u.EmailVerified, u.PasswordHash, u.GivenName,
			u.FamilyName, u.Locale, u.Disabled, u.Phone, nullTime(u.DeletedAt), u.DeletedEmail, u.CreatedAt, u.UpdatedAt})
		for _, w := range u.Wallets {
			ws = append(ws, []any{w.Namespace, w.Address, w.ChainRef, u.ID, w.CreatedAt})
		}
		for _, i := range u.Identities {
			is = append(is, []any{i.ProviderID, i.Subject, u.ID, i.Email, i.CreatedAt})
		}
		for _, g := range u.Grants {
			gs = append(gs, []any{g.TenantID, u.ID, g.Role, g.ResourceType, g.ResourceID, g.GrantedBy, g.GrantedAt, nullTime(g.ExpiresAt)})
		}
		for _, k := range u.Passkeys {
			ps = append(ps, []any{k.ID, u.ID, k.PublicKey, int64(k.SignCount), k.AAGUID, k.Transports,
				k.BackupEligible, k.BackupState, k.UserVerified, k.Name, k.CreatedAt})
		}
		if u.PasskeyHandle != nil {
			hs = append(hs, []any{u.ID, u.PasskeyHandle})
		}
		if u.TOTPSealed != nil {
			codes := u.BackupCodes
			if codes == nil {
				codes = []string{}
			}
			ts = append(ts, []any{u.ID, u.TOTPSealed, codes, u.CreatedAt, u.UpdatedAt})
		}
	}
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"imp_users", []string{"id", "tenant_id", "email", "email_verified", "password_hash", "given_name", "family_name", "locale", "disabled", "phone", "deleted_at", "deleted_email", "created_at", "updated_at"}, us},
		{"imp_wallets", []string{"namespace", "address", "chain_ref", "user_id", "created_at"}, ws},
		{"imp_identities", []string{"provider_id", "subject", "user_id", "email", "created_at"}, is},
		{"imp_grants", []string{"tenant_id", "user_id", "role", "resource_type", "resource_id", "granted_by", "granted_at", "expires_at"}, gs},
		{"imp_totp", []string{"user_id", "secret", "backup_codes", "created_at", "updated_at"}, ts},
		{"imp_passkeys", []string{"id", "user_id", "public_key", "sign_count", "aaguid", "transports", "backup_eligible", "backup_state", "user_verified", "name", "created_at"}, ps},
		{"imp_handles", []string{"user_id", "handle"}, hs},
	} {
		if len(c.rows) == 0 {
			continue
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			return fmt.Errorf("copy %s: %w", c.table, err)
		}
	}
	return nil
}

// dropConflicts removes conflicting users from every staging table and
// reports them; a user is imported whole or not at all.
func dropConflicts(ctx context.Context, tx pgx.Tx, skip func(id, reason string)) (map[string]bool, error) {
	rows, err := tx.Query(ctx, conflictsSQL)
	if err != nil {
		return nil, fmt.Errorf("conflicts: %w", err)
	}
	dropped := map[string]bool{}
	for rows.Next() {
		var id, reason string
		if err := rows.Scan(&id, &reason); err != nil {
			return nil, err
		}
		if !dropped[id] {
			dropped[id] = true
			skip(id, reason)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("conflicts: %w", err)
	}
	if len(dropped) == 0 {
		return dropped, nil
	}
	ids := make([]string, 0, len(dropped))
	for id := range dropped {
		ids = append(ids, id)
	}
	for _, q := range []string{
		`DELETE FROM imp_users WHERE id = ANY($1)`,
		`DELETE FROM imp_wallets WHERE user_id = ANY($1)`,
		`DELETE FROM imp_identities WHERE user_id = ANY($1)`,
		`DELETE FROM imp_grants WHERE user_id = ANY($1)`,
		`DELETE FROM imp_totp WHERE user_id = ANY($1)`,
		`DELETE FROM imp_passkeys WHERE user_id = ANY($1)`,
		`DELETE FROM imp_handles WHERE user_id = ANY($1)`,
	} {
		if _, err := tx.Exec(ctx, q, ids); err != nil {
			return nil, err
		}
	}
	return dropped, nil
}

func collect(ctx context.Context, tx pgx.Tx, q string, args []any, changed map[string]bool) error {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		changed[id] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

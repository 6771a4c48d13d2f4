package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/admit-idp/admit/storage"
)

// CreateAccountToken implements storage.AccountTokens.
func (s *Store) CreateAccountToken(ctx context.Context, t storage.AccountToken) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO account_tokens
		(hash, purpose, user_id, email, flow_id, created_at, expires_at, used_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		t.Hash, t.Purpose, t.UserID, t.Email, t.FlowID, t.CreatedAt, t.ExpiresAt, optional(t.UsedAt))
	return wrap("create account token", err)
}

// ConsumeAccountToken implements storage.AccountTokens with one conditional
// UPDATE, so of two concurrent uses exactly one wins; the loser reads the
// row to tell "used" from "unknown or expired".
func (s *Store) ConsumeAccountToken(ctx context.Context, hash, purpose string, at time.Time) (storage.AccountToken, error) {
	t, err := scanAccountToken(s.pool.QueryRow(ctx, `UPDATE account_tokens SET used_at = $3
		WHERE hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
		RETURNING `+accountTokenColumns, hash, purpose, at))
	if !errors.Is(err, pgx.ErrNoRows) {
		return t, wrap("consume account token", err)
	}
	var used bool
	err = s.pool.QueryRow(ctx, `SELECT used_at IS NOT NULL FROM account_tokens
		WHERE hash = $1 AND purpose = $2 AND expires_at > $3`, hash, purpose, at).Scan(&used)
	if err == nil && used {
		return storage.AccountToken{}, fmt.Errorf("postgres: consume account token: %w", storage.ErrAlreadyUsed)
	}
	if err == nil {
		err = pgx.ErrNoRows
	}
	return storage.AccountToken{}, wrap("consume account token", err)
}

const accountTokenColumns = `hash, purpose, user_id, email, flow_id, created_at, expires_at, used_at`

func scanAccountToken(r row) (storage.AccountToken, error) {
	var t storage.AccountToken
	err := r.Scan(&t.Hash, &t.Purpose, &t.UserID, &t.Email, &t.FlowID,
		utc(&t.CreatedAt), utc(&t.ExpiresAt), utc(&t.UsedAt))
	return t, err
}

// CountAccountTokens implements storage.AccountTokens.
func (s *Store) CountAccountTokens(ctx context.Context, userID, purpose string, since time.Time) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM account_tokens
		WHERE user_id = $1 AND purpose = $2 AND created_at >= $3`, userID, purpose, since).Scan(&n)
	return n, wrap("count account tokens", err)
}

// InvalidateAccountTokens implements storage.AccountTokens.
func (s *Store) InvalidateAccountTokens(ctx context.Context, userID, purpose string, at time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE account_tokens SET used_at = $3
		WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`, userID, purpose, at)
	return wrap("invalidate account tokens", err)
}

// GetProfile implements storage.UserAdmin.
func (s *Store) GetProfile(ctx context.Context, userID string) (storage.Profile, error) {
	var p storage.Profile
	err := s.pool.QueryRow(ctx, `SELECT given_name, family_name, phone, locale FROM users WHERE id = $1`,
		userID).Scan(&p.GivenName, &p.FamilyName, &p.Phone, &p.Locale)
	return p, wrap("get profile", err)
}

// UpdateProfile implements storage.UserAdmin.
func (s *Store) UpdateProfile(ctx context.Context, userID string, p storage.Profile, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE users SET given_name = $2, family_name = $3, phone = $4,
		locale = $5, updated_at = $6 WHERE id = $1`, userID, p.GivenName, p.FamilyName, p.Phone, p.Locale, at)
	if err == nil && tag.RowsAffected() == 0 {
		err = errNoSuch("user")
	}
	return wrap("update profile", err)
}

// SetUserLocale implements storage.UserAdmin.
func (s *Store) SetUserLocale(ctx context.Context, userID, locale string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE users SET locale = $2, updated_at = $3 WHERE id = $1`, userID, locale, at)
	if err == nil && tag.RowsAffected() == 0 {
		err = errNoSuch("user")
	}
	return wrap("set user locale", err)
}

// SetEmail implements storage.UserAdmin; users_email_key, on (tenant_id,
// lower(email)), makes an address taken in the user's tenant
// ErrAlreadyExists.
func (s *Store) SetEmail(ctx context.Context, userID, email string, verified bool, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE users SET email = $2, email_verified = $3, updated_at = $4
		WHERE id = $1`, userID, email, verified, at)
	if err == nil && tag.RowsAffected() == 0 {
		err = errNoSuch("user")
	}
	return wrap("set e-mail", err)
}

// SoftDeleteUser implements storage.UserAdmin.
func (s *Store) SoftDeleteUser(ctx context.Context, userID string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE users SET deleted_email = email, email = '', disabled = true,
		deleted_at = $2, updated_at = $2 WHERE id = $1 AND deleted_at IS NULL`, userID, at)
	if err == nil && tag.RowsAffected() == 0 {
		err = errNoSuch("user")
	}
	return wrap("soft delete user", err)
}

// EmailHeld implements storage.UserAdmin: only the tenant's deleted users
// hold an address (users_deleted_email index).
func (s *Store) EmailHeld(ctx context.Context, tenantID, email string, since time.Time) (bool, error) {
	var held bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE deleted_at IS NOT NULL
		AND tenant_id = $1 AND lower(deleted_email) = lower($2) AND deleted_email <> ''
		AND deleted_at >= $3)`, tenantID, email, since).Scan(&held)
	return held, wrap("e-mail held", err)
}

// ListUserConsents implements storage.UserAdmin.
func (s *Store) ListUserConsents(ctx context.Context, userID string) ([]storage.Consent, error) {
	rows, err := s.pool.Query(ctx, `SELECT client_id, scopes, granted_at FROM consents
		WHERE user_id = $1 ORDER BY client_id`, userID)
	if err != nil {
		return nil, wrap("list consents", err)
	}
	defer rows.Close()
	var out []storage.Consent
	for rows.Next() {
		c := storage.Consent{UserID: userID}
		if err := rows.Scan(&c.ClientID, &c.Scopes, utc(&c.GrantedAt)); err != nil {
			return nil, wrap("list consents", err)
		}
		out = append(out, c)
	}
	return out, wrap("list consents", rows.Err())
}

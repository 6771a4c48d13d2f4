package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/admit-idp/admit/storage"
)

// userColumns are the stored columns of a user, in the order of the INSERT
// parameters of insertUser.
const userColumns = `id, tenant_id, email, email_verified, password_hash, given_name,
	family_name, locale, disabled, created_at, updated_at`

// selectUser reads a user together with its tenant's status (one query, so
// sign-in and the token endpoint see a suspension without a round trip).
// Callers append the WHERE clause on u.* columns.
const selectUser = `SELECT u.id, u.tenant_id, t.status, u.email, u.email_verified,
	u.password_hash, u.given_name, u.family_name, u.locale, u.disabled, u.created_at, u.updated_at
	FROM users u JOIN tenants t ON t.id = u.tenant_id `

// tenantOrDefault is the tenant a record without one is stored in.
func tenantOrDefault(id string) string {
	if id == "" {
		return storage.DefaultTenantID
	}
	return id
}

// insertUser stores u (in the default tenant if u names none). An unknown
// tenant is ErrNotFound.
func insertUser(ctx context.Context, db execer, u storage.User) error {
	_, err := db.Exec(ctx, `INSERT INTO users (`+userColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		u.ID, tenantOrDefault(u.TenantID), u.Email, u.EmailVerified, u.PasswordHash, u.GivenName,
		u.FamilyName, u.Locale, u.Disabled, u.CreatedAt, u.UpdatedAt)
	if foreignKeyViolation(err, "tenant_id") {
		return errNoSuch("tenant")
	}
	return err
}

// foreignKeyViolation reports whether err is a foreign-key violation on
// the named column (the constraint names Postgres generates end in
// "<column>_fkey").
func foreignKeyViolation(err error, column string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == codeForeignKeyViolation &&
		strings.HasSuffix(pgErr.ConstraintName, "_"+column+"_fkey")
}

// CreateUser implements storage.Users. A taken ID, or an e-mail taken in
// the tenant (compared case insensitively by the users_email_key index), is
// ErrAlreadyExists; an unknown tenant is ErrNotFound.
func (s *Store) CreateUser(ctx context.Context, u storage.User) error {
	return wrap("create user", insertUser(ctx, s.pool, u))
}

// GetUser implements storage.Users.
func (s *Store) GetUser(ctx context.Context, id string) (storage.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, selectUser+`WHERE u.id = $1`, id))
	return u, wrap("get user", err)
}

// GetUserByEmail implements storage.Users. It compares lower() of both sides
// and excludes empty e-mails (wallet-only accounts) so the lookup uses the
// partial users_email_key index on (tenant_id, lower(email)) and never
// answers an empty e-mail with a random user. An empty tenant ID matches no
// user.
func (s *Store) GetUserByEmail(ctx context.Context, tenantID, email string) (storage.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, selectUser+`WHERE u.tenant_id = $1
		AND lower(u.email) = lower($2) AND u.email <> ''`, tenantID, email))
	return u, wrap("get user by e-mail", err)
}

// SetPasswordHash implements storage.Users.
func (s *Store) SetPasswordHash(ctx context.Context, userID, hash string, at time.Time) error {
	tag, err := s.pool.Exec(ctx,
		`UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1`, userID, hash, at)
	if err == nil && tag.RowsAffected() == 0 {
		err = errNoSuch("user")
	}
	return wrap("set password hash", err)
}

// scanUser reads the columns of selectUser.
func scanUser(r row) (storage.User, error) {
	var u storage.User
	err := r.Scan(&u.ID, &u.TenantID, &u.TenantStatus, &u.Email, &u.EmailVerified, &u.PasswordHash,
		&u.GivenName, &u.FamilyName, &u.Locale, &u.Disabled, utc(&u.CreatedAt), utc(&u.UpdatedAt))
	return u, err
}

package postgres

import (
	"context"
	"time"

	"github.com/admit-idp/admit/storage"
)

const userColumns = `id, email, email_verified, password_hash, given_name,
	family_name, locale, disabled, created_at, updated_at`

// CreateUser implements storage.Users. A taken ID or e-mail (compared case
// insensitively by the users_email_key index) is ErrAlreadyExists.
func (s *Store) CreateUser(ctx context.Context, u storage.User) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO users (`+userColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		u.ID, u.Email, u.EmailVerified, u.PasswordHash, u.GivenName,
		u.FamilyName, u.Locale, u.Disabled, u.CreatedAt, u.UpdatedAt)
	return wrap("create user", err)
}

// GetUser implements storage.Users.
func (s *Store) GetUser(ctx context.Context, id string) (storage.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx,
		`SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	return u, wrap("get user", err)
}

// GetUserByEmail implements storage.Users. It compares lower() of both sides
// and excludes empty e-mails (wallet-only accounts) so the lookup uses the partial
// users_email_key index and never answers an empty e-mail with a random user.
func (s *Store) GetUserByEmail(ctx context.Context, email string) (storage.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx,
		`SELECT `+userColumns+` FROM users WHERE lower(email) = lower($1) AND email <> ''`, email))
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

func scanUser(r row) (storage.User, error) {
	var u storage.User
	err := r.Scan(&u.ID, &u.Email, &u.EmailVerified, &u.PasswordHash, &u.GivenName,
		&u.FamilyName, &u.Locale, &u.Disabled, utc(&u.CreatedAt), utc(&u.UpdatedAt))
	return u, err
}

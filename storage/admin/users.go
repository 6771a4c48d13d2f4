package admin

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/admit-idp/admit/storage"
)

// NewUser is a user to create; Password may be empty (the user then signs
// in another way or sets one through "forgot password").
type NewUser struct {
	Email, Password, GivenName, FamilyName string
	EmailVerified                          bool
	// SkipPolicy exempts the password from Service.PasswordPolicy (the
	// operator's own fixtures).
	SkipPolicy bool
}

// NormaliseEmail trims and lower-cases an address (as login/password does).
func NormaliseEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

func (s *Service) validateUser(nu NewUser) error {
	var errs problems
	if addr, err := mail.ParseAddress(nu.Email); err != nil || addr.Address != strings.TrimSpace(nu.Email) {
		errs.add("email", "e-mail %q: not a valid address", nu.Email)
	}
	if nu.Password != "" && s.PasswordPolicy != nil && !nu.SkipPolicy {
		if msg := s.PasswordPolicy(nu.Password, NormaliseEmail(nu.Email)); msg != "" {
			errs.add("password", "password: %s", msg)
		}
	}
	if len(nu.GivenName) > 200 {
		errs.add("given_name", "given name: at most 200 characters")
	}
	if len(nu.FamilyName) > 200 {
		errs.add("family_name", "family name: at most 200 characters")
	}
	return errs.err()
}

// CreateUser validates the e-mail, hashes the password (if any) and stores
// the user in the tenant.
func (s *Service) CreateUser(ctx context.Context, p Principal, tenantID string, nu NewUser) (storage.User, error) {
	if err := s.inTenant(ctx, p, tenantID); err != nil {
		return storage.User{}, err
	}
	if err := s.validateUser(nu); err != nil {
		return storage.User{}, err
	}
	var hash string
	if nu.Password != "" {
		var err error
		if hash, err = s.Hasher.Hash(nu.Password); err != nil {
			return storage.User{}, err
		}
	}
	now := s.now()
	u := storage.User{
		ID: s.newID(), TenantID: tenantID, Email: NormaliseEmail(nu.Email), EmailVerified: nu.EmailVerified, PasswordHash: hash,
		GivenName: nu.GivenName, FamilyName: nu.FamilyName, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, storage.ErrAlreadyExists) {
			return storage.User{}, &wrapped{msg: "a user with the e-mail address " + u.Email + " already exists", errs: []error{ErrConflict, err}}
		}
		return storage.User{}, err
	}
	s.record(ctx, p, tenantID, "admin.user.created", storage.AuditEvent{UserID: u.ID})
	return u, nil
}

// ListUsers lists the tenant's users (f.TenantID).
func (s *Service) ListUsers(ctx context.Context, p Principal, f storage.UserFilter, pg Page) (List[storage.User], error) {
	if err := s.allow(ctx, p, f.TenantID, ActReadUsers); err != nil {
		return List[storage.User]{}, err
	}
	req, err := pg.request()
	if err != nil {
		return List[storage.User]{}, err
	}
	page, err := s.Store.ListUsers(ctx, f, req)
	return listOf(page), err
}

// GetUser returns a user of the tenant (ErrNotFound for another tenant's).
func (s *Service) GetUser(ctx context.Context, p Principal, tenantID, userID string) (storage.User, error) {
	m, err := s.memberFor(ctx, p, tenantID, userID, ActReadUsers)
	return m.User, err
}

// member is a user proven to belong to a tenant: only (*Service).member
// makes one, from the query that matches tenant and ID together. The
// operations that follow on a user's sessions, tokens and factors take a
// member, never a bare ID, so none of them can be pointed at a user of
// another tenant: tenant isolation by construction.
type member struct{ storage.User }

func (s *Service) member(ctx context.Context, tenantID, userID string) (member, error) {
	u, err := s.Store.GetTenantUser(ctx, tenantID, userID)
	return member{u}, mapErr(err, "user "+userID)
}

// memberOf checks that p administers tenantID, then finds the member.
func (s *Service) memberOf(ctx context.Context, p Principal, tenantID, userID string) (member, error) {
	if err := s.inTenant(ctx, p, tenantID); err != nil {
		return member{}, err
	}
	return s.member(ctx, tenantID, userID)
}

func (s *Service) tenantUser(ctx context.Context, tenantID, userID string) (storage.User, error) {
	m, err := s.member(ctx, tenantID, userID)
	return m.User, err
}

// SetUserDisabled disables or enables a user. A disabled user's sessions
// end and their refresh tokens (and the access tokens of those grants) are
// revoked.
func (s *Service) SetUserDisabled(ctx context.Context, p Principal, tenantID, userID string, disabled bool) (storage.User, error) {
	if err := s.inTenant(ctx, p, tenantID); err != nil {
		return storage.User{}, err
	}
	if p.Kind == KindUser && p.UserID == userID && disabled {
		return storage.User{}, fmt.Errorf("administrators cannot disable themselves: %w", ErrConflict)
	}
	if err := s.Store.SetUserDisabled(ctx, tenantID, userID, disabled, s.now()); err != nil {
		return storage.User{}, mapErr(err, "user "+userID)
	}
	m, err := s.member(ctx, tenantID, userID)
	if err != nil {
		return storage.User{}, err
	}
	event := "admin.user.enabled"
	if disabled {
		event = "admin.user.disabled"
		if _, err := s.signOutEverywhere(ctx, m); err != nil {
			return storage.User{}, err
		}
	}
	s.record(ctx, p, tenantID, event, storage.AuditEvent{UserID: m.ID})
	return m.User, nil
}

// UnlockUser lifts a sign-in lockout of the user (as the unlock link of
// the lockout e-mail does).
func (s *Service) UnlockUser(ctx context.Context, p Principal, tenantID, userID string) error {
	m, err := s.memberFor(ctx, p, tenantID, userID, ActUnlock)
	if err != nil {
		return err
	}
	u := m.User
	// Without defences (Unlock nil) nothing is ever locked: nothing to lift.
	if s.Unlock != nil {
		if err := s.Unlock(ctx, u); err != nil {
			return err
		}
	}
	s.record(ctx, p, tenantID, "admin.user.unlocked", storage.AuditEvent{UserID: userID})
	return nil
}

// MFAReset is what ResetMFA removed.
type MFAReset struct {
	TOTPRemoved     bool
	PasskeysRemoved int
}

// ResetMFA removes the user's second factors: the TOTP authenticator with
// its backup codes, and every passkey (the user enrols again at the next
// sign-in that needs one).
func (s *Service) ResetMFA(ctx context.Context, p Principal, tenantID, userID string) (MFAReset, error) {
	m, err := s.memberOf(ctx, p, tenantID, userID)
	if err != nil {
		return MFAReset{}, err
	}
	var out MFAReset
	switch _, err := s.Store.GetTOTPCredential(ctx, m.ID); {
	case err == nil:
		if err := s.Store.DeleteTOTPCredential(ctx, m.ID); err != nil {
			return MFAReset{}, err
		}
		out.TOTPRemoved = true
	case !errors.Is(err, storage.ErrNotFound):
		return MFAReset{}, err
	}
	keys, err := s.Store.ListUserPasskeys(ctx, m.ID)
	if err != nil {
		return MFAReset{}, err
	}
	for _, k := range keys {
		if err := s.Store.DeletePasskey(ctx, m.ID, k.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return MFAReset{}, err
		}
		out.PasskeysRemoved++
	}
	s.record(ctx, p, tenantID, "admin.user.mfa_reset", storage.AuditEvent{UserID: m.ID, Details: map[string]string{
		"totp_removed": fmt.Sprint(out.TOTPRemoved), "passkeys_removed": fmt.Sprint(out.PasskeysRemoved)}})
	return out, nil
}

// RevokeSessions ends every session of the user and revokes their refresh
// tokens and the grants' access tokens; it returns how many token families
// were revoked.
func (s *Service) RevokeSessions(ctx context.Context, p Principal, tenantID, userID string) (int, error) {
	m, err := s.memberFor(ctx, p, tenantID, userID, ActRevokeSessions)
	if err != nil {
		return 0, err
	}
	n, err := s.signOutEverywhere(ctx, m)
	if err != nil {
		return 0, err
	}
	s.record(ctx, p, tenantID, "admin.user.sessions_revoked", storage.AuditEvent{UserID: m.ID, Details: map[string]string{"token_families": fmt.Sprint(n)}})
	return n, nil
}

// DeleteUser soft-deletes the user (the row stays for audit; the e-mail is
// held for a while) and signs them out everywhere.
func (s *Service) DeleteUser(ctx context.Context, p Principal, tenantID, userID string) error {
	m, err := s.memberOf(ctx, p, tenantID, userID)
	if err != nil {
		return err
	}
	if p.Kind == KindUser && p.UserID == m.ID {
		return fmt.Errorf("administrators cannot delete themselves here (use the account page): %w", ErrConflict)
	}
	if err := s.Store.SoftDeleteUser(ctx, m.ID, s.now()); err != nil {
		return mapErr(err, "user "+m.ID)
	}
	if _, err := s.signOutEverywhere(ctx, m); err != nil {
		return err
	}
	// A deleted account holds no roles: its grants leave venue pages and
	// cannot come back with the address.
	f := storage.GrantFilter{TenantID: tenantID, UserID: m.ID}
	if _, err := s.Store.RevokeRoleGrants(ctx, f, p.Actor(), s.now()); err != nil {
		return err
	}
	s.record(ctx, p, tenantID, "admin.user.deleted", storage.AuditEvent{UserID: m.ID})
	return nil
}

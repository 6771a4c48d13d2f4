package memory

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/admit-idp/admit/storage"
)

// accountExtra is what the memory store keeps beside storage.User for the
// account area: the phone number and the soft deletion.
type accountExtra struct {
	phone        string
	deletedAt    time.Time
	deletedEmail string
}

// CreateAccountToken stores t; the hash is unique.
func (s *Store) CreateAccountToken(_ context.Context, t storage.AccountToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.accountTokens == nil {
		s.accountTokens = make(map[string]storage.AccountToken)
	}
	if _, ok := s.accountTokens[t.Hash]; ok {
		return fmt.Errorf("memory: create account token: %w", storage.ErrAlreadyExists)
	}
	s.accountTokens[t.Hash] = t
	return nil
}

// ConsumeAccountToken marks the token used; the mutex makes it atomic.
func (s *Store) ConsumeAccountToken(_ context.Context, hash, purpose string, at time.Time) (storage.AccountToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.accountTokens[hash]
	switch {
	case !ok || t.Purpose != purpose || !at.Before(t.ExpiresAt):
		return storage.AccountToken{}, fmt.Errorf("memory: consume account token: %w", storage.ErrNotFound)
	case !t.UsedAt.IsZero():
		return storage.AccountToken{}, fmt.Errorf("memory: consume account token: %w", storage.ErrAlreadyUsed)
	}
	t.UsedAt = at
	s.accountTokens[hash] = t
	return t, nil
}

// CountAccountTokens counts the user's tokens of the purpose since a time.
func (s *Store) CountAccountTokens(_ context.Context, userID, purpose string, since time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, t := range s.accountTokens {
		if t.UserID == userID && t.Purpose == purpose && !t.CreatedAt.Before(since) {
			n++
		}
	}
	return n, nil
}

// InvalidateAccountTokens marks the user's unused tokens of the purpose used.
func (s *Store) InvalidateAccountTokens(_ context.Context, userID, purpose string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, t := range s.accountTokens {
		if t.UserID == userID && t.Purpose == purpose && t.UsedAt.IsZero() {
			t.UsedAt = at
			s.accountTokens[h] = t
		}
	}
	return nil
}

// GetProfile returns the editable fields of a user.
func (s *Store) GetProfile(_ context.Context, userID string) (storage.Profile, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	if !ok {
		return storage.Profile{}, fmt.Errorf("memory: get profile of %s: %w", userID, storage.ErrNotFound)
	}
	return storage.Profile{GivenName: u.GivenName, FamilyName: u.FamilyName, Locale: u.Locale, Phone: s.accounts[userID].phone}, nil
}

// UpdateProfile replaces the editable fields.
func (s *Store) UpdateProfile(ctx context.Context, userID string, p storage.Profile, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	if !ok {
		return fmt.Errorf("memory: update profile of %s: %w", userID, storage.ErrNotFound)
	}
	u.GivenName, u.FamilyName, u.Locale, u.UpdatedAt = p.GivenName, p.FamilyName, p.Locale, at
	s.users[userID] = u
	x := s.extra(userID)
	x.phone = p.Phone
	s.accounts[userID] = x
	s.announceLocked(ctx)
	return nil
}

// SetUserLocale implements storage.UserAdmin.
func (s *Store) SetUserLocale(_ context.Context, userID, locale string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	if !ok {
		return fmt.Errorf("memory: set locale of %s: %w", userID, storage.ErrNotFound)
	}
	u.Locale, u.UpdatedAt = locale, at
	s.users[userID] = u
	return nil
}

// extra returns the user's extra record, creating the map on first use.
// Callers hold s.mu.
func (s *Store) extra(userID string) accountExtra {
	if s.accounts == nil {
		s.accounts = make(map[string]accountExtra)
	}
	return s.accounts[userID]
}

// SetEmail sets the address and its verified flag; addresses are unique.
func (s *Store) SetEmail(ctx context.Context, userID, email string, verified bool, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	if !ok {
		return fmt.Errorf("memory: set e-mail of %s: %w", userID, storage.ErrNotFound)
	}
	if other, taken := s.userByEmail[emailKey(u.TenantID, email)]; taken && other != userID {
		return fmt.Errorf("memory: set e-mail of %s: %w", userID, storage.ErrAlreadyExists)
	}
	if u.Email != "" {
		delete(s.userByEmail, emailKey(u.TenantID, u.Email))
	}
	u.Email, u.EmailVerified, u.UpdatedAt = email, verified, at
	s.users[userID] = u
	if email != "" {
		s.userByEmail[emailKey(u.TenantID, email)] = userID
	}
	s.announceLocked(ctx)
	return nil
}

// SoftDeleteUser disables the user and moves the e-mail aside.
func (s *Store) SoftDeleteUser(ctx context.Context, userID string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	x := s.extra(userID)
	if !ok || !x.deletedAt.IsZero() {
		return fmt.Errorf("memory: soft delete %s: %w", userID, storage.ErrNotFound)
	}
	x.deletedAt, x.deletedEmail = at, u.Email
	s.accounts[userID] = x
	if u.Email != "" {
		delete(s.userByEmail, emailKey(u.TenantID, u.Email))
	}
	u.Email, u.Disabled, u.UpdatedAt = "", true, at
	s.users[userID] = u
	s.announceLocked(ctx)
	return nil
}

// EmailHeld reports whether the address belonged to a user deleted since.
func (s *Store) EmailHeld(_ context.Context, tenantID, email string, since time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, x := range s.accounts {
		if x.deletedEmail == email && email != "" && !x.deletedAt.Before(since) && s.users[id].TenantID == tenantID {
			return true, nil
		}
	}
	return false, nil
}

// ListUserConsents lists the user's consents by client ID.
func (s *Store) ListUserConsents(_ context.Context, userID string) ([]storage.Consent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []storage.Consent
	for k, c := range s.consents {
		if k.userID == userID {
			out = append(out, cloneConsent(c))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ClientID < out[j].ClientID })
	return out, nil
}

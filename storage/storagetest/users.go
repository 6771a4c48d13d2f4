package storagetest

import (
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

func userTests() []testCase[storage.Users] {
	return []testCase[storage.Users]{
		{"RoundTrip", testUserRoundTrip},
		{"RoundTripMinimal", testUserRoundTripMinimal},
		{"DuplicateID", testUserDuplicateID},
		{"DuplicateEmail", testUserDuplicateEmail},
		{"NotFound", testUserNotFound},
		{"SetPasswordHash", testUserSetPasswordHash},
		{"SetPasswordHashUnknown", testUserSetPasswordHashUnknown},
	}
}

// sampleUser returns a user of the default tenant with every field set
// (TenantStatus as backends fill it: the default tenant is active).
func sampleUser(c *Clock) storage.User {
	id := randomID()
	return storage.User{
		ID:            id,
		TenantID:      storage.DefaultTenantID,
		TenantStatus:  storage.TenantActive,
		Email:         "user-" + id + "@example.com",
		EmailVerified: true,
		PasswordHash:  "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
		GivenName:     "Ada",
		FamilyName:    "Lovelace",
		Locale:        "en-GB",
		Disabled:      true,
		CreatedAt:     c.Now().Add(-time.Hour),
		UpdatedAt:     c.Now(),
	}
}

func testUserRoundTrip(t *testing.T, s storage.Users, c *Clock) {
	u := sampleUser(c)
	assertFilled(t, u)
	mustOK(t, s.CreateUser(t.Context(), u), "CreateUser")

	got, err := s.GetUser(t.Context(), u.ID)
	mustOK(t, err, "GetUser")
	assertEqual(t, "GetUser", got, u)

	got, err = s.GetUserByEmail(t.Context(), u.TenantID, u.Email)
	mustOK(t, err, "GetUserByEmail")
	assertEqual(t, "GetUserByEmail", got, u)
}

// A user without a password or names must come back with empty strings and
// false flags, not with NULL-handling artefacts, and without a tenant in the
// default tenant.
func testUserRoundTripMinimal(t *testing.T, s storage.Users, c *Clock) {
	id := randomID()
	u := storage.User{ID: id, Email: "min-" + id + "@example.com", CreatedAt: c.Now(), UpdatedAt: c.Now()}
	mustOK(t, s.CreateUser(t.Context(), u), "CreateUser")
	got, err := s.GetUser(t.Context(), u.ID)
	mustOK(t, err, "GetUser")
	assertEqual(t, "GetUser", got, storedUser(u))
}

func testUserDuplicateID(t *testing.T, s storage.Users, c *Clock) {
	u := sampleUser(c)
	mustOK(t, s.CreateUser(t.Context(), u), "CreateUser")
	dup := sampleUser(c)
	dup.ID = u.ID
	mustErr(t, s.CreateUser(t.Context(), dup), storage.ErrAlreadyExists, "CreateUser with a taken ID")

	got, err := s.GetUser(t.Context(), u.ID)
	mustOK(t, err, "GetUser")
	assertEqual(t, "user after rejected duplicate", got, u)
}

func testUserDuplicateEmail(t *testing.T, s storage.Users, c *Clock) {
	u := sampleUser(c)
	mustOK(t, s.CreateUser(t.Context(), u), "CreateUser")
	dup := sampleUser(c)
	dup.Email = u.Email
	mustErr(t, s.CreateUser(t.Context(), dup), storage.ErrAlreadyExists, "CreateUser with a taken e-mail")
	_, err := s.GetUser(t.Context(), dup.ID)
	mustErr(t, err, storage.ErrNotFound, "GetUser of the rejected duplicate")
}

func testUserNotFound(t *testing.T, s storage.Users, c *Clock) {
	mustOK(t, s.CreateUser(t.Context(), sampleUser(c)), "CreateUser")
	_, err := s.GetUser(t.Context(), randomID())
	mustErr(t, err, storage.ErrNotFound, "GetUser unknown")
	_, err = s.GetUserByEmail(t.Context(), storage.DefaultTenantID, "nobody-"+randomID()+"@example.com")
	mustErr(t, err, storage.ErrNotFound, "GetUserByEmail unknown")
}

func testUserSetPasswordHash(t *testing.T, s storage.Users, c *Clock) {
	u := sampleUser(c)
	mustOK(t, s.CreateUser(t.Context(), u), "CreateUser")
	c.Advance(time.Minute)
	u.PasswordHash = "$argon2id$v=19$m=65536,t=3,p=4$bmV3c2FsdA$bmV3aGFzaA"
	u.UpdatedAt = c.Now()
	mustOK(t, s.SetPasswordHash(t.Context(), u.ID, u.PasswordHash, u.UpdatedAt), "SetPasswordHash")

	got, err := s.GetUser(t.Context(), u.ID)
	mustOK(t, err, "GetUser")
	assertEqual(t, "user after SetPasswordHash", got, u)
}

func testUserSetPasswordHashUnknown(t *testing.T, s storage.Users, c *Clock) {
	err := s.SetPasswordHash(t.Context(), randomID(), "$2a$10$abcdefghijklmnopqrstuv", c.Now())
	mustErr(t, err, storage.ErrNotFound, "SetPasswordHash unknown user")
}

// storedUser is u as a backend returns it: an empty TenantID stored as the
// default tenant and TenantStatus filled (every tenant the suite stores
// users in without setting their status is active).
func storedUser(u storage.User) storage.User {
	if u.TenantID == "" {
		u.TenantID = storage.DefaultTenantID
	}
	if u.TenantStatus == "" {
		u.TenantStatus = storage.TenantActive
	}
	return u
}

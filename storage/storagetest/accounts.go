package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

// accountStore is what the account tests need: tokens reference users
// (a foreign key in Postgres), and the admin methods read consents.
type accountStore interface {
	storage.Users
	storage.Consents
	storage.AccountTokens
	storage.UserAdmin
}

func accountTests() []testCase[accountStore] {
	return []testCase[accountStore]{
		{"TokenConsumedOnce", testTokenConsumedOnce},
		{"TokenExpiresAndPurpose", testTokenExpiresAndPurpose},
		{"TokenCountAndInvalidate", testTokenCountAndInvalidate},
		{"ProfileRoundTrip", testProfileRoundTrip},
		{"SetUserLocaleKeepsProfile", testSetUserLocale},
		{"SetEmailUnique", testSetEmailUnique},
		{"SoftDeleteFreesEmailAfterHold", testSoftDelete},
		{"ListUserConsents", testListUserConsents},
	}
}

func newAccountUser(t *testing.T, s accountStore, clock *Clock) storage.User {
	t.Helper()
	now := clock.Now()
	u := storage.User{ID: randomID(), Email: randomID() + "@example.com", CreatedAt: now, UpdatedAt: now}
	mustOK(t, s.CreateUser(context.Background(), u), "create user")
	return u
}

func newToken(u storage.User, purpose string, now time.Time) storage.AccountToken {
	return storage.AccountToken{Hash: randomHash(), Purpose: purpose, UserID: u.ID, Email: u.Email,
		FlowID: "flow-1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
}

func testTokenConsumedOnce(t *testing.T, s accountStore, clock *Clock) {
	ctx := context.Background()
	u := newAccountUser(t, s, clock)
	tok := newToken(u, storage.PurposeVerifyEmail, clock.Now())
	mustOK(t, s.CreateAccountToken(ctx, tok), "create")
	mustErr(t, s.CreateAccountToken(ctx, tok), storage.ErrAlreadyExists, "create twice")
	got, err := s.ConsumeAccountToken(ctx, tok.Hash, tok.Purpose, clock.Now())
	mustOK(t, err, "consume")
	tok.UsedAt = clock.Now()
	assertEqual(t, "consumed token", got, tok)
	_, err = s.ConsumeAccountToken(ctx, tok.Hash, tok.Purpose, clock.Now())
	mustErr(t, err, storage.ErrAlreadyUsed, "consume twice")
	_, err = s.ConsumeAccountToken(ctx, randomHash(), tok.Purpose, clock.Now())
	mustErr(t, err, storage.ErrNotFound, "consume unknown")
}

func testTokenExpiresAndPurpose(t *testing.T, s accountStore, clock *Clock) {
	ctx := context.Background()
	u := newAccountUser(t, s, clock)
	tok := newToken(u, storage.PurposeResetPassword, clock.Now())
	mustOK(t, s.CreateAccountToken(ctx, tok), "create")
	_, err := s.ConsumeAccountToken(ctx, tok.Hash, storage.PurposeVerifyEmail, clock.Now())
	mustErr(t, err, storage.ErrNotFound, "consume for another purpose")
	_, err = s.ConsumeAccountToken(ctx, tok.Hash, tok.Purpose, tok.ExpiresAt)
	mustErr(t, err, storage.ErrNotFound, "consume at expiry")
}

func testTokenCountAndInvalidate(t *testing.T, s accountStore, clock *Clock) {
	ctx := context.Background()
	u := newAccountUser(t, s, clock)
	old := newToken(u, storage.PurposeVerifyEmail, clock.Now())
	mustOK(t, s.CreateAccountToken(ctx, old), "create old")
	clock.Advance(2 * time.Minute)
	recent := newToken(u, storage.PurposeVerifyEmail, clock.Now())
	mustOK(t, s.CreateAccountToken(ctx, recent), "create recent")
	mustOK(t, s.CreateAccountToken(ctx, newToken(u, storage.PurposeResetPassword, clock.Now())), "create reset")
	n, err := s.CountAccountTokens(ctx, u.ID, storage.PurposeVerifyEmail, clock.Now().Add(-time.Minute))
	mustOK(t, err, "count")
	if n != 1 {
		t.Fatalf("count since a minute ago = %d, want 1", n)
	}
	mustOK(t, s.InvalidateAccountTokens(ctx, u.ID, storage.PurposeVerifyEmail, clock.Now()), "invalidate")
	_, err = s.ConsumeAccountToken(ctx, recent.Hash, recent.Purpose, clock.Now())
	mustErr(t, err, storage.ErrAlreadyUsed, "consume invalidated")
}

func testProfileRoundTrip(t *testing.T, s accountStore, clock *Clock) {
	ctx := context.Background()
	u := newAccountUser(t, s, clock)
	p := storage.Profile{GivenName: "Ada", FamilyName: "Lovelace", Phone: "+441234567890", Locale: "en-GB"}
	mustOK(t, s.UpdateProfile(ctx, u.ID, p, clock.Now()), "update")
	got, err := s.GetProfile(ctx, u.ID)
	mustOK(t, err, "get")
	assertEqual(t, "profile", got, p)
	uu, err := s.GetUser(ctx, u.ID)
	mustOK(t, err, "get user")
	if uu.GivenName != "Ada" || uu.Locale != "en-GB" {
		t.Fatalf("user after profile update: %+v", uu)
	}
	mustErr(t, s.UpdateProfile(ctx, randomID(), p, clock.Now()), storage.ErrNotFound, "update unknown")
}

// testSetUserLocale: the saved language changes alone; the rest of the
// profile stays, and the user read by sign-in sees it.
func testSetUserLocale(t *testing.T, s accountStore, clock *Clock) {
	ctx := context.Background()
	u := newAccountUser(t, s, clock)
	p := storage.Profile{GivenName: "Ada", FamilyName: "Lovelace", Phone: "+441234567890", Locale: "en-GB"}
	mustOK(t, s.UpdateProfile(ctx, u.ID, p, clock.Now()), "update")
	clock.Advance(time.Minute)
	mustOK(t, s.SetUserLocale(ctx, u.ID, "ar", clock.Now()), "set locale")
	got, err := s.GetProfile(ctx, u.ID)
	mustOK(t, err, "get")
	p.Locale = "ar"
	assertEqual(t, "profile", got, p)
	uu, err := s.GetUser(ctx, u.ID)
	mustOK(t, err, "get user")
	if uu.Locale != "ar" || !uu.UpdatedAt.Equal(clock.Now()) {
		t.Fatalf("user after SetUserLocale: locale %q updated %v, want ar at %v", uu.Locale, uu.UpdatedAt, clock.Now())
	}
	mustOK(t, s.SetUserLocale(ctx, u.ID, "", clock.Now()), "clear locale")
	uu, err = s.GetUser(ctx, u.ID)
	mustOK(t, err, "get user")
	if uu.Locale != "" {
		t.Fatalf("cleared locale = %q", uu.Locale)
	}
	mustErr(t, s.SetUserLocale(ctx, randomID(), "de", clock.Now()), storage.ErrNotFound, "unknown user")
}

func testSetEmailUnique(t *testing.T, s accountStore, clock *Clock) {
	ctx := context.Background()
	a, b := newAccountUser(t, s, clock), newAccountUser(t, s, clock)
	mustErr(t, s.SetEmail(ctx, a.ID, b.Email, true, clock.Now()), storage.ErrAlreadyExists, "take b's address")
	addr := randomID() + "@example.org"
	mustOK(t, s.SetEmail(ctx, a.ID, addr, true, clock.Now()), "set new address")
	got, err := s.GetUserByEmail(ctx, storage.DefaultTenantID, addr)
	mustOK(t, err, "get by new address")
	if got.ID != a.ID || !got.EmailVerified {
		t.Fatalf("by new address: %+v", got)
	}
	_, err = s.GetUserByEmail(ctx, storage.DefaultTenantID, a.Email)
	mustErr(t, err, storage.ErrNotFound, "old address")
}

func testSoftDelete(t *testing.T, s accountStore, clock *Clock) {
	ctx := context.Background()
	u := newAccountUser(t, s, clock)
	deletedAt := clock.Now()
	mustOK(t, s.SoftDeleteUser(ctx, u.ID, deletedAt), "soft delete")
	mustErr(t, s.SoftDeleteUser(ctx, u.ID, deletedAt), storage.ErrNotFound, "soft delete twice")
	got, err := s.GetUser(ctx, u.ID)
	mustOK(t, err, "the row is kept")
	if !got.Disabled {
		t.Fatal("a soft-deleted user is not disabled")
	}
	_, err = s.GetUserByEmail(ctx, storage.DefaultTenantID, u.Email)
	mustErr(t, err, storage.ErrNotFound, "deleted user by e-mail")
	held, err := s.EmailHeld(ctx, storage.DefaultTenantID, u.Email, deletedAt.Add(-time.Hour))
	mustOK(t, err, "held")
	if !held {
		t.Fatal("address not held right after deletion")
	}
	held, err = s.EmailHeld(ctx, storage.DefaultTenantID, u.Email, deletedAt.Add(time.Second))
	mustOK(t, err, "held after the period")
	if held {
		t.Fatal("address still held after the period")
	}
	reuse := storage.User{ID: randomID(), Email: u.Email, CreatedAt: clock.Now(), UpdatedAt: clock.Now()}
	mustOK(t, s.CreateUser(ctx, reuse), "a new user takes the address")
}

func testListUserConsents(t *testing.T, s accountStore, clock *Clock) {
	ctx := context.Background()
	u := newAccountUser(t, s, clock)
	for _, c := range []string{"b-client", "a-client"} {
		mustOK(t, s.SaveConsent(ctx, storage.Consent{UserID: u.ID, ClientID: c, Scopes: []string{"openid"}, GrantedAt: clock.Now()}), "save")
	}
	mustOK(t, s.SaveConsent(ctx, storage.Consent{UserID: randomID(), ClientID: "a-client", GrantedAt: clock.Now()}), "other user")
	got, err := s.ListUserConsents(ctx, u.ID)
	mustOK(t, err, "list")
	if len(got) != 2 || got[0].ClientID != "a-client" || got[1].ClientID != "b-client" {
		t.Fatalf("consents = %+v", got)
	}
}

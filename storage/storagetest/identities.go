package storagetest

import (
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

// identityStore is what the identity tests need: identities reference users
// (a foreign key in Postgres), so each test creates its user first.
type identityStore interface {
	storage.Users
	storage.Identities
}

func identityTests() []testCase[identityStore] {
	return []testCase[identityStore]{
		{"RoundTrip", testIdentityRoundTrip},
		{"UniqueUpstreamAccount", testIdentityUnique},
		{"NotFound", testIdentityNotFound},
		{"ListOldestFirst", testIdentityList},
		{"Touch", testIdentityTouch},
		{"TouchUnknown", testIdentityTouchUnknown},
		{"Delete", testIdentityDelete},
		{"DeleteOnlyOwn", testIdentityDeleteOnlyOwn},
	}
}

func identityUser(t *testing.T, s identityStore, c *Clock) storage.User {
	t.Helper()
	u := sampleUser(c)
	mustOK(t, s.CreateUser(t.Context(), u), "CreateUser")
	return u
}

func sampleIdentity(userID string, c *Clock) storage.Identity {
	return storage.Identity{
		ProviderID: "github", Subject: randomID(), UserID: userID, Email: "seen@example.com",
		CreatedAt: c.Now().Add(-time.Hour), LastUsedAt: c.Now(),
	}
}

func testIdentityRoundTrip(t *testing.T, s identityStore, c *Clock) {
	id := sampleIdentity(identityUser(t, s, c).ID, c)
	assertFilled(t, id)
	mustOK(t, s.CreateIdentity(t.Context(), id), "CreateIdentity")
	got, err := s.GetIdentity(t.Context(), id.ProviderID, id.Subject)
	mustOK(t, err, "GetIdentity")
	assertEqual(t, "GetIdentity", got, id)
}

func testIdentityUnique(t *testing.T, s identityStore, c *Clock) {
	id := sampleIdentity(identityUser(t, s, c).ID, c)
	mustOK(t, s.CreateIdentity(t.Context(), id), "CreateIdentity")
	other := id
	other.UserID = identityUser(t, s, c).ID
	mustErr(t, s.CreateIdentity(t.Context(), other), storage.ErrAlreadyExists, "CreateIdentity of a linked upstream account")
	sameSubjectOtherProvider := id
	sameSubjectOtherProvider.ProviderID = "google"
	mustOK(t, s.CreateIdentity(t.Context(), sameSubjectOtherProvider), "same subject at another provider")
}

func testIdentityNotFound(t *testing.T, s identityStore, _ *Clock) {
	_, err := s.GetIdentity(t.Context(), "github", randomID())
	mustErr(t, err, storage.ErrNotFound, "GetIdentity unknown")
}

func testIdentityList(t *testing.T, s identityStore, c *Clock) {
	u := identityUser(t, s, c)
	newer := sampleIdentity(u.ID, c)
	older := sampleIdentity(u.ID, c)
	older.ProviderID, older.CreatedAt = "google", c.Now().Add(-2*time.Hour)
	foreign := sampleIdentity(identityUser(t, s, c).ID, c)
	for _, id := range []storage.Identity{newer, older, foreign} {
		mustOK(t, s.CreateIdentity(t.Context(), id), "CreateIdentity")
	}
	got, err := s.ListUserIdentities(t.Context(), u.ID)
	mustOK(t, err, "ListUserIdentities")
	assertEqual(t, "ListUserIdentities", got, []storage.Identity{older, newer})
	none, err := s.ListUserIdentities(t.Context(), randomID())
	mustOK(t, err, "ListUserIdentities of a user without identities")
	if len(none) != 0 {
		t.Fatalf("ListUserIdentities of a user without identities: %d records", len(none))
	}
}

func testIdentityTouch(t *testing.T, s identityStore, c *Clock) {
	id := sampleIdentity(identityUser(t, s, c).ID, c)
	mustOK(t, s.CreateIdentity(t.Context(), id), "CreateIdentity")
	c.Advance(time.Minute)
	mustOK(t, s.TouchIdentity(t.Context(), id.ProviderID, id.Subject, "new@example.com", c.Now()), "TouchIdentity")
	got, err := s.GetIdentity(t.Context(), id.ProviderID, id.Subject)
	mustOK(t, err, "GetIdentity")
	id.Email, id.LastUsedAt = "new@example.com", c.Now()
	assertEqual(t, "after TouchIdentity", got, id)
}

func testIdentityTouchUnknown(t *testing.T, s identityStore, c *Clock) {
	err := s.TouchIdentity(t.Context(), "github", randomID(), "", c.Now())
	mustErr(t, err, storage.ErrNotFound, "TouchIdentity unknown")
}

func testIdentityDelete(t *testing.T, s identityStore, c *Clock) {
	id := sampleIdentity(identityUser(t, s, c).ID, c)
	mustOK(t, s.CreateIdentity(t.Context(), id), "CreateIdentity")
	mustOK(t, s.DeleteIdentity(t.Context(), id.UserID, id.ProviderID, id.Subject), "DeleteIdentity")
	_, err := s.GetIdentity(t.Context(), id.ProviderID, id.Subject)
	mustErr(t, err, storage.ErrNotFound, "GetIdentity after delete")
	err = s.DeleteIdentity(t.Context(), id.UserID, id.ProviderID, id.Subject)
	mustErr(t, err, storage.ErrNotFound, "DeleteIdentity twice")
}

func testIdentityDeleteOnlyOwn(t *testing.T, s identityStore, c *Clock) {
	id := sampleIdentity(identityUser(t, s, c).ID, c)
	mustOK(t, s.CreateIdentity(t.Context(), id), "CreateIdentity")
	err := s.DeleteIdentity(t.Context(), randomID(), id.ProviderID, id.Subject)
	mustErr(t, err, storage.ErrNotFound, "DeleteIdentity by another user")
	_, err = s.GetIdentity(t.Context(), id.ProviderID, id.Subject)
	mustOK(t, err, "identity survives another user's delete")
}

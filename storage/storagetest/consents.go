package storagetest

import (
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

func consentTests() []testCase[storage.Consents] {
	return []testCase[storage.Consents]{
		{"RoundTrip", testConsentRoundTrip},
		{"Replace", testConsentReplace},
		{"KeyedByUserAndClient", testConsentKeyedByPair},
		{"NotFound", testConsentNotFound},
		{"Delete", testConsentDelete},
		{"DeleteUnknown", testConsentDeleteUnknown},
	}
}

func sampleConsent(c *Clock) storage.Consent {
	return storage.Consent{
		UserID:    randomID(),
		ClientID:  randomID(),
		Scopes:    []string{"openid", "profile", "email"},
		GrantedAt: c.Now(),
	}
}

func testConsentRoundTrip(t *testing.T, s storage.Consents, c *Clock) {
	con := sampleConsent(c)
	assertFilled(t, con)
	mustOK(t, s.SaveConsent(t.Context(), con), "SaveConsent")
	got, err := s.GetConsent(t.Context(), con.UserID, con.ClientID)
	mustOK(t, err, "GetConsent")
	assertEqual(t, "GetConsent", got, con)
}

func testConsentReplace(t *testing.T, s storage.Consents, c *Clock) {
	con := sampleConsent(c)
	mustOK(t, s.SaveConsent(t.Context(), con), "SaveConsent")
	c.Advance(time.Hour)
	con.Scopes = []string{"openid", "offline_access"} // replaced, not merged
	con.GrantedAt = c.Now()
	mustOK(t, s.SaveConsent(t.Context(), con), "SaveConsent (replace)")

	got, err := s.GetConsent(t.Context(), con.UserID, con.ClientID)
	mustOK(t, err, "GetConsent")
	assertEqual(t, "GetConsent after replace", got, con)
}

// One user's consents to two clients, and two users' consents to one client,
// are four independent records.
func testConsentKeyedByPair(t *testing.T, s storage.Consents, c *Clock) {
	a := sampleConsent(c)
	sameUser := storage.Consent{UserID: a.UserID, ClientID: randomID(), Scopes: []string{"openid"}, GrantedAt: c.Now()}
	sameClient := storage.Consent{UserID: randomID(), ClientID: a.ClientID, Scopes: []string{"email"}, GrantedAt: c.Now()}
	for _, con := range []storage.Consent{a, sameUser, sameClient} {
		mustOK(t, s.SaveConsent(t.Context(), con), "SaveConsent")
	}
	mustOK(t, s.DeleteConsent(t.Context(), a.UserID, a.ClientID), "DeleteConsent")
	for _, con := range []storage.Consent{sameUser, sameClient} {
		got, err := s.GetConsent(t.Context(), con.UserID, con.ClientID)
		mustOK(t, err, "GetConsent of an unrelated pair")
		assertEqual(t, "unrelated consent", got, con)
	}
}

func testConsentNotFound(t *testing.T, s storage.Consents, c *Clock) {
	con := sampleConsent(c)
	mustOK(t, s.SaveConsent(t.Context(), con), "SaveConsent")
	_, err := s.GetConsent(t.Context(), con.UserID, randomID())
	mustErr(t, err, storage.ErrNotFound, "GetConsent for another client")
	_, err = s.GetConsent(t.Context(), randomID(), con.ClientID)
	mustErr(t, err, storage.ErrNotFound, "GetConsent for another user")
}

func testConsentDelete(t *testing.T, s storage.Consents, c *Clock) {
	con := sampleConsent(c)
	mustOK(t, s.SaveConsent(t.Context(), con), "SaveConsent")
	mustOK(t, s.DeleteConsent(t.Context(), con.UserID, con.ClientID), "DeleteConsent")
	_, err := s.GetConsent(t.Context(), con.UserID, con.ClientID)
	mustErr(t, err, storage.ErrNotFound, "GetConsent after delete")
	mustErr(t, s.DeleteConsent(t.Context(), con.UserID, con.ClientID), storage.ErrNotFound, "second DeleteConsent")
}

func testConsentDeleteUnknown(t *testing.T, s storage.Consents, _ *Clock) {
	mustErr(t, s.DeleteConsent(t.Context(), randomID(), randomID()), storage.ErrNotFound, "DeleteConsent unknown")
}

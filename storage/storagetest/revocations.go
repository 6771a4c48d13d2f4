package storagetest

import (
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

func revocationTests() []testCase[storage.Revocations] {
	return []testCase[storage.Revocations]{
		{"Empty", testRevocationEmpty},
		{"AnyKeyMatches", testRevocationAnyKey},
		{"Expiry", testRevocationExpiry},
		{"IndependentExpiry", testRevocationIndependentExpiry},
	}
}

// assertRevokedKeys checks IsRevoked(keys...) against want.
func assertRevokedKeys(t *testing.T, s storage.Revocations, want bool, keys ...string) {
	t.Helper()
	got, err := s.IsRevoked(t.Context(), keys...)
	mustOK(t, err, "IsRevoked")
	if got != want {
		t.Errorf("IsRevoked(%q) = %v, want %v", keys, got, want)
	}
}

func testRevocationEmpty(t *testing.T, s storage.Revocations, _ *Clock) {
	assertRevokedKeys(t, s, false, randomID())
	assertRevokedKeys(t, s, false, randomID(), randomID())
	assertRevokedKeys(t, s, false)
}

func testRevocationAnyKey(t *testing.T, s storage.Revocations, c *Clock) {
	tokenID, grantID := randomID(), randomID()
	mustOK(t, s.Revoke(t.Context(), tokenID, c.Now().Add(time.Hour)), "Revoke token")
	mustOK(t, s.Revoke(t.Context(), grantID, c.Now().Add(time.Hour)), "Revoke grant")

	assertRevokedKeys(t, s, true, tokenID)
	assertRevokedKeys(t, s, true, randomID(), grantID)
	assertRevokedKeys(t, s, true, tokenID, grantID)
	assertRevokedKeys(t, s, false, randomID(), randomID())
	assertRevokedKeys(t, s, false)
}

func testRevocationExpiry(t *testing.T, s storage.Revocations, c *Clock) {
	key := randomID()
	mustOK(t, s.Revoke(t.Context(), key, c.Now().Add(time.Hour)), "Revoke")
	c.Advance(time.Hour - time.Second)
	assertRevokedKeys(t, s, true, key)
	c.Advance(2 * time.Second)
	assertRevokedKeys(t, s, false, key)
}

func testRevocationIndependentExpiry(t *testing.T, s storage.Revocations, c *Clock) {
	short, long := randomID(), randomID()
	mustOK(t, s.Revoke(t.Context(), short, c.Now().Add(time.Minute)), "Revoke short")
	mustOK(t, s.Revoke(t.Context(), long, c.Now().Add(time.Hour)), "Revoke long")
	c.Advance(2 * time.Minute)
	assertRevokedKeys(t, s, false, short)
	assertRevokedKeys(t, s, true, short, long)
}

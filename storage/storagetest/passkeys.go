package storagetest

import (
	"sync"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

// passkeyStore is what the passkey tests need: credentials reference users.
type passkeyStore interface {
	storage.Users
	storage.Passkeys
}

func passkeyTests() []testCase[passkeyStore] {
	return []testCase[passkeyStore]{
		{"CreateGetList", testPasskeyCreateGetList},
		{"IDUniqueAcrossUsers", testPasskeyUniqueID},
		{"UnknownUser", testPasskeyUnknownUser},
		{"RecordUse", testPasskeyRecordUse},
		{"RenameDeleteOwnOnly", testPasskeyRenameDelete},
		{"UserHandleStable", testPasskeyUserHandle},
	}
}

func samplePasskey(c *Clock, userID string) storage.Passkey {
	return storage.Passkey{
		ID: randomBytes(32), UserID: userID, PublicKey: randomBytes(77), SignCount: 3, AAGUID: randomBytes(16),
		Transports: []string{"internal", "hybrid"}, BackupEligible: true, BackupState: true, UserVerified: true,
		AttestationType: "none", Name: "Laptop", CreatedAt: c.Now(),
	}
}

func passkeyUser(t *testing.T, s passkeyStore, c *Clock) storage.User {
	t.Helper()
	u := sampleUser(c)
	mustOK(t, s.CreateUser(t.Context(), u), "CreateUser")
	return u
}

func testPasskeyCreateGetList(t *testing.T, s passkeyStore, c *Clock) {
	u := passkeyUser(t, s, c)
	first := samplePasskey(c, u.ID)
	c.Advance(time.Second)
	second := samplePasskey(c, u.ID)
	second.Transports, second.Name = nil, "Key"
	mustOK(t, s.CreatePasskey(t.Context(), second), "CreatePasskey second")
	mustOK(t, s.CreatePasskey(t.Context(), first), "CreatePasskey first")
	got, err := s.GetPasskey(t.Context(), first.ID)
	mustOK(t, err, "GetPasskey")
	assertEqual(t, "passkey", got, first)
	list, err := s.ListUserPasskeys(t.Context(), u.ID)
	mustOK(t, err, "ListUserPasskeys")
	assertEqual(t, "passkeys", list, []storage.Passkey{first, second})
	_, err = s.GetPasskey(t.Context(), randomBytes(32))
	mustErr(t, err, storage.ErrNotFound, "GetPasskey unknown")
	none, err := s.ListUserPasskeys(t.Context(), "nobody")
	mustOK(t, err, "ListUserPasskeys other")
	if len(none) != 0 {
		t.Fatalf("ListUserPasskeys(nobody) = %d records", len(none))
	}
}

func testPasskeyUniqueID(t *testing.T, s passkeyStore, c *Clock) {
	a, b := passkeyUser(t, s, c), passkeyUser(t, s, c)
	p := samplePasskey(c, a.ID)
	mustOK(t, s.CreatePasskey(t.Context(), p), "CreatePasskey")
	p.UserID = b.ID
	mustErr(t, s.CreatePasskey(t.Context(), p), storage.ErrAlreadyExists, "same credential id for another user")
	got, err := s.GetPasskey(t.Context(), p.ID)
	mustOK(t, err, "GetPasskey")
	if got.UserID != a.ID {
		t.Fatalf("credential owner = %s, want %s", got.UserID, a.ID)
	}
}

func testPasskeyUnknownUser(t *testing.T, s passkeyStore, c *Clock) {
	mustErr(t, s.CreatePasskey(t.Context(), samplePasskey(c, randomID())), storage.ErrNotFound, "CreatePasskey unknown user")
	_, err := s.EnsurePasskeyUserHandle(t.Context(), randomID(), randomBytes(32))
	mustErr(t, err, storage.ErrNotFound, "EnsurePasskeyUserHandle unknown user")
}

func testPasskeyRecordUse(t *testing.T, s passkeyStore, c *Clock) {
	u := passkeyUser(t, s, c)
	p := samplePasskey(c, u.ID)
	mustOK(t, s.CreatePasskey(t.Context(), p), "CreatePasskey")
	c.Advance(time.Minute)
	use := storage.PasskeyUse{SignCount: 9, BackupState: false, CloneWarning: true, At: c.Now()}
	mustOK(t, s.RecordPasskeyUse(t.Context(), p.ID, use), "RecordPasskeyUse")
	got, err := s.GetPasskey(t.Context(), p.ID)
	mustOK(t, err, "GetPasskey")
	p.SignCount, p.BackupState, p.CloneWarning, p.LastUsedAt = 9, false, true, use.At
	assertEqual(t, "passkey after use", got, p)
	mustErr(t, s.RecordPasskeyUse(t.Context(), randomBytes(32), use), storage.ErrNotFound, "RecordPasskeyUse unknown")
}

func testPasskeyRenameDelete(t *testing.T, s passkeyStore, c *Clock) {
	u, other := passkeyUser(t, s, c), passkeyUser(t, s, c)
	p := samplePasskey(c, u.ID)
	mustOK(t, s.CreatePasskey(t.Context(), p), "CreatePasskey")
	mustErr(t, s.RenamePasskey(t.Context(), other.ID, p.ID, "Mine"), storage.ErrNotFound, "rename another's passkey")
	mustErr(t, s.DeletePasskey(t.Context(), other.ID, p.ID), storage.ErrNotFound, "delete another's passkey")
	mustOK(t, s.RenamePasskey(t.Context(), u.ID, p.ID, "Phone"), "RenamePasskey")
	got, err := s.GetPasskey(t.Context(), p.ID)
	mustOK(t, err, "GetPasskey")
	if got.Name != "Phone" {
		t.Fatalf("name = %q, want Phone", got.Name)
	}
	mustOK(t, s.DeletePasskey(t.Context(), u.ID, p.ID), "DeletePasskey")
	_, err = s.GetPasskey(t.Context(), p.ID)
	mustErr(t, err, storage.ErrNotFound, "GetPasskey after delete")
	mustErr(t, s.DeletePasskey(t.Context(), u.ID, p.ID), storage.ErrNotFound, "DeletePasskey twice")
}

// testPasskeyUserHandle: the first handle stored wins, also when several
// first registrations race.
func testPasskeyUserHandle(t *testing.T, s passkeyStore, c *Clock) {
	u := passkeyUser(t, s, c)
	got := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			h, err := s.EnsurePasskeyUserHandle(t.Context(), u.ID, randomBytes(32))
			if err != nil {
				t.Errorf("EnsurePasskeyUserHandle: %v", err)
			}
			got[i] = h
		})
	}
	wg.Wait()
	for _, h := range got[1:] {
		assertEqual(t, "handle", h, got[0])
	}
	id, err := s.PasskeyUserByHandle(t.Context(), got[0])
	mustOK(t, err, "PasskeyUserByHandle")
	assertEqual(t, "user", id, u.ID)
	_, err = s.PasskeyUserByHandle(t.Context(), randomBytes(32))
	mustErr(t, err, storage.ErrNotFound, "PasskeyUserByHandle unknown")
}

func passkeyChallengeTests() []testCase[storage.PasskeyChallenges] {
	return []testCase[storage.PasskeyChallenges]{
		{"SingleUse", testPasskeyChallengeSingleUse},
		{"Expires", testPasskeyChallengeExpires},
		{"ReplaceAndConcurrentConsume", testPasskeyChallengeConcurrent},
	}
}

func sampleChallenge(c *Clock) storage.PasskeyChallenge {
	return storage.PasskeyChallenge{Key: "flow:" + randomID(), Data: randomBytes(40), ExpiresAt: c.Now().Add(5 * time.Minute)}
}

func testPasskeyChallengeSingleUse(t *testing.T, s storage.PasskeyChallenges, c *Clock) {
	ch := sampleChallenge(c)
	mustOK(t, s.PutPasskeyChallenge(t.Context(), ch), "PutPasskeyChallenge")
	got, err := s.ConsumePasskeyChallenge(t.Context(), ch.Key)
	mustOK(t, err, "ConsumePasskeyChallenge")
	assertEqual(t, "challenge", got, ch)
	_, err = s.ConsumePasskeyChallenge(t.Context(), ch.Key)
	mustErr(t, err, storage.ErrNotFound, "second consume")
}

func testPasskeyChallengeExpires(t *testing.T, s storage.PasskeyChallenges, c *Clock) {
	ch := sampleChallenge(c)
	mustOK(t, s.PutPasskeyChallenge(t.Context(), ch), "PutPasskeyChallenge")
	c.Advance(5 * time.Minute)
	_, err := s.ConsumePasskeyChallenge(t.Context(), ch.Key)
	mustErr(t, err, storage.ErrNotFound, "consume at expiry")
}

func testPasskeyChallengeConcurrent(t *testing.T, s storage.PasskeyChallenges, c *Clock) {
	old, ch := sampleChallenge(c), sampleChallenge(c)
	ch.Key = old.Key
	mustOK(t, s.PutPasskeyChallenge(t.Context(), old), "Put old")
	mustOK(t, s.PutPasskeyChallenge(t.Context(), ch), "Put replacement")
	var mu sync.Mutex
	var wins int
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			got, err := s.ConsumePasskeyChallenge(t.Context(), ch.Key)
			if err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
				assertEqual(t, "challenge", got, ch)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d consumers got the challenge, want 1", wins)
	}
}

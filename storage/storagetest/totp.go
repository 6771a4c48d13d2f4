package storagetest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

func totpCredentialTests() []testCase[storage.TOTPCredentials] {
	return []testCase[storage.TOTPCredentials]{
		{"RoundTrip", testTOTPRoundTrip},
		{"NotFound", testTOTPNotFound},
		{"Replace", testTOTPReplace},
		{"ConsumeBackupCode", testTOTPConsume},
		{"ConsumeBackupCodeRace", testTOTPConsumeRace},
		{"ReplaceBackupCodes", testTOTPReplaceCodes},
		{"Delete", testTOTPDelete},
	}
}

func totpEphemeralTests() []testCase[storage.TOTPEphemeral] {
	return []testCase[storage.TOTPEphemeral]{
		{"PendingRoundTrip", testPendingRoundTrip},
		{"PendingExpiry", testPendingExpiry},
		{"PendingDelete", testPendingDelete},
		{"StepReplay", testStepReplay},
		{"StepMarkExpires", testStepExpires},
	}
}

func sampleTOTP(c *Clock) storage.TOTPCredential {
	return storage.TOTPCredential{
		UserID: randomID(), Secret: randomBytes(48),
		BackupCodes: []string{randomHash(), randomHash(), randomHash()},
		CreatedAt:   c.Now(), UpdatedAt: c.Now(),
	}
}

func testTOTPRoundTrip(t *testing.T, s storage.TOTPCredentials, c *Clock) {
	want := sampleTOTP(c)
	assertFilled(t, want)
	mustOK(t, s.SaveTOTPCredential(t.Context(), want), "SaveTOTPCredential")
	got, err := s.GetTOTPCredential(t.Context(), want.UserID)
	mustOK(t, err, "GetTOTPCredential")
	assertEqual(t, "GetTOTPCredential", got, want)
}

func testTOTPNotFound(t *testing.T, s storage.TOTPCredentials, c *Clock) {
	_, err := s.GetTOTPCredential(t.Context(), randomID())
	mustErr(t, err, storage.ErrNotFound, "GetTOTPCredential(unknown)")
	_, err = s.ConsumeBackupCode(t.Context(), randomID(), randomHash(), c.Now())
	mustErr(t, err, storage.ErrNotFound, "ConsumeBackupCode(unknown user)")
	mustErr(t, s.ReplaceBackupCodes(t.Context(), randomID(), nil, c.Now()), storage.ErrNotFound, "ReplaceBackupCodes(unknown user)")
}

// Re-enrolling replaces the secret and the codes.
func testTOTPReplace(t *testing.T, s storage.TOTPCredentials, c *Clock) {
	first := sampleTOTP(c)
	mustOK(t, s.SaveTOTPCredential(t.Context(), first), "SaveTOTPCredential")
	c.Advance(time.Minute)
	second := sampleTOTP(c)
	second.UserID = first.UserID
	mustOK(t, s.SaveTOTPCredential(t.Context(), second), "SaveTOTPCredential(again)")
	got, err := s.GetTOTPCredential(t.Context(), first.UserID)
	mustOK(t, err, "GetTOTPCredential")
	assertEqual(t, "GetTOTPCredential", got, second)
}

func testTOTPConsume(t *testing.T, s storage.TOTPCredentials, c *Clock) {
	cred := sampleTOTP(c)
	mustOK(t, s.SaveTOTPCredential(t.Context(), cred), "SaveTOTPCredential")
	c.Advance(time.Second)
	n, err := s.ConsumeBackupCode(t.Context(), cred.UserID, cred.BackupCodes[1], c.Now())
	mustOK(t, err, "ConsumeBackupCode")
	if n != 2 {
		t.Fatalf("remaining = %d, want 2", n)
	}
	_, err = s.ConsumeBackupCode(t.Context(), cred.UserID, cred.BackupCodes[1], c.Now())
	mustErr(t, err, storage.ErrNotFound, "ConsumeBackupCode(used)")
	_, err = s.ConsumeBackupCode(t.Context(), cred.UserID, randomHash(), c.Now())
	mustErr(t, err, storage.ErrNotFound, "ConsumeBackupCode(unknown code)")
	got, err := s.GetTOTPCredential(t.Context(), cred.UserID)
	mustOK(t, err, "GetTOTPCredential")
	assertSameSet(t, "BackupCodes", got.BackupCodes, []string{cred.BackupCodes[0], cred.BackupCodes[2]})
	if !got.UpdatedAt.Equal(c.Now()) {
		t.Fatalf("UpdatedAt = %v, want %v", got.UpdatedAt, c.Now())
	}
}

// A backup code is single use even when presented twice at once.
func testTOTPConsumeRace(t *testing.T, s storage.TOTPCredentials, c *Clock) {
	cred := sampleTOTP(c)
	mustOK(t, s.SaveTOTPCredential(t.Context(), cred), "SaveTOTPCredential")
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := s.ConsumeBackupCode(t.Context(), cred.UserID, cred.BackupCodes[0], c.Now()); err == nil {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent consumptions won, want 1", wins.Load())
	}
}

func testTOTPReplaceCodes(t *testing.T, s storage.TOTPCredentials, c *Clock) {
	cred := sampleTOTP(c)
	mustOK(t, s.SaveTOTPCredential(t.Context(), cred), "SaveTOTPCredential")
	fresh := []string{randomHash(), randomHash()}
	mustOK(t, s.ReplaceBackupCodes(t.Context(), cred.UserID, fresh, c.Now()), "ReplaceBackupCodes")
	_, err := s.ConsumeBackupCode(t.Context(), cred.UserID, cred.BackupCodes[0], c.Now())
	mustErr(t, err, storage.ErrNotFound, "ConsumeBackupCode(old set)")
	n, err := s.ConsumeBackupCode(t.Context(), cred.UserID, fresh[0], c.Now())
	mustOK(t, err, "ConsumeBackupCode(new set)")
	if n != 1 {
		t.Fatalf("remaining = %d, want 1", n)
	}
}

func testTOTPDelete(t *testing.T, s storage.TOTPCredentials, c *Clock) {
	cred := sampleTOTP(c)
	mustOK(t, s.SaveTOTPCredential(t.Context(), cred), "SaveTOTPCredential")
	mustOK(t, s.DeleteTOTPCredential(t.Context(), cred.UserID), "DeleteTOTPCredential")
	mustOK(t, s.DeleteTOTPCredential(t.Context(), cred.UserID), "DeleteTOTPCredential(again)")
	_, err := s.GetTOTPCredential(t.Context(), cred.UserID)
	mustErr(t, err, storage.ErrNotFound, "GetTOTPCredential(deleted)")
}

func samplePending(c *Clock) storage.PendingTOTP {
	return storage.PendingTOTP{UserID: randomID(), Secret: randomBytes(48), CreatedAt: c.Now(), ExpiresAt: c.Now().Add(10 * time.Minute)}
}

func testPendingRoundTrip(t *testing.T, s storage.TOTPEphemeral, c *Clock) {
	p := samplePending(c)
	assertFilled(t, p)
	mustOK(t, s.PutPendingTOTP(t.Context(), p), "PutPendingTOTP")
	got, err := s.GetPendingTOTP(t.Context(), p.UserID)
	mustOK(t, err, "GetPendingTOTP")
	assertEqual(t, "GetPendingTOTP", got, p)
	_, err = s.GetPendingTOTP(t.Context(), randomID())
	mustErr(t, err, storage.ErrNotFound, "GetPendingTOTP(unknown)")
}

func testPendingExpiry(t *testing.T, s storage.TOTPEphemeral, c *Clock) {
	p := samplePending(c)
	mustOK(t, s.PutPendingTOTP(t.Context(), p), "PutPendingTOTP")
	c.Advance(10*time.Minute - time.Second)
	_, err := s.GetPendingTOTP(t.Context(), p.UserID)
	mustOK(t, err, "GetPendingTOTP(before expiry)")
	c.Advance(time.Second)
	_, err = s.GetPendingTOTP(t.Context(), p.UserID)
	mustErr(t, err, storage.ErrNotFound, "GetPendingTOTP(expired)")
}

func testPendingDelete(t *testing.T, s storage.TOTPEphemeral, c *Clock) {
	p := samplePending(c)
	mustOK(t, s.PutPendingTOTP(t.Context(), p), "PutPendingTOTP")
	mustOK(t, s.DeletePendingTOTP(t.Context(), p.UserID), "DeletePendingTOTP")
	mustOK(t, s.DeletePendingTOTP(t.Context(), p.UserID), "DeletePendingTOTP(again)")
	_, err := s.GetPendingTOTP(t.Context(), p.UserID)
	mustErr(t, err, storage.ErrNotFound, "GetPendingTOTP(deleted)")
}

func testStepReplay(t *testing.T, s storage.TOTPEphemeral, c *Clock) {
	user, until := randomID(), c.Now().Add(90*time.Second)
	mustOK(t, s.MarkTOTPStepUsed(t.Context(), user, 100, until), "MarkTOTPStepUsed")
	mustErr(t, s.MarkTOTPStepUsed(t.Context(), user, 100, until), storage.ErrAlreadyUsed, "MarkTOTPStepUsed(replay)")
	mustOK(t, s.MarkTOTPStepUsed(t.Context(), user, 101, until), "MarkTOTPStepUsed(next step)")
	mustOK(t, s.MarkTOTPStepUsed(t.Context(), randomID(), 100, until), "MarkTOTPStepUsed(other user)")
}

func testStepExpires(t *testing.T, s storage.TOTPEphemeral, c *Clock) {
	user := randomID()
	mustOK(t, s.MarkTOTPStepUsed(t.Context(), user, 7, c.Now().Add(90*time.Second)), "MarkTOTPStepUsed")
	c.Advance(89 * time.Second)
	mustErr(t, s.MarkTOTPStepUsed(t.Context(), user, 7, c.Now().Add(90*time.Second)), storage.ErrAlreadyUsed, "MarkTOTPStepUsed(at 89 s)")
	c.Advance(time.Second)
	mustOK(t, s.MarkTOTPStepUsed(t.Context(), user, 7, c.Now().Add(90*time.Second)), "MarkTOTPStepUsed(at 90 s)")
}

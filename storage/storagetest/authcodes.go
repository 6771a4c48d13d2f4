package storagetest

import (
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

func authCodeTests() []testCase[storage.AuthRequests] {
	return []testCase[storage.AuthRequests]{
		{"Consume", testCodeConsume},
		{"ConsumeTwice", testCodeConsumeTwice},
		{"ReplayAfterExpiry", testCodeReplayAfterExpiry},
		{"UnusedAfterExpiry", testCodeUnusedAfterExpiry},
		{"UsedAfterKeepUntil", testCodeUsedAfterKeepUntil},
		{"Unknown", testCodeUnknown},
		{"DuplicateHash", testCodeDuplicateHash},
		{"SnapshotOutlivesRequest", testCodeSnapshot},
		{"ConsumeConcurrent", testCodeConsumeConcurrent},
		{"GetDoesNotConsume", testCodeGetDoesNotConsume},
		{"GetAfterConsume", testCodeGetAfterConsume},
		{"GetUnknownOrExpired", testCodeGetUnknownOrExpired},
	}
}

// GetAuthCode reads a code without spending it.
func testCodeGetDoesNotConsume(t *testing.T, s storage.AuthRequests, c *Clock) {
	code := saveCode(t, s, c)
	for range 2 {
		got, err := s.GetAuthCode(t.Context(), code.Hash)
		mustOK(t, err, "GetAuthCode")
		assertEqual(t, "request of the read code", got, code.Request)
	}
	consumeFirst(t, s, code)
}

func testCodeGetAfterConsume(t *testing.T, s storage.AuthRequests, c *Clock) {
	code := saveCode(t, s, c)
	consumeFirst(t, s, code)
	got, err := s.GetAuthCode(t.Context(), code.Hash)
	mustErr(t, err, storage.ErrAlreadyUsed, "GetAuthCode of a used code")
	if got.ID != code.Request.ID {
		t.Errorf("GetAuthCode of a used code returned request %q, want %q", got.ID, code.Request.ID)
	}
}

func testCodeGetUnknownOrExpired(t *testing.T, s storage.AuthRequests, c *Clock) {
	_, err := s.GetAuthCode(t.Context(), randomHash())
	mustErr(t, err, storage.ErrNotFound, "GetAuthCode of an unknown code")
	code := saveCode(t, s, c)
	c.Advance(codeLifetime + time.Second)
	_, err = s.GetAuthCode(t.Context(), code.Hash)
	mustErr(t, err, storage.ErrNotFound, "GetAuthCode of an unused code after ExpiresAt")
}

// Code lifetimes of the samples: valid for codeLifetime, recognised as a
// replay for codeRetention.
const (
	codeLifetime  = time.Minute
	codeRetention = 10 * time.Minute
)

// sampleCode returns a code for a completed request.
func sampleCode(c *Clock) storage.AuthCode {
	return storage.AuthCode{
		Hash:      randomHash(),
		Request:   completed(sampleAuthRequest(c), sampleCompletion(c)),
		ExpiresAt: c.Now().Add(codeLifetime),
		KeepUntil: c.Now().Add(codeRetention),
	}
}

// saveCode stores a sample code, failing the test on error.
func saveCode(t *testing.T, s storage.AuthRequests, c *Clock) storage.AuthCode {
	t.Helper()
	code := sampleCode(c)
	mustOK(t, s.SaveAuthCode(t.Context(), code), "SaveAuthCode")
	return code
}

// consumeFirst consumes a code that must not have been used yet.
func consumeFirst(t *testing.T, s storage.AuthRequests, code storage.AuthCode) {
	t.Helper()
	got, err := s.ConsumeAuthCode(t.Context(), code.Hash)
	mustOK(t, err, "first ConsumeAuthCode")
	assertEqual(t, "request of the consumed code", got, code.Request)
}

// assertReplay checks that consuming again is ErrAlreadyUsed and still names
// the request, so the caller can revoke the grant.
func assertReplay(t *testing.T, s storage.AuthRequests, code storage.AuthCode) {
	t.Helper()
	got, err := s.ConsumeAuthCode(t.Context(), code.Hash)
	mustErr(t, err, storage.ErrAlreadyUsed, "replayed ConsumeAuthCode")
	if got.ID != code.Request.ID {
		t.Errorf("replayed ConsumeAuthCode returned request %q, want %q", got.ID, code.Request.ID)
	}
}

func testCodeConsume(t *testing.T, s storage.AuthRequests, c *Clock) {
	code := sampleCode(c)
	assertFilled(t, code)
	assertFilled(t, code.Request)
	mustOK(t, s.SaveAuthCode(t.Context(), code), "SaveAuthCode")
	c.Advance(codeLifetime - time.Second)
	consumeFirst(t, s, code)
}

func testCodeConsumeTwice(t *testing.T, s storage.AuthRequests, c *Clock) {
	code := saveCode(t, s, c)
	consumeFirst(t, s, code)
	assertReplay(t, s, code)
	assertReplay(t, s, code)
}

// A used code is still recognised as replayed after ExpiresAt, until
// KeepUntil.
func testCodeReplayAfterExpiry(t *testing.T, s storage.AuthRequests, c *Clock) {
	code := saveCode(t, s, c)
	consumeFirst(t, s, code)
	c.Advance(codeRetention - time.Second)
	assertReplay(t, s, code)
}

func testCodeUnusedAfterExpiry(t *testing.T, s storage.AuthRequests, c *Clock) {
	code := saveCode(t, s, c)
	c.Advance(codeLifetime + time.Second)
	_, err := s.ConsumeAuthCode(t.Context(), code.Hash)
	mustErr(t, err, storage.ErrNotFound, "ConsumeAuthCode of an unused code after ExpiresAt")
}

func testCodeUsedAfterKeepUntil(t *testing.T, s storage.AuthRequests, c *Clock) {
	code := saveCode(t, s, c)
	consumeFirst(t, s, code)
	c.Advance(codeRetention + time.Second)
	_, err := s.ConsumeAuthCode(t.Context(), code.Hash)
	mustErr(t, err, storage.ErrNotFound, "ConsumeAuthCode of a used code after KeepUntil")
}

func testCodeUnknown(t *testing.T, s storage.AuthRequests, c *Clock) {
	saveCode(t, s, c)
	_, err := s.ConsumeAuthCode(t.Context(), randomHash())
	mustErr(t, err, storage.ErrNotFound, "ConsumeAuthCode unknown")
}

func testCodeDuplicateHash(t *testing.T, s storage.AuthRequests, c *Clock) {
	code := saveCode(t, s, c)
	dup := sampleCode(c)
	dup.Hash = code.Hash
	mustErr(t, s.SaveAuthCode(t.Context(), dup), storage.ErrAlreadyExists, "SaveAuthCode with a taken hash")
	consumeFirst(t, s, code)
}

// The code carries a snapshot: deleting or changing the request afterwards
// (the provider deletes it once the code is issued) does not affect it.
func testCodeSnapshot(t *testing.T, s storage.AuthRequests, c *Clock) {
	code := sampleCode(c)
	mustOK(t, s.CreateAuthRequest(t.Context(), code.Request), "CreateAuthRequest")
	mustOK(t, s.SaveAuthCode(t.Context(), code), "SaveAuthCode")
	mustOK(t, s.DeleteAuthRequest(t.Context(), code.Request.ID), "DeleteAuthRequest")
	consumeFirst(t, s, code)
}

// codeRacers is how many goroutines race to redeem one code.
const codeRacers = 8

func testCodeConsumeConcurrent(t *testing.T, s storage.AuthRequests, c *Clock) {
	code := saveCode(t, s, c)
	reqs := make([]storage.AuthRequest, codeRacers)
	errs := race(codeRacers, func(i int) error {
		var err error
		reqs[i], err = s.ConsumeAuthCode(t.Context(), code.Hash)
		return err
	})
	winner := singleWinner(t, errs, storage.ErrAlreadyUsed)
	assertEqual(t, "winner's request", reqs[winner], code.Request)
	for i, r := range reqs {
		if r.ID != code.Request.ID {
			t.Errorf("racer %d got request %q, want %q", i, r.ID, code.Request.ID)
		}
	}
}

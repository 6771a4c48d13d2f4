package storagetest

import (
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

func authRequestTests() []testCase[storage.AuthRequests] {
	return []testCase[storage.AuthRequests]{
		{"RoundTrip", testAuthRequestRoundTrip},
		{"RoundTripMaxAge", testAuthRequestMaxAge},
		{"DuplicateID", testAuthRequestDuplicateID},
		{"NotFound", testAuthRequestNotFound},
		{"Expiry", testAuthRequestExpiry},
		{"Complete", testAuthRequestComplete},
		{"CompleteUnknown", testAuthRequestCompleteUnknown},
		{"CompleteExpired", testAuthRequestCompleteExpired},
		{"Delete", testAuthRequestDelete},
	}
}

// authRequestLifetime is the samples' lifetime.
const authRequestLifetime = 30 * time.Minute

// sampleAuthRequest returns a pending request with every request field set
// and none of the completion fields.
func sampleAuthRequest(c *Clock) storage.AuthRequest {
	return storage.AuthRequest{
		ID:                  randomID(),
		ClientID:            randomID(),
		RedirectURI:         "https://app.example.com/cb",
		Scopes:              []string{"openid", "email", "profile"},
		ResponseType:        "code",
		ResponseMode:        "form_post",
		State:               randomID(),
		Nonce:               randomID(),
		CodeChallenge:       "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		CodeChallengeMethod: "S256",
		Prompt:              []string{"login", "consent"},
		MaxAge:              -1,
		HintSubject:         randomID(),
		LoginHint:           "ada@example.com",
		ACRValues:           []string{"urn:admit:acr:mfa", "urn:admit:acr:pwd"},
		UILocales:           []string{"de-CH", "en"},
		Resources:           []string{"https://tickets.example/api", "urn:example:payments"},
		CreatedAt:           c.Now(),
		ExpiresAt:           c.Now().Add(authRequestLifetime),
		DPoPJKT:             "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
	}
}

// sampleCompletion returns a completion with every field set.
func sampleCompletion(c *Clock) storage.AuthCompletion {
	return storage.AuthCompletion{
		UserID:    randomID(),
		AuthTime:  c.Now(),
		AMR:       []string{"pwd", "otp"},
		ACR:       "urn:admit:acr:mfa",
		SessionID: randomID(),
	}
}

// completed returns r as CompleteAuthRequest(r.ID, comp) leaves it.
func completed(r storage.AuthRequest, comp storage.AuthCompletion) storage.AuthRequest {
	r.Done = true
	r.UserID, r.AuthTime, r.AMR, r.ACR, r.SessionID = comp.UserID, comp.AuthTime, comp.AMR, comp.ACR, comp.SessionID
	return r
}

// getAuthRequest fetches a request that must exist.
func getAuthRequest(t *testing.T, s storage.AuthRequests, id string) storage.AuthRequest {
	t.Helper()
	got, err := s.GetAuthRequest(t.Context(), id)
	mustOK(t, err, "GetAuthRequest")
	return got
}

// The store keeps whatever it is given, completion fields included.
func testAuthRequestRoundTrip(t *testing.T, s storage.AuthRequests, c *Clock) {
	r := completed(sampleAuthRequest(c), sampleCompletion(c))
	assertFilled(t, r)
	mustOK(t, s.CreateAuthRequest(t.Context(), r), "CreateAuthRequest")
	assertEqual(t, "GetAuthRequest", getAuthRequest(t, s, r.ID), r)
}

// MaxAge distinguishes "absent" (negative) from max_age=0 (re-authenticate).
func testAuthRequestMaxAge(t *testing.T, s storage.AuthRequests, c *Clock) {
	for _, maxAge := range []int64{-1, 0, 3600} {
		r := sampleAuthRequest(c)
		r.MaxAge = maxAge
		mustOK(t, s.CreateAuthRequest(t.Context(), r), "CreateAuthRequest")
		if got := getAuthRequest(t, s, r.ID).MaxAge; got != maxAge {
			t.Errorf("MaxAge = %d, want %d", got, maxAge)
		}
	}
}

func testAuthRequestDuplicateID(t *testing.T, s storage.AuthRequests, c *Clock) {
	r := sampleAuthRequest(c)
	mustOK(t, s.CreateAuthRequest(t.Context(), r), "CreateAuthRequest")
	dup := sampleAuthRequest(c)
	dup.ID = r.ID
	mustErr(t, s.CreateAuthRequest(t.Context(), dup), storage.ErrAlreadyExists, "CreateAuthRequest with a taken ID")
	assertEqual(t, "request after rejected duplicate", getAuthRequest(t, s, r.ID), r)
}

func testAuthRequestNotFound(t *testing.T, s storage.AuthRequests, c *Clock) {
	mustOK(t, s.CreateAuthRequest(t.Context(), sampleAuthRequest(c)), "CreateAuthRequest")
	_, err := s.GetAuthRequest(t.Context(), randomID())
	mustErr(t, err, storage.ErrNotFound, "GetAuthRequest unknown")
}

func testAuthRequestExpiry(t *testing.T, s storage.AuthRequests, c *Clock) {
	r := sampleAuthRequest(c)
	mustOK(t, s.CreateAuthRequest(t.Context(), r), "CreateAuthRequest")
	c.Advance(authRequestLifetime - time.Second)
	getAuthRequest(t, s, r.ID)
	c.Advance(2 * time.Second)
	_, err := s.GetAuthRequest(t.Context(), r.ID)
	mustErr(t, err, storage.ErrNotFound, "GetAuthRequest after ExpiresAt")
}

func testAuthRequestComplete(t *testing.T, s storage.AuthRequests, c *Clock) {
	r := sampleAuthRequest(c)
	mustOK(t, s.CreateAuthRequest(t.Context(), r), "CreateAuthRequest")
	if got := getAuthRequest(t, s, r.ID); got.Done {
		t.Fatal("a new request is already Done")
	}
	c.Advance(time.Minute)
	comp := sampleCompletion(c)
	mustOK(t, s.CompleteAuthRequest(t.Context(), r.ID, comp), "CompleteAuthRequest")
	assertEqual(t, "request after CompleteAuthRequest", getAuthRequest(t, s, r.ID), completed(r, comp))
}

func testAuthRequestCompleteUnknown(t *testing.T, s storage.AuthRequests, c *Clock) {
	err := s.CompleteAuthRequest(t.Context(), randomID(), sampleCompletion(c))
	mustErr(t, err, storage.ErrNotFound, "CompleteAuthRequest unknown")
}

func testAuthRequestCompleteExpired(t *testing.T, s storage.AuthRequests, c *Clock) {
	r := sampleAuthRequest(c)
	mustOK(t, s.CreateAuthRequest(t.Context(), r), "CreateAuthRequest")
	c.Advance(authRequestLifetime + time.Second)
	err := s.CompleteAuthRequest(t.Context(), r.ID, sampleCompletion(c))
	mustErr(t, err, storage.ErrNotFound, "CompleteAuthRequest after ExpiresAt")
}

func testAuthRequestDelete(t *testing.T, s storage.AuthRequests, c *Clock) {
	gone, kept := sampleAuthRequest(c), sampleAuthRequest(c)
	mustOK(t, s.CreateAuthRequest(t.Context(), gone), "CreateAuthRequest")
	mustOK(t, s.CreateAuthRequest(t.Context(), kept), "CreateAuthRequest")
	mustOK(t, s.DeleteAuthRequest(t.Context(), gone.ID), "DeleteAuthRequest")
	_, err := s.GetAuthRequest(t.Context(), gone.ID)
	mustErr(t, err, storage.ErrNotFound, "GetAuthRequest after delete")
	assertEqual(t, "other request", getAuthRequest(t, s, kept.ID), kept)
	mustOK(t, s.DeleteAuthRequest(t.Context(), gone.ID), "second DeleteAuthRequest")
	mustOK(t, s.DeleteAuthRequest(t.Context(), randomID()), "DeleteAuthRequest unknown")
}

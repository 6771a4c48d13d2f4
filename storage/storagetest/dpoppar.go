package storagetest

import (
	"net/url"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

func dpopProofTests() []testCase[storage.DPoPProofs] {
	return []testCase[storage.DPoPProofs]{
		{"SecondUseRefused", testDPoPProofReplay},
		{"KeysIndependent", testDPoPProofKeys},
		{"ConcurrentUse", testDPoPProofConcurrent},
	}
}

func testDPoPProofReplay(t *testing.T, s storage.DPoPProofs, c *Clock) {
	key, until := randomHash(), c.Now().Add(5*time.Minute)
	mustOK(t, s.UseDPoPProof(t.Context(), key, until), "UseDPoPProof")
	c.Advance(4 * time.Minute)
	mustErr(t, s.UseDPoPProof(t.Context(), key, until), storage.ErrAlreadyUsed, "UseDPoPProof again inside the window")
}

func testDPoPProofKeys(t *testing.T, s storage.DPoPProofs, c *Clock) {
	until := c.Now().Add(time.Minute)
	mustOK(t, s.UseDPoPProof(t.Context(), randomHash(), until), "UseDPoPProof a")
	mustOK(t, s.UseDPoPProof(t.Context(), randomHash(), until), "UseDPoPProof b")
}

// testDPoPProofConcurrent: of several nodes presented the same proof at
// once, exactly one accepts it.
func testDPoPProofConcurrent(t *testing.T, s storage.DPoPProofs, c *Clock) {
	key, until := randomHash(), c.Now().Add(time.Minute)
	exactlyOneWins(t, "UseDPoPProof", storage.ErrAlreadyUsed, func() error { return s.UseDPoPProof(t.Context(), key, until) })
}

func pushedRequestTests() []testCase[storage.PushedRequests] {
	return []testCase[storage.PushedRequests]{
		{"RoundTripSingleUse", testPushedSingleUse},
		{"Expiry", testPushedExpiry},
		{"OtherClientLeavesIt", testPushedOtherClient},
		{"Unknown", testPushedUnknown},
		{"Duplicate", testPushedDuplicate},
		{"ConcurrentConsume", testPushedConcurrent},
	}
}

func samplePushed(c *Clock) storage.PushedRequest {
	return storage.PushedRequest{
		Hash: randomHash(), ClientID: randomID(),
		Params: url.Values{"response_type": {"code"}, "scope": {"openid profile"}, "redirect_uri": {"https://app.example.com/cb"},
			"acr_values": {"a", "b"}},
		CreatedAt: c.Now(), ExpiresAt: c.Now().Add(90 * time.Second),
	}
}

func testPushedSingleUse(t *testing.T, s storage.PushedRequests, c *Clock) {
	r := samplePushed(c)
	assertFilled(t, r)
	mustOK(t, s.PushRequest(t.Context(), r), "PushRequest")
	got, err := s.ConsumePushedRequest(t.Context(), r.Hash, r.ClientID)
	mustOK(t, err, "ConsumePushedRequest")
	assertEqual(t, "pushed request", got, r)
	_, err = s.ConsumePushedRequest(t.Context(), r.Hash, r.ClientID)
	mustErr(t, err, storage.ErrNotFound, "second ConsumePushedRequest")
}

func testPushedExpiry(t *testing.T, s storage.PushedRequests, c *Clock) {
	r := samplePushed(c)
	mustOK(t, s.PushRequest(t.Context(), r), "PushRequest")
	c.Advance(90 * time.Second)
	_, err := s.ConsumePushedRequest(t.Context(), r.Hash, r.ClientID)
	mustErr(t, err, storage.ErrNotFound, "ConsumePushedRequest at expiry")
}

func testPushedOtherClient(t *testing.T, s storage.PushedRequests, c *Clock) {
	r := samplePushed(c)
	mustOK(t, s.PushRequest(t.Context(), r), "PushRequest")
	_, err := s.ConsumePushedRequest(t.Context(), r.Hash, randomID())
	mustErr(t, err, storage.ErrNotFound, "ConsumePushedRequest by another client")
	_, err = s.ConsumePushedRequest(t.Context(), r.Hash, r.ClientID)
	mustOK(t, err, "ConsumePushedRequest by its client after the other's attempt")
}

func testPushedUnknown(t *testing.T, s storage.PushedRequests, _ *Clock) {
	_, err := s.ConsumePushedRequest(t.Context(), randomHash(), randomID())
	mustErr(t, err, storage.ErrNotFound, "ConsumePushedRequest unknown")
}

func testPushedDuplicate(t *testing.T, s storage.PushedRequests, c *Clock) {
	r := samplePushed(c)
	mustOK(t, s.PushRequest(t.Context(), r), "PushRequest")
	mustErr(t, s.PushRequest(t.Context(), r), storage.ErrAlreadyExists, "PushRequest again")
}

func testPushedConcurrent(t *testing.T, s storage.PushedRequests, c *Clock) {
	r := samplePushed(c)
	mustOK(t, s.PushRequest(t.Context(), r), "PushRequest")
	exactlyOneWins(t, "ConsumePushedRequest", storage.ErrNotFound, func() error {
		_, err := s.ConsumePushedRequest(t.Context(), r.Hash, r.ClientID)
		return err
	})
}

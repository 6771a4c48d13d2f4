package storagetest

import (
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

func loginFlowTests() []testCase[storage.LoginFlows] {
	return []testCase[storage.LoginFlows]{
		{"RoundTrip", testFlowRoundTrip},
		{"RoundTripEmpty", testFlowRoundTripEmpty},
		{"Replace", testFlowReplace},
		{"NotFound", testFlowNotFound},
		{"Expiry", testFlowExpiry},
		{"Delete", testFlowDelete},
		{"CallerCannotMutate", testFlowCallerCannotMutate},
	}
}

// flowLifetime is the samples' lifetime.
const flowLifetime = 15 * time.Minute

func sampleFlow(c *Clock) storage.LoginFlow {
	return storage.LoginFlow{
		ID:            randomID(),
		AuthRequestID: randomID(),
		TenantID:      randomID(),
		UserID:        randomID(),
		AMR:           []string{"pwd"},
		Failures:      2,
		Data: map[string]string{
			"webauthn": `{"challenge":"` + randomID() + `"}`,
			"totp":     "step=1",
		},
		CreatedAt: c.Now(),
		ExpiresAt: c.Now().Add(flowLifetime),
	}
}

// getFlow fetches a flow that must be live.
func getFlow(t *testing.T, s storage.LoginFlows, id string) storage.LoginFlow {
	t.Helper()
	got, err := s.GetLoginFlow(t.Context(), id)
	mustOK(t, err, "GetLoginFlow")
	return got
}

func testFlowRoundTrip(t *testing.T, s storage.LoginFlows, c *Clock) {
	f := sampleFlow(c)
	assertFilled(t, f)
	mustOK(t, s.PutLoginFlow(t.Context(), f), "PutLoginFlow")
	assertEqual(t, "GetLoginFlow", getFlow(t, s, f.ID), f)
}

// A flow that has not identified anyone yet.
func testFlowRoundTripEmpty(t *testing.T, s storage.LoginFlows, c *Clock) {
	f := storage.LoginFlow{ID: randomID(), AuthRequestID: randomID(), CreatedAt: c.Now(), ExpiresAt: c.Now().Add(flowLifetime)}
	mustOK(t, s.PutLoginFlow(t.Context(), f), "PutLoginFlow")
	assertEqual(t, "GetLoginFlow", getFlow(t, s, f.ID), f)
}

// Put replaces the whole flow; in particular Data is not merged.
func testFlowReplace(t *testing.T, s storage.LoginFlows, c *Clock) {
	f := sampleFlow(c)
	mustOK(t, s.PutLoginFlow(t.Context(), f), "PutLoginFlow")
	f.UserID = randomID()
	f.AMR = []string{"pwd", "otp"}
	f.Failures = 0
	f.Data = map[string]string{"totp": "done"}
	f.ExpiresAt = f.ExpiresAt.Add(time.Minute)
	mustOK(t, s.PutLoginFlow(t.Context(), f), "PutLoginFlow (replace)")
	assertEqual(t, "GetLoginFlow after replace", getFlow(t, s, f.ID), f)
}

func testFlowNotFound(t *testing.T, s storage.LoginFlows, c *Clock) {
	mustOK(t, s.PutLoginFlow(t.Context(), sampleFlow(c)), "PutLoginFlow")
	_, err := s.GetLoginFlow(t.Context(), randomID())
	mustErr(t, err, storage.ErrNotFound, "GetLoginFlow unknown")
}

func testFlowExpiry(t *testing.T, s storage.LoginFlows, c *Clock) {
	f := sampleFlow(c)
	mustOK(t, s.PutLoginFlow(t.Context(), f), "PutLoginFlow")
	c.Advance(flowLifetime - time.Second)
	getFlow(t, s, f.ID)
	c.Advance(2 * time.Second)
	_, err := s.GetLoginFlow(t.Context(), f.ID)
	mustErr(t, err, storage.ErrNotFound, "GetLoginFlow after ExpiresAt")
}

func testFlowDelete(t *testing.T, s storage.LoginFlows, c *Clock) {
	gone, kept := sampleFlow(c), sampleFlow(c)
	mustOK(t, s.PutLoginFlow(t.Context(), gone), "PutLoginFlow")
	mustOK(t, s.PutLoginFlow(t.Context(), kept), "PutLoginFlow")
	mustOK(t, s.DeleteLoginFlow(t.Context(), gone.ID), "DeleteLoginFlow")
	_, err := s.GetLoginFlow(t.Context(), gone.ID)
	mustErr(t, err, storage.ErrNotFound, "GetLoginFlow after delete")
	assertEqual(t, "other flow", getFlow(t, s, kept.ID), kept)
	mustOK(t, s.DeleteLoginFlow(t.Context(), gone.ID), "second DeleteLoginFlow")
	mustOK(t, s.DeleteLoginFlow(t.Context(), randomID()), "DeleteLoginFlow unknown")
}

// Mutating the map and slices passed in or handed out must not change what
// is stored.
func testFlowCallerCannotMutate(t *testing.T, s storage.LoginFlows, c *Clock) {
	f := sampleFlow(c)
	want := normalize(f)
	want.Data = map[string]string{"webauthn": f.Data["webauthn"], "totp": f.Data["totp"]}
	mustOK(t, s.PutLoginFlow(t.Context(), f), "PutLoginFlow")
	f.Data["totp"] = "tampered"
	f.AMR[0] = "hwk"

	got := getFlow(t, s, f.ID)
	got.Data["injected"] = "x"
	got.AMR[0] = "sms"
	assertEqual(t, "flow after caller mutation", getFlow(t, s, f.ID), want)
}

package storagetest

import (
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

func deviceGrantTests() []testCase[storage.DeviceAuthorizations] {
	return []testCase[storage.DeviceAuthorizations]{
		{"ApproveOnceConsumeOnce", testDeviceApproveConsume},
		{"DenyAndUserCodeSingleUse", testDeviceDeny},
		{"PollInterval", testDevicePollInterval},
		{"Expiry", testDeviceExpiry},
		{"UniqueUserCode", testDeviceUniqueUserCode},
	}
}

func newDeviceAuth(t *testing.T, s storage.DeviceAuthorizations, c *Clock) storage.DeviceAuthorization {
	t.Helper()
	d := storage.DeviceAuthorization{
		DeviceCodeHash: randomHash(), UserCode: randomHex(4), ClientID: "tv", Scopes: []string{"openid"},
		CreatedAt: c.Now(), ExpiresAt: c.Now().Add(10 * time.Minute),
	}
	mustOK(t, s.CreateDeviceAuthorization(t.Context(), d), "CreateDeviceAuthorization")
	return d
}

func testDeviceApproveConsume(t *testing.T, s storage.DeviceAuthorizations, c *Clock) {
	d := newDeviceAuth(t, s, c)
	got, err := s.GetDeviceAuthorizationByUserCode(t.Context(), d.UserCode)
	mustOK(t, err, "GetDeviceAuthorizationByUserCode")
	assertEqual(t, "pending authorization", got, d)
	p, err := s.PollDeviceAuthorization(t.Context(), d.DeviceCodeHash, "tv", time.Second)
	mustOK(t, err, "poll while pending")
	if p.Decision != storage.DevicePending {
		t.Fatalf("decision before approval = %q", p.Decision)
	}
	dec := storage.DeviceDecision{Approved: true, UserID: "u1", AuthTime: c.Now(), AMR: []string{"pwd"}, ACR: "sfa", SessionID: "s1"}
	mustOK(t, s.DecideDeviceAuthorization(t.Context(), d.UserCode, dec), "approve")
	mustErr(t, s.DecideDeviceAuthorization(t.Context(), d.UserCode, storage.DeviceDecision{}), storage.ErrAlreadyUsed, "second decision")
	_, err = s.GetDeviceAuthorizationByUserCode(t.Context(), d.UserCode)
	mustErr(t, err, storage.ErrNotFound, "user code after the decision")
	c.Advance(time.Second)
	_, err = s.PollDeviceAuthorization(t.Context(), d.DeviceCodeHash, "other-client", time.Second)
	mustErr(t, err, storage.ErrNotFound, "poll by another client")
	p, err = s.PollDeviceAuthorization(t.Context(), d.DeviceCodeHash, "tv", time.Second)
	mustOK(t, err, "poll after approval (another client's poll consumed nothing)")
	if p.Decision != storage.DeviceApproved || p.UserID != "u1" || p.SessionID != "s1" || len(p.AMR) != 1 {
		t.Fatalf("approved poll = %+v", p)
	}
	c.Advance(time.Second)
	_, err = s.PollDeviceAuthorization(t.Context(), d.DeviceCodeHash, "tv", time.Second)
	mustErr(t, err, storage.ErrNotFound, "poll after the device code was consumed")
}

func testDeviceDeny(t *testing.T, s storage.DeviceAuthorizations, c *Clock) {
	d := newDeviceAuth(t, s, c)
	mustOK(t, s.DecideDeviceAuthorization(t.Context(), d.UserCode, storage.DeviceDecision{UserID: "u1"}), "deny")
	for range 2 {
		p, err := s.PollDeviceAuthorization(t.Context(), d.DeviceCodeHash, "tv", 0)
		mustOK(t, err, "poll after denial")
		if p.Decision != storage.DeviceDenied {
			t.Fatalf("decision = %q, want denied", p.Decision)
		}
	}
	_, err := s.GetDeviceAuthorizationByUserCode(t.Context(), d.UserCode)
	mustErr(t, err, storage.ErrNotFound, "denied user code")
}

func testDevicePollInterval(t *testing.T, s storage.DeviceAuthorizations, c *Clock) {
	d := newDeviceAuth(t, s, c)
	_, err := s.PollDeviceAuthorization(t.Context(), d.DeviceCodeHash, "tv", 5*time.Second)
	mustOK(t, err, "first poll")
	c.Advance(4 * time.Second)
	_, err = s.PollDeviceAuthorization(t.Context(), d.DeviceCodeHash, "tv", 5*time.Second)
	mustErr(t, err, storage.ErrTooSoon, "poll 4 s later")
	c.Advance(5 * time.Second)
	_, err = s.PollDeviceAuthorization(t.Context(), d.DeviceCodeHash, "tv", 5*time.Second)
	mustOK(t, err, "poll 5 s after the refused one")
	_, err = s.PollDeviceAuthorization(t.Context(), randomHash(), "tv", 5*time.Second)
	mustErr(t, err, storage.ErrNotFound, "unknown device code")
}

func testDeviceExpiry(t *testing.T, s storage.DeviceAuthorizations, c *Clock) {
	d := newDeviceAuth(t, s, c)
	c.Advance(10 * time.Minute)
	_, err := s.GetDeviceAuthorizationByUserCode(t.Context(), d.UserCode)
	mustErr(t, err, storage.ErrNotFound, "expired user code")
	mustErr(t, s.DecideDeviceAuthorization(t.Context(), d.UserCode, storage.DeviceDecision{Approved: true}), storage.ErrNotFound, "approve expired")
	_, err = s.PollDeviceAuthorization(t.Context(), d.DeviceCodeHash, "tv", 0)
	mustErr(t, err, storage.ErrNotFound, "poll expired")
}

func testDeviceUniqueUserCode(t *testing.T, s storage.DeviceAuthorizations, c *Clock) {
	d := newDeviceAuth(t, s, c)
	dup := d
	dup.DeviceCodeHash = randomHash()
	mustErr(t, s.CreateDeviceAuthorization(t.Context(), dup), storage.ErrAlreadyExists, "same user code")
}

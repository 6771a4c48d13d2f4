package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

type deviceStore interface {
	storage.Users
	storage.Devices
}

func deviceTests() []testCase[deviceStore] {
	return []testCase[deviceStore]{{"SaveGetListForget", testDevices}}
}

func testDevices(t *testing.T, s deviceStore, c *Clock) {
	ctx := context.Background()
	u := storage.User{ID: randomID(), Email: randomID() + "@example.com", CreatedAt: c.Now(), UpdatedAt: c.Now()}
	mustOK(t, s.CreateUser(ctx, u), "create user")
	d1 := storage.Device{ID: randomID(), UserID: u.ID, TokenHash: randomHash(), UserAgent: "Firefox", Language: "en",
		IPPrefix: "192.0.2.0/24", FirstSeen: c.Now(), LastSeen: c.Now(), Successes: 1, TrustScore: 50}
	mustOK(t, s.SaveDevice(ctx, d1), "save")
	got, err := s.GetDevice(ctx, u.ID, d1.TokenHash)
	mustOK(t, err, "get")
	assertEqual(t, "device", got, d1)
	_, err = s.GetDevice(ctx, "other", d1.TokenHash)
	mustErr(t, err, storage.ErrNotFound, "another user's device")

	c.Advance(time.Hour)
	d1.LastSeen, d1.Successes, d1.TrustScore = c.Now(), 2, 55
	mustOK(t, s.SaveDevice(ctx, d1), "update")
	d2 := d1
	d2.ID, d2.TokenHash, d2.LastSeen = randomID(), randomHash(), c.Now().Add(-time.Minute)
	mustOK(t, s.SaveDevice(ctx, d2), "save second")
	list, err := s.ListDevices(ctx, u.ID)
	mustOK(t, err, "list")
	if len(list) != 2 || list[0].ID != d1.ID || list[0].TrustScore != 55 {
		t.Fatalf("list: %+v", list)
	}
	mustErr(t, s.DeleteDevice(ctx, "other", d1.ID), storage.ErrNotFound, "forget another user's device")
	mustOK(t, s.DeleteDevice(ctx, u.ID, d1.ID), "forget")
	if list, _ = s.ListDevices(ctx, u.ID); len(list) != 1 {
		t.Fatalf("after forget: %+v", list)
	}
}

package storagetest

import (
	"cmp"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

type deviceStore interface {
	storage.Users
	storage.Devices
}

func deviceTests() []testCase[deviceStore] {
	return []testCase[deviceStore]{
		{"SaveGetListForget", testDevices},
		{"ListPages", testDevicePages},
		{"Retention", testDeviceRetention},
	}
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
	list, err := s.ListDevices(ctx, u.ID, storage.PageRequest{})
	mustOK(t, err, "list")
	if len(list.Items) != 2 || list.Items[0].ID != d1.ID || list.Items[0].TrustScore != 55 || list.Next != "" {
		t.Fatalf("list: %+v", list)
	}
	mustErr(t, s.DeleteDevice(ctx, "other", d1.ID), storage.ErrNotFound, "forget another user's device")
	mustOK(t, s.DeleteDevice(ctx, u.ID, d1.ID), "forget")
	if list, _ = s.ListDevices(ctx, u.ID, storage.PageRequest{}); len(list.Items) != 1 {
		t.Fatalf("after forget: %+v", list)
	}
}

func newDeviceUser(t *testing.T, s deviceStore, c *Clock) storage.User {
	t.Helper()
	u := storage.User{ID: randomID(), Email: randomID() + "@example.com", CreatedAt: c.Now(), UpdatedAt: c.Now()}
	mustOK(t, s.CreateUser(context.Background(), u), "create user")
	return u
}

func sampleDevice(userID string, lastSeen time.Time) storage.Device {
	return storage.Device{ID: randomID(), UserID: userID, TokenHash: randomHash(), UserAgent: "Firefox", Language: "en",
		IPPrefix: "192.0.2.0/24", FirstSeen: lastSeen.Add(-time.Hour), LastSeen: lastSeen, Successes: 1, TrustScore: 5}
}

// Pages of a user's devices: Limit at a time, most recently seen first
// (ties by greater ID first), each device once, Next empty on the last
// page; a cursor no store issued is ErrBadCursor.
func testDevicePages(t *testing.T, s deviceStore, c *Clock) {
	ctx := context.Background()
	u, other := newDeviceUser(t, s, c), newDeviceUser(t, s, c)
	var want []storage.Device
	for i := range 5 {
		d := sampleDevice(u.ID, c.Now().Add(-time.Duration(i/2)*time.Hour)) // pairs share a time
		want = append(want, d)
		mustOK(t, s.SaveDevice(ctx, d), "save")
	}
	mustOK(t, s.SaveDevice(ctx, sampleDevice(other.ID, c.Now())), "save another user's")
	slices.SortFunc(want, func(a, b storage.Device) int { return cmp.Or(b.LastSeen.Compare(a.LastSeen), cmp.Compare(b.ID, a.ID)) })
	var got []storage.Device
	pages := 0
	for after := ""; ; pages++ {
		page, err := s.ListDevices(ctx, u.ID, storage.PageRequest{After: after, Limit: 2})
		mustOK(t, err, "list page")
		if len(page.Items) > 2 {
			t.Fatalf("page of %d devices, limit 2", len(page.Items))
		}
		got = append(got, page.Items...)
		if after = page.Next; after == "" || pages > 5 {
			break
		}
	}
	assertEqual(t, "devices over all pages", got, want)
	if pages != 2 {
		t.Errorf("5 devices 2 at a time took %d pages after the first, want 2", pages)
	}
	_, err := s.ListDevices(ctx, u.ID, storage.PageRequest{After: "garbage", Limit: 2})
	mustErr(t, err, storage.ErrBadCursor, "a cursor no store issued")
}

// DeleteStaleDevices forgets the devices (of every user) last seen before
// the cut-off, and only those; the clock moves as in production, so a
// device seen again is kept.
func testDeviceRetention(t *testing.T, s deviceStore, c *Clock) {
	ctx := context.Background()
	const retention = 90 * 24 * time.Hour
	a, b := newDeviceUser(t, s, c), newDeviceUser(t, s, c)
	old := sampleDevice(a.ID, c.Now())
	oldOfB := sampleDevice(b.ID, c.Now())
	for _, d := range []storage.Device{old, oldOfB} {
		mustOK(t, s.SaveDevice(ctx, d), "save")
	}
	c.Advance(retention / 2)
	seenAgain := sampleDevice(a.ID, c.Now().Add(-retention/2)) // first saved with the old ones...
	seenAgain.LastSeen = c.Now()                               // ...and seen again since
	mustOK(t, s.SaveDevice(ctx, seenAgain), "save")
	c.Advance(retention/2 + time.Minute)

	n, err := s.DeleteStaleDevices(ctx, c.Now().Add(-retention))
	mustOK(t, err, "DeleteStaleDevices")
	if n != 2 {
		t.Errorf("DeleteStaleDevices removed %d devices, want 2", n)
	}
	for _, d := range []storage.Device{old, oldOfB} {
		_, err := s.GetDevice(ctx, d.UserID, d.TokenHash)
		mustErr(t, err, storage.ErrNotFound, "a device not seen within the retention")
	}
	got, err := s.GetDevice(ctx, a.ID, seenAgain.TokenHash)
	mustOK(t, err, "the device seen within the retention")
	assertEqual(t, "kept device", got, seenAgain)
	if n, err := s.DeleteStaleDevices(ctx, c.Now().Add(-retention)); err != nil || n != 0 {
		t.Errorf("second DeleteStaleDevices = %d, %v; want 0", n, err)
	}
}

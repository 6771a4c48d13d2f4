package app

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"github.com/admit-idp/admit/login/password"
	"github.com/admit-idp/admit/storage"
)

// TestHousekeepingForgetsStaleDevices: the hourly housekeeping forgets
// devices not seen for defences.device_retention (180 days by default) and
// keeps the others.
func TestHousekeepingForgetsStaleDevices(t *testing.T) {
	for _, tc := range []struct {
		name      string
		retention time.Duration
		want      time.Duration
	}{{"default", 0, 180 * 24 * time.Hour}, {"configured", 30 * 24 * time.Hour, 30 * 24 * time.Hour}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			var mu sync.Mutex
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			cfg := Defaults()
			cfg.Defences.DeviceRetention = tc.retention
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			st, err := OpenStores(ctx, cfg, clock, false, log)
			if err != nil {
				t.Fatal(err)
			}
			h, _ := password.New(argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
			a, err := New(ctx, cfg, st, log, Options{Now: clock, PasswordHash: h})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(a.Accounts.Close)
			u := storage.User{ID: "u1", Email: "u1@example.com", CreatedAt: now, UpdatedAt: now}
			if err := st.Durable.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			dev := func(id string, seen time.Time) storage.Device {
				return storage.Device{ID: id, UserID: u.ID, TokenHash: "hash-" + id, FirstSeen: seen, LastSeen: seen}
			}
			for _, d := range []storage.Device{dev("stale", now), dev("recent", now.Add(tc.want-time.Hour))} {
				if err := st.Durable.SaveDevice(ctx, d); err != nil {
					t.Fatal(err)
				}
			}
			mu.Lock()
			now = now.Add(tc.want + time.Minute)
			mu.Unlock()
			a.sweepStaleDevices(ctx)
			page, err := st.Durable.ListDevices(ctx, u.ID, storage.PageRequest{})
			if err != nil || len(page.Items) != 1 || page.Items[0].ID != "recent" {
				t.Fatalf("devices after housekeeping: %+v, %v; want only the recent one", page.Items, err)
			}
		})
	}
}

// TestDeviceRetentionIsValidated: a retention under a day is refused,
// naming the setting.
func TestDeviceRetentionIsValidated(t *testing.T) {
	cfg := Defaults()
	cfg.Defences.DeviceRetention = time.Hour
	if err := cfg.Validate(); err == nil {
		t.Fatal("device_retention 1h accepted")
	}
}

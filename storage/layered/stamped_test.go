package layered_test

import (
	"context"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/layered"
	"github.com/admit-idp/admit/storage/memory"
)

// A Redis that lost its data (restart, FLUSHALL) must not hand back a stamp
// a node saw before: its cached rows would look current.
func TestStampsChangeWhenRedisLosesThem(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	keys := []string{layered.UserStamp("u1"), layered.ClientStamp("c1")}
	_, never, err := f.store.CheckRevokedStamped(ctx, nil, keys)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.Restamp(ctx, keys[0]); err != nil {
		t.Fatal(err)
	}
	_, stamped, err := f.store.CheckRevokedStamped(ctx, nil, keys)
	if err != nil {
		t.Fatal(err)
	}
	f.flush(t)
	_, after, err := f.store.CheckRevokedStamped(ctx, nil, keys)
	if err != nil {
		t.Fatal(err)
	}
	for i := range keys {
		if after[i] == never[i] || after[i] == stamped[i] {
			t.Errorf("%s: stamp after the flush %q repeats one from before (%q, %q)", keys[i], after[i], never[i], stamped[i])
		}
	}
}

// After a flush the deny-list answer still comes from the record, stamps
// or not.
func TestCheckRevokedStampedRefillsAfterFlush(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	if err := f.store.Revoke(ctx, "grant:g1", f.clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	f.flush(t)
	revoked, stamps, err := f.store.CheckRevokedStamped(ctx, []string{"at:t1", "grant:g1"}, []string{layered.UserStamp("u1")})
	if err != nil || !revoked || len(stamps) != 1 {
		t.Fatalf("after a flush: revoked=%v stamps=%q err=%v, want the record's revocation", revoked, stamps, err)
	}
}

// Every write of a row a node may cache restamps it; other writes do not.
func TestStampedRestampsEveryCachedRowWrite(t *testing.T) {
	ctx := context.Background()
	clock := time.Now
	mem := memory.New(clock)
	d := layered.NewStamped(mem, mem, nil)
	tenant := storage.DefaultTenantID
	u := storage.User{ID: "u1", TenantID: tenant, Email: "a@example.com", CreatedAt: clock(), UpdatedAt: clock()}
	if err := d.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := d.CreateClient(ctx, storage.Client{ID: "c1", TenantID: tenant, Name: "c", CreatedAt: clock()}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		key   string
		write func() error
	}{
		{"SetUserDisabled", layered.UserStamp("u1"), func() error { return d.SetUserDisabled(ctx, tenant, "u1", true, clock()) }},
		{"UpdateProfile", layered.UserStamp("u1"), func() error { return d.UpdateProfile(ctx, "u1", storage.Profile{GivenName: "A"}, clock()) }},
		{"SetEmail", layered.UserStamp("u1"), func() error { return d.SetEmail(ctx, "u1", "b@example.com", true, clock()) }},
		{"PutRoleGrant", layered.UserStamp("u1"), func() error {
			_, err := d.PutRoleGrant(ctx, storage.RoleGrant{ID: "g1", TenantID: tenant, UserID: "u1", Role: "admin", GrantedBy: "t", GrantedAt: clock(), Active: true})
			return err
		}},
		{"RevokeRoleGrants", layered.UserStamp("u1"), func() error {
			_, err := d.RevokeRoleGrants(ctx, storage.GrantFilter{TenantID: tenant, UserID: "u1"}, "t", clock())
			return err
		}},
		{"UpdateTenant", layered.TenantStamp(tenant), func() error {
			tn, err := d.GetTenant(ctx, tenant)
			if err != nil {
				return err
			}
			tn.Status = storage.TenantSuspended
			return d.UpdateTenant(ctx, tn)
		}},
		{"SetClientSecretHash", layered.ClientStamp("c1"), func() error { return d.SetClientSecretHash(ctx, tenant, "c1", "h") }},
		{"DeleteTenantClient", layered.ClientStamp("c1"), func() error { return d.DeleteTenantClient(ctx, tenant, "c1") }},
		{"SoftDeleteUser", layered.UserStamp("u1"), func() error { return d.SoftDeleteUser(ctx, "u1", clock()) }},
	}
	for _, tc := range tests {
		_, before, _ := mem.CheckRevokedStamped(ctx, nil, []string{tc.key})
		if err := tc.write(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		_, after, _ := mem.CheckRevokedStamped(ctx, nil, []string{tc.key})
		if after[0] == before[0] {
			t.Errorf("%s did not restamp %s", tc.name, tc.key)
		}
	}
	// A failed write restamps nothing.
	_, before, _ := mem.CheckRevokedStamped(ctx, nil, []string{layered.UserStamp("nobody")})
	if err := d.SetUserDisabled(ctx, tenant, "nobody", true, clock()); err == nil {
		t.Fatal("disabling an unknown user succeeded")
	}
	if _, after, _ := mem.CheckRevokedStamped(ctx, nil, []string{layered.UserStamp("nobody")}); after[0] != before[0] {
		t.Error("a failed write restamped its row")
	}
}

package storagetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

// sampleAudit returns an event with every field set.
func sampleAudit(c *Clock, tenantID string) storage.AuditEvent {
	return storage.AuditEvent{
		ID:        randomID(),
		Time:      c.Now(),
		TenantID:  tenantID,
		Event:     "role.granted",
		Outcome:   "success",
		Reason:    "requested",
		ActorID:   "client:" + randomHex(4),
		UserID:    randomID(),
		ClientID:  randomID(),
		IP:        "192.0.2.7",
		UserAgent: "curl/8.0",
		RequestID: randomHex(8),
		Details:   map[string]string{"role": "venue_staff"},
	}
}

// auditIDs is the order ListAudit must return events in: by (Time, ID).
func auditIDs(events ...storage.AuditEvent) []string {
	sorted := slices.Clone(events)
	slices.SortFunc(sorted, func(a, b storage.AuditEvent) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	ids := make([]string, len(sorted))
	for i, e := range sorted {
		ids[i] = e.ID
	}
	return ids
}

func auditID(e storage.AuditEvent) string { return e.ID }

func testAuditRoundTrip(t *testing.T, s storage.AuditLog, c *Clock) {
	e := sampleAudit(c, randomID())
	assertFilled(t, e)
	mustOK(t, s.AppendAudit(t.Context(), []storage.AuditEvent{e}), "AppendAudit")
	got, err := s.ListAudit(t.Context(), storage.AuditFilter{TenantID: e.TenantID})
	mustOK(t, err, "ListAudit")
	assertEqual(t, "ListAudit", got, []storage.AuditEvent{e})
}

func testAuditTenantActor(t *testing.T, s storage.AuditLog, c *Clock) {
	ctx := t.Context()
	ta, tb := randomID(), randomID()
	a1, a2, b1 := sampleAudit(c, ta), sampleAudit(c, ta), sampleAudit(c, tb)
	platform := sampleAudit(c, "") // e.g. key rotation
	a2.ActorID = b1.ActorID
	c.Advance(time.Second)
	a3 := sampleAudit(c, ta)
	a3.ActorID = a1.ActorID
	mustOK(t, s.AppendAudit(ctx, []storage.AuditEvent{a1, a2, b1, platform, a3}), "AppendAudit")
	for _, tc := range []struct {
		name   string
		filter storage.AuditFilter
		want   []string
	}{
		{"Tenant", storage.AuditFilter{TenantID: ta}, auditIDs(a1, a2, a3)},
		{"OtherTenant", storage.AuditFilter{TenantID: tb}, auditIDs(b1)},
		{"Actor", storage.AuditFilter{ActorID: a1.ActorID}, auditIDs(a1, a3)},
		{"ActorAcrossTenants", storage.AuditFilter{ActorID: b1.ActorID}, auditIDs(a2, b1)},
		{"TenantAndActor", storage.AuditFilter{TenantID: tb, ActorID: b1.ActorID}, auditIDs(b1)},
		{"TenantAndUser", storage.AuditFilter{TenantID: ta, UserID: a2.UserID}, auditIDs(a2)},
		{"TenantAndUserOfOtherTenant", storage.AuditFilter{TenantID: ta, UserID: b1.UserID}, nil},
		{"All", storage.AuditFilter{}, auditIDs(a1, a2, b1, platform, a3)},
		{"Limit", storage.AuditFilter{TenantID: ta, Limit: 2}, auditIDs(a1, a2, a3)[:2]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListAudit(ctx, tc.filter)
			mustOK(t, err, "ListAudit")
			assertIDs(t, "ListAudit", got, tc.want, auditID)
		})
	}
}

// Following (AfterTime, AfterID) from the last event of each batch walks
// every event exactly once in (Time, ID) order, also through events that
// share a time.
func testAuditCursor(t *testing.T, s storage.AuditLog, c *Clock) {
	ctx := t.Context()
	tenant := randomID()
	var events []storage.AuditEvent
	for range 3 {
		for range 3 { // three events per second: ties broken by ID
			events = append(events, sampleAudit(c, tenant))
		}
		c.Advance(time.Second)
	}
	mustOK(t, s.AppendAudit(ctx, append(events, sampleAudit(c, randomID()))), "AppendAudit")
	want := auditIDs(events...)
	for _, limit := range []int{1, 2, 4, 9} {
		t.Run(fmt.Sprintf("Limit%d", limit), func(t *testing.T) {
			var got []storage.AuditEvent
			f := storage.AuditFilter{TenantID: tenant, Limit: limit}
			for n := 0; ; n++ {
				if n > len(events)+1 {
					t.Fatal("the cursor never reaches the end")
				}
				batch, err := s.ListAudit(ctx, f)
				mustOK(t, err, "ListAudit")
				got = append(got, batch...)
				if len(batch) < limit {
					break
				}
				last := batch[len(batch)-1]
				f.AfterTime, f.AfterID = last.Time, last.ID
			}
			assertIDs(t, "events walked", got, want, auditID)
		})
	}
	t.Run("WithSince", func(t *testing.T) {
		mid := events[4]
		got, err := s.ListAudit(ctx, storage.AuditFilter{TenantID: tenant, Since: events[0].Time, AfterTime: mid.Time, AfterID: mid.ID})
		mustOK(t, err, "ListAudit")
		i := slices.Index(want, mid.ID)
		assertIDs(t, "events after the cursor", got, want[i+1:], auditID)
	})
}

package storagetest

import (
	"maps"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

// consoleStore is what the console's counts read and need to be set up.
type consoleStore interface {
	storage.ConsoleCounts
	storage.AuditLog
	storage.Sessions
	tenantStore
}

func consoleCountTests() []testCase[consoleStore] {
	return []testCase[consoleStore]{
		{"CountAuditOutcomes", testCountAuditOutcomes},
		{"CountActiveSessions", testCountActiveSessions},
	}
}

func testCountAuditOutcomes(t *testing.T, s consoleStore, c *Clock) {
	ctx := t.Context()
	ta, tb := randomID(), randomID()
	ev := func(tenant, event, outcome string) storage.AuditEvent {
		e := sampleAudit(c, tenant)
		e.Event, e.Outcome = event, outcome
		return e
	}
	old := ev(ta, "login", "success") // before since: not counted
	c.Advance(time.Hour)
	since := c.Now()
	mustOK(t, s.AppendAudit(ctx, []storage.AuditEvent{
		old,
		ev(ta, "login", "success"), ev(ta, "login", "success"), ev(ta, "login", "failure"),
		ev(tb, "login", "failure"),
		ev(ta, "logout", "success"),
	}), "AppendAudit")
	for _, tc := range []struct {
		name, tenant, event string
		want                map[string]int
	}{
		{"Tenant", ta, "login", map[string]int{"success": 2, "failure": 1}},
		{"OtherTenant", tb, "login", map[string]int{"failure": 1}},
		{"EveryTenant", "", "login", map[string]int{"success": 2, "failure": 2}},
		{"OtherEvent", ta, "logout", map[string]int{"success": 1}},
		{"None", ta, "lockout", map[string]int{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.CountAuditOutcomes(ctx, tc.tenant, tc.event, since)
			mustOK(t, err, "CountAuditOutcomes")
			if !maps.Equal(got, tc.want) {
				t.Errorf("CountAuditOutcomes(%q, %q) = %v, want %v", tc.tenant, tc.event, got, tc.want)
			}
		})
	}
}

func testCountActiveSessions(t *testing.T, s consoleStore, c *Clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, c), newTenant(t, s, c)
	ua, ub := tenantUser(c, a.ID), tenantUser(c, b.ID)
	mustOK(t, s.CreateUser(ctx, ua), "CreateUser a")
	mustOK(t, s.CreateUser(ctx, ub), "CreateUser b")
	session := func(userID string, lifetime time.Duration) {
		sess := sampleSession(c)
		sess.UserID, sess.ExpiresAt = userID, c.Now().Add(lifetime)
		mustOK(t, s.CreateSession(ctx, sess), "CreateSession")
	}
	session(ua.ID, time.Hour)
	session(ua.ID, 2*time.Hour)
	session(ua.ID, time.Minute) // expires before the count
	session(ub.ID, time.Hour)
	c.Advance(10 * time.Minute)
	count := func(tenant string) int {
		n, err := s.CountActiveSessions(ctx, tenant, c.Now())
		mustOK(t, err, "CountActiveSessions")
		return n
	}
	if got := count(a.ID); got != 2 {
		t.Errorf("tenant a: %d active sessions, want 2", got)
	}
	if got := count(b.ID); got != 1 {
		t.Errorf("tenant b: %d active sessions, want 1", got)
	}
	// Other tests' sessions may share a Postgres database: every tenant
	// counts at least these three.
	if got := count(""); got < 3 {
		t.Errorf("every tenant: %d active sessions, want at least 3", got)
	}
}

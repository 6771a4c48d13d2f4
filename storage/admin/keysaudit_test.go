package admin_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
)

// TestRecordOf pins the wire form of an audit event that the admin API's
// listing and the console's export share: snake_case keys, UTC time, empty
// fields left out.
func TestRecordOf(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 30, 0, 0, time.FixedZone("CET", 3600))
	for _, tc := range []struct {
		name string
		in   storage.AuditEvent
		want string
	}{
		{"minimal", storage.AuditEvent{ID: "a1", Time: at, Event: "admin.keys.rotated"},
			`{"id":"a1","time":"2026-03-01T11:30:00Z","event":"admin.keys.rotated"}`},
		{"every field", storage.AuditEvent{ID: "a2", Time: at, TenantID: "t1", Event: "login", Outcome: "failure", Reason: "bad_password",
			ActorID: "u1", UserID: "u2", ClientID: "c1", IP: "192.0.2.1", UserAgent: "UA", RequestID: "r1", Details: map[string]string{"k": "v"}},
			`{"id":"a2","time":"2026-03-01T11:30:00Z","tenant_id":"t1","event":"login","outcome":"failure","reason":"bad_password",` +
				`"actor_id":"u1","user_id":"u2","client_id":"c1","ip":"192.0.2.1","user_agent":"UA","request_id":"r1","details":{"k":"v"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(admin.RecordOf(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

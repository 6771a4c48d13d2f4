package storage

import (
	"context"
	"time"
)

// ConsoleCounts are the aggregate reads of the operator console's
// dashboard (durable). Each is one indexed query, never a scan of a table
// that grows with use.
type ConsoleCounts interface {
	// CountAuditOutcomes counts the events named event at or after since,
	// per outcome ("success", "failure", "info"...). An empty tenantID
	// counts every tenant.
	CountAuditOutcomes(ctx context.Context, tenantID, event string, since time.Time) (map[string]int, error)
	// CountActiveSessions counts the sessions unexpired at now; an empty
	// tenantID counts every tenant's.
	CountActiveSessions(ctx context.Context, tenantID string, now time.Time) (int, error)
}

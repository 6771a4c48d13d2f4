package storage

import (
	"context"
	"time"
)

// AuditEvent is one security event of the append-only audit log.
type AuditEvent struct {
	ID   string // random, assigned by the writer
	Time time.Time
	// TenantID is the tenant the event concerns (empty: the platform, e.g.
	// key rotation).
	TenantID string
	Event    string // e.g. "login", "lockout", "totp.enabled", "refresh.reuse"
	// Outcome is "success" or "failure" (or "info" for notices).
	Outcome   string
	Reason    string
	ActorID   string // who acted (a user, "cli", "system")
	UserID    string // whose account it concerns
	ClientID  string
	IP        string
	UserAgent string
	RequestID string
	Details   map[string]string
}

// AuditFilter selects audit events; zero fields match everything (an
// empty TenantID matches every tenant: tenant-scoped callers must set it).
type AuditFilter struct {
	TenantID string
	UserID   string
	ActorID  string
	Event    string
	Since    time.Time // inclusive
	Until    time.Time // exclusive
	// AfterTime and AfterID continue a listing: only events after
	// (AfterTime, AfterID) in (Time, ID) order are returned.
	AfterTime time.Time
	AfterID   string
	Limit     int // 0: no limit
}

// AuditLog is the append-only audit log (durable). There is no update.
type AuditLog interface {
	// AppendAudit stores a batch (all or nothing).
	AppendAudit(ctx context.Context, events []AuditEvent) error
	// ListAudit returns matching events ordered by (Time, ID), oldest first.
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEvent, error)
	// PruneAudit deletes events older than before (retention) and returns
	// how many.
	PruneAudit(ctx context.Context, before time.Time) (int64, error)
}

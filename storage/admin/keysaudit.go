package admin

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/admit-idp/admit/storage"
)

// Key is a signing key as administrators see it (never the private key).
type Key struct {
	ID, Algorithm, State              string
	CreatedAt, ActivatedAt, RetiredAt time.Time
}

// ListKeys lists the signing keys, oldest first (platform administrators).
func (s *Service) ListKeys(ctx context.Context, p Principal) ([]Key, error) {
	if err := platform(p); err != nil {
		return nil, err
	}
	stored, err := s.Store.ListSigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Key, 0, len(stored))
	for _, k := range stored {
		out = append(out, Key{ID: k.ID, Algorithm: k.Algorithm, State: k.State, CreatedAt: k.CreatedAt, ActivatedAt: k.ActivatedAt, RetiredAt: k.RetiredAt})
	}
	return out, nil
}

// RotateKeys promotes the next signing key and makes a new next key
// (platform administrators), as `admit keys rotate` does.
func (s *Service) RotateKeys(ctx context.Context, p Principal) ([]Key, error) {
	if err := platform(p); err != nil {
		return nil, err
	}
	if s.Keys == nil {
		return nil, errors.New("admin: no key manager")
	}
	if err := s.Keys.Rotate(ctx); err != nil {
		return nil, err
	}
	s.record(ctx, p, "", "admin.keys.rotated", storage.AuditEvent{})
	return s.ListKeys(ctx, p)
}

// AuditQuery selects audit events of a tenant.
type AuditQuery struct {
	UserID, ActorID, Event string
	Since, Until           time.Time
}

// ListAudit lists the tenant's audit events, oldest first, a page at a
// time (the cursor is the last event's time and ID).
func (s *Service) ListAudit(ctx context.Context, p Principal, tenantID string, q AuditQuery, pg Page) (List[storage.AuditEvent], error) {
	if err := s.allow(ctx, p, tenantID, ActReadAudit); err != nil {
		return List[storage.AuditEvent]{}, err
	}
	var errs problems
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Since.Before(q.Until) {
		errs.add("until", "until: must be after since")
	}
	if pg.Limit < 0 || pg.Limit > MaxLimit {
		errs.add("limit", "limit: between 1 and %d", MaxLimit)
	}
	f := storage.AuditFilter{TenantID: tenantID, UserID: q.UserID, ActorID: q.ActorID, Event: q.Event, Since: q.Since, Until: q.Until}
	if pos, err := decodeCursor(pg.Cursor); err != nil {
		errs = append(errs, err.(*ValidationError).Errors...)
	} else if pos != "" {
		ts, id, ok := strings.Cut(pos, "|")
		t, terr := time.Parse(time.RFC3339Nano, ts)
		if !ok || terr != nil || id == "" {
			errs.add("cursor", "cursor: not a cursor returned by this API")
		}
		f.AfterTime, f.AfterID = t, id
	}
	if err := errs.err(); err != nil {
		return List[storage.AuditEvent]{}, err
	}
	limit := pg.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	f.Limit = limit + 1
	events, err := s.Store.ListAudit(ctx, f)
	if err != nil {
		return List[storage.AuditEvent]{}, err
	}
	out := List[storage.AuditEvent]{Items: events}
	if len(events) > limit {
		last := events[limit-1]
		out.Items = events[:limit]
		out.Next = encodeCursor(last.Time.UTC().Format(time.RFC3339Nano) + "|" + last.ID)
	}
	if out.Items == nil {
		out.Items = []storage.AuditEvent{}
	}
	return out, nil
}

// AuditRecord is an audit event as administrators read it over the wire:
// one JSON object with snake_case keys and empty fields left out. The
// admin API's audit listing and the console's JSON Lines export both write
// it, so a line of the export is an item of the listing.
type AuditRecord struct {
	ID        string            `json:"id"`
	Time      time.Time         `json:"time"`
	TenantID  string            `json:"tenant_id,omitempty"`
	Event     string            `json:"event"`
	Outcome   string            `json:"outcome,omitempty"`
	Reason    string            `json:"reason,omitempty"`
	ActorID   string            `json:"actor_id,omitempty"`
	UserID    string            `json:"user_id,omitempty"`
	ClientID  string            `json:"client_id,omitempty"`
	IP        string            `json:"ip,omitempty"`
	UserAgent string            `json:"user_agent,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
	Details   map[string]string `json:"details,omitempty"`
}

// RecordOf is e as an AuditRecord, its time in UTC.
func RecordOf(e storage.AuditEvent) AuditRecord {
	return AuditRecord{ID: e.ID, Time: e.Time.UTC(), TenantID: e.TenantID, Event: e.Event, Outcome: e.Outcome, Reason: e.Reason,
		ActorID: e.ActorID, UserID: e.UserID, ClientID: e.ClientID, IP: e.IP, UserAgent: e.UserAgent, RequestID: e.RequestID, Details: e.Details}
}

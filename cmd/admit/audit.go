package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/audit"
)

// auditCmd prints the audit log as JSON lines (one event per line, oldest
// first), filtered by user, event and time; --prune applies the retention
// setting (defences.audit_retention) instead.
//
//	admit audit --user <id> --event login --since 24h --until 2026-01-02T00:00:00Z --limit 100
//	admit audit --prune
func (e *cliEnv) auditCmd(ctx context.Context, args []string) error {
	fs := e.flags("audit")
	user := fs.String("user", "", "only events about this user ID")
	event := fs.String("event", "", "only this event (login, lockout, mfa.totp_enabled, ...)")
	since := fs.String("since", "", "from this time (RFC 3339) or this long ago (e.g. 24h)")
	until := fs.String("until", "", "before this time (RFC 3339) or this long ago")
	limit := fs.Int("limit", 0, "at most this many events (0: all)")
	prune := fs.Bool("prune", false, "delete events older than defences.audit_retention and exit")
	tenant := fs.String("tenant", "", "only events of this tenant (slug or ID; default: every tenant)")
	return e.withApp(ctx, fs, args, func(a *app.App) error {
		if *prune {
			n, err := audit.Prune(ctx, a.Stores.Durable, a.Now(), a.Config.Defences.AuditRetentionOrDefault())
			return e.done(err, fmt.Sprintf("pruned %d events", n))
		}
		f := storage.AuditFilter{UserID: *user, Event: *event, Limit: *limit}
		if *tenant != "" {
			t, err := a.Admin.ResolveTenant(ctx, *tenant)
			if err != nil {
				return err
			}
			f.TenantID = t.ID
		}
		var err error
		if f.Since, err = parseWhen(*since, a.Now()); err != nil {
			return fmt.Errorf("--since: %w", err)
		}
		if f.Until, err = parseWhen(*until, a.Now()); err != nil {
			return fmt.Errorf("--until: %w", err)
		}
		return e.exportAudit(ctx, a.Stores.Durable, f)
	})
}

func (e *cliEnv) exportAudit(ctx context.Context, log storage.AuditLog, f storage.AuditFilter) error {
	events, err := log.ListAudit(ctx, f)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	for _, ev := range events {
		if err := enc.Encode(auditLine(ev)); err != nil {
			return err
		}
	}
	return nil
}

// auditLine is the exported shape: snake_case keys, empty fields omitted.
func auditLine(e storage.AuditEvent) any {
	return struct {
		ID        string            `json:"id"`
		Time      time.Time         `json:"time"`
		TenantID  string            `json:"tenant_id,omitempty"`
		Event     string            `json:"event"`
		Outcome   string            `json:"outcome,omitempty"`
		Reason    string            `json:"reason,omitempty"`
		Actor     string            `json:"actor,omitempty"`
		UserID    string            `json:"user_id,omitempty"`
		ClientID  string            `json:"client_id,omitempty"`
		IP        string            `json:"ip,omitempty"`
		UserAgent string            `json:"user_agent,omitempty"`
		RequestID string            `json:"request_id,omitempty"`
		Details   map[string]string `json:"details,omitempty"`
	}{e.ID, e.Time, e.TenantID, e.Event, e.Outcome, e.Reason, e.ActorID, e.UserID, e.ClientID, e.IP, e.UserAgent, e.RequestID, e.Details}
}

// parseWhen reads an RFC 3339 time or a duration before now; "" is zero.
func parseWhen(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	return time.Parse(time.RFC3339, s)
}

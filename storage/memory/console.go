package memory

import (
	"context"
	"time"
)

// CountAuditOutcomes implements storage.ConsoleCounts.
func (s *Store) CountAuditOutcomes(_ context.Context, tenantID, event string, since time.Time) (map[string]int, error) {
	d := s.def()
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string]int{}
	for _, e := range d.audit {
		if e.Event == event && !e.Time.Before(since) && (tenantID == "" || e.TenantID == tenantID) {
			out[e.Outcome]++
		}
	}
	return out, nil
}

// CountActiveSessions implements storage.ConsoleCounts.
func (s *Store) CountActiveSessions(_ context.Context, tenantID string, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, sess := range s.sessions {
		if !now.Before(sess.ExpiresAt) {
			continue
		}
		if tenantID != "" {
			if _, ok := s.tenantUserLocked(tenantID, sess.UserID); !ok {
				continue
			}
		}
		n++
	}
	return n, nil
}

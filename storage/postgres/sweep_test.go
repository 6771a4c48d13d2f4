package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/postgres/pgtest"
)

func TestSweepExpiredDeletesOnlyExpiredRows(t *testing.T) {
	ctx := context.Background()
	pool, err := Connect(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	now := time.Now().UTC().Truncate(time.Microsecond)
	s := New(pool, func() time.Time { return now })
	mk := func(id string, exp time.Time) {
		rt := storage.RefreshToken{ID: id, Hash: "h-" + id, FamilyID: "f-" + id, ClientID: "c", UserID: "u", AuthTime: now, CreatedAt: now.Add(-time.Hour), ExpiresAt: exp}
		if err := s.CreateRefreshToken(ctx, rt); err != nil {
			t.Fatal(err)
		}
		ss := storage.Session{ID: id, TokenHash: "t-" + id, UserID: "u", AuthTime: now, CreatedAt: now.Add(-time.Hour), LastSeenAt: now, ExpiresAt: exp}
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
	}
	mk("old", now.Add(-time.Minute))
	mk("live", now.Add(time.Hour))
	n, err := s.SweepExpired(ctx, now)
	if err != nil || n != 2 {
		t.Fatalf("SweepExpired = %d, %v; want 2 rows (one session, one refresh token)", n, err)
	}
	if _, err := s.GetRefreshToken(ctx, "h-old"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("expired refresh token still stored: %v", err)
	}
	if _, err := s.GetRefreshToken(ctx, "h-live"); err != nil {
		t.Fatalf("live refresh token swept: %v", err)
	}
	if _, err := s.GetSessionByTokenHash(ctx, "t-live"); err != nil {
		t.Fatalf("live session swept: %v", err)
	}
}

// Deny-list entries and sign-in locks past their end are swept; live ones
// stay (they are the record a Redis restart is rebuilt from).
func TestSweepExpiredDeletesEndedRevocationsAndLocks(t *testing.T) {
	ctx := context.Background()
	pool, err := Connect(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	now := time.Now().UTC().Truncate(time.Microsecond)
	s := New(pool, func() time.Time { return now })
	for key, until := range map[string]time.Time{"old": now.Add(-time.Minute), "live": now.Add(time.Hour)} {
		if err := s.RecordRevocation(ctx, "grant:"+key, until); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordLock(ctx, "acct:"+key, until); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.SweepExpired(ctx, now)
	if err != nil || n != 2 {
		t.Fatalf("SweepExpired = %d, %v; want 2 rows (one revocation, one lock)", n, err)
	}
	// Listing from long ago shows every row still stored, ended or not.
	longAgo := now.Add(-24 * time.Hour)
	revs, err := s.ListRevocations(ctx, longAgo)
	if err != nil || len(revs) != 1 || revs[0].Key != "grant:live" {
		t.Fatalf("revocations after sweep = %v, %v; want only grant:live", revs, err)
	}
	locks, err := s.ListLocks(ctx, longAgo)
	if err != nil || len(locks) != 1 || locks[0].Key != "acct:live" {
		t.Fatalf("locks after sweep = %v, %v; want only acct:live", locks, err)
	}
}

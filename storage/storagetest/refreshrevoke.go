package storagetest

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

// revokeRaceTrials is how many times RevokeRacesRotation races a revocation
// against a chain of rotations: the window is narrow, so one trial rarely
// hits it.
const revokeRaceTrials = 60

// A revocation of a family (by family, by user, by session) racing the
// client's rotations must leave no usable token in the family: a successor
// inserted while the revocation runs is revoked too (RFC 9700 section
// 4.14.2: the whole family is invalidated).
func testRefreshRevokeRacesRotation(t *testing.T, s storage.RefreshTokens, c *Clock) {
	revokes := []struct {
		name   string
		revoke func(first storage.RefreshToken) error
	}{
		{"RevokeRefreshFamily", func(f storage.RefreshToken) error {
			return s.RevokeRefreshFamily(t.Context(), f.FamilyID, c.Now())
		}},
		{"RevokeRefreshTokens", func(f storage.RefreshToken) error {
			_, err := s.RevokeRefreshTokens(t.Context(), f.UserID, "", c.Now())
			return err
		}},
		{"RevokeSessionRefreshTokens", func(f storage.RefreshToken) error {
			_, err := s.RevokeSessionRefreshTokens(t.Context(), f.UserID, f.SessionID, c.Now())
			return err
		}},
	}
	for trial := range revokeRaceTrials {
		r := revokes[trial%len(revokes)]
		first := sampleRefresh(c)
		mustOK(t, s.CreateRefreshToken(t.Context(), first), "CreateRefreshToken")
		var (
			mu      sync.Mutex
			chain   = []storage.RefreshToken{first}
			revoked atomic.Bool
			wg      sync.WaitGroup
		)
		wg.Go(func() {
			cur := first
			for !revoked.Load() {
				next := successor(cur, c)
				if err := s.RotateRefreshToken(t.Context(), cur.Hash, next); err != nil {
					if !errors.Is(err, storage.ErrAlreadyUsed) {
						t.Errorf("rotate: %v", err)
					}
					return
				}
				mu.Lock()
				chain = append(chain, next)
				mu.Unlock()
				cur = next
			}
		})
		wg.Go(func() {
			defer revoked.Store(true)
			time.Sleep(time.Duration(trial%5) * 100 * time.Microsecond)
			if err := r.revoke(first); err != nil {
				t.Errorf("%s: %v", r.name, err)
			}
		})
		wg.Wait()
		for i, tok := range chain {
			if got := getRefresh(t, s, tok.Hash); got.RevokedAt.IsZero() {
				t.Fatalf("trial %d (%s): link %d of %d is not revoked after the family was revoked", trial, r.name, i, len(chain))
			}
		}
	}
}

package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/postgres"
)

// BenchmarkSessionWrite measures what an event costs the change it
// accompanies: creating a session alone, and with its session.started
// event in the same transaction.
func BenchmarkSessionWrite(b *testing.B) {
	pool := newPool(b)
	s := postgres.New(pool, nil)
	ctx := context.Background()
	u := storage.User{ID: "bench-user", Email: "bench@example.com", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := s.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	for _, announced := range []bool{false, true} {
		b.Run(fmt.Sprintf("announced=%v", announced), func(b *testing.B) {
			i := 0
			for b.Loop() {
				i++
				now := time.Now()
				id := fmt.Sprintf("%v-%d-%d", announced, i, now.UnixNano())
				sess := storage.Session{ID: id, TokenHash: "h" + id, UserID: u.ID, AuthTime: now, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
				c := ctx
				if announced {
					c = storage.WithEvents(ctx, storage.NewEvent(storage.EventSessionStarted, storage.DefaultTenantID, u.ID, map[string]string{"session_id": id}, now))
				}
				if err := s.CreateSession(c, sess); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

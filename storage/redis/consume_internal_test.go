package redis

import (
	"errors"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/redis/redistest"
)

// go-redis re-sends a command whose reply was lost (timeout, dropped
// connection). A re-sent consume must still win, or the legitimate client
// would be treated as a replay and its grant revoked.
func TestConsumeRetriedCallStillWins(t *testing.T) {
	client, prefix := redistest.NewClient(t)
	now := time.Now().UTC().Truncate(time.Second)
	s := New(client, prefix, func() time.Time { return now })
	code := storage.AuthCode{
		Hash:      "retried",
		Request:   storage.AuthRequest{ID: "r1", ExpiresAt: now.Add(time.Minute)},
		ExpiresAt: now.Add(time.Minute),
		KeepUntil: now.Add(5 * time.Minute),
	}
	if err := s.SaveAuthCode(t.Context(), code); err != nil {
		t.Fatalf("save: %v", err)
	}
	for attempt := range 2 {
		if r, err := s.consumeAuthCode(t.Context(), code.Hash, "call-1"); err != nil || r.ID != "r1" {
			t.Fatalf("attempt %d of the same call: got %q, %v; want r1, nil", attempt+1, r.ID, err)
		}
	}
	r, err := s.consumeAuthCode(t.Context(), code.Hash, "call-2")
	if !errors.Is(err, storage.ErrAlreadyUsed) || r.ID != "r1" {
		t.Fatalf("another call: got %q, %v; want r1 with ErrAlreadyUsed", r.ID, err)
	}
}

package redis_test

import (
	"testing"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/redis"
	"github.com/admit-idp/admit/storage/redis/redistest"
	"github.com/admit-idp/admit/storage/storagetest"
)

// TestConformance runs the shared storage.Ephemeral suite, each case on a
// fresh key prefix so cases never see one another's records.
func TestConformance(t *testing.T) {
	storagetest.RunEphemeral(t, func(t *testing.T, clock *storagetest.Clock) storage.Ephemeral {
		client, prefix := redistest.NewClient(t)
		return redis.New(client, prefix, clock.Now)
	})
}

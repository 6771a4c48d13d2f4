package memory_test

import (
	"testing"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/memory"
	"github.com/admit-idp/admit/storage/storagetest"
)

func TestDurable(t *testing.T) {
	storagetest.RunDurable(t, func(_ *testing.T, c *storagetest.Clock) storage.Durable {
		return memory.New(c.Now)
	})
}

func TestEphemeral(t *testing.T) {
	storagetest.RunEphemeral(t, func(_ *testing.T, c *storagetest.Clock) storage.Ephemeral {
		return memory.New(c.Now)
	})
}

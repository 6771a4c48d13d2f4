package storagetest

import (
	"context"
	"testing"
)

// pinger is the method Durable and Ephemeral share.
type pinger interface {
	Ping(ctx context.Context) error
}

func pingTests() []testCase[pinger] {
	return []testCase[pinger]{{"Reachable", testPing}}
}

func testPing(t *testing.T, s pinger, _ *Clock) {
	mustOK(t, s.Ping(t.Context()), "Ping")
}

package app

import (
	"fmt"
	"time"
)

// FootprintConfig is how `admit serve` returns memory it no longer needs
// (footprint.go).
type FootprintConfig struct {
	// IdleTrimAfter is how long the server waits without a request
	// (/healthz, /readyz and /metrics aside) before it returns idle memory
	// to the system (cmd/admit/app/idletrim); 0 never does.
	IdleTrimAfter time.Duration `yaml:"idle_trim_after"`
	envErr        error
}

// DefaultIdleTrimAfter is long enough that a node between two bursts of
// traffic keeps its code resident, and longer than the hash processes'
// idle life (login/password.ProcessIdle), whose pages it would otherwise
// share and the kernel then keeps.
const DefaultIdleTrimAfter = 30 * time.Second

const (
	minIdleTrimAfter = 5 * time.Second
	maxIdleTrimAfter = 24 * time.Hour
)

func applyFootprintEnv(c *FootprintConfig, getenv func(string) string) {
	c.envErr = envDuration(getenv, "ADMIT_IDLE_TRIM_AFTER", "30s", &c.IdleTrimAfter)
}

func (c FootprintConfig) validate() error {
	if c.envErr != nil {
		return c.envErr
	}
	if c.IdleTrimAfter != 0 && (c.IdleTrimAfter < minIdleTrimAfter || c.IdleTrimAfter > maxIdleTrimAfter) {
		return fmt.Errorf("idle_trim_after %s: want 0 (never) or %s to %s", c.IdleTrimAfter, minIdleTrimAfter, maxIdleTrimAfter)
	}
	return nil
}

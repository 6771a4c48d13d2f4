package app

import (
	"errors"
	"fmt"
	"time"
)

// ResilienceConfig is how Admit behaves when a backend is slow or a client
// retries.
type ResilienceConfig struct {
	// BackendTimeout bounds every Postgres and Redis call: a frozen backend
	// ends the request with 503 temporarily_unavailable and Retry-After
	// instead of holding it.
	BackendTimeout time.Duration `yaml:"backend_timeout"`
	// RefreshReuseInterval is how long after a refresh token was rotated
	// its client may present it again and get a fresh answer (a retry after
	// a lost response) without the family being revoked as replay. 0
	// disables it: any reuse revokes.
	RefreshReuseInterval time.Duration `yaml:"refresh_reuse_interval"`
	// envErr keeps a malformed environment value for Validate.
	envErr error
}

// Bounds of the settings: a deadline shorter than a healthy round trip
// under load would fail good requests; one longer than a client's own
// timeout (typically 10-30 s) would make the 503 arrive too late to matter.
// A reuse interval is a grace for retries, not a second lifetime.
const (
	defaultBackendTimeout       = 3 * time.Second
	minBackendTimeout           = 100 * time.Millisecond
	maxBackendTimeout           = 30 * time.Second
	defaultRefreshReuseInterval = 30 * time.Second
	maxRefreshReuseInterval     = 5 * time.Minute
)

func defaultResilience() ResilienceConfig {
	return ResilienceConfig{BackendTimeout: defaultBackendTimeout, RefreshReuseInterval: defaultRefreshReuseInterval}
}

func applyResilienceEnv(c *ResilienceConfig, getenv func(string) string) {
	c.envErr = errors.Join(envDuration(getenv, "ADMIT_BACKEND_TIMEOUT", "3s", &c.BackendTimeout),
		envDuration(getenv, "ADMIT_REFRESH_REUSE_INTERVAL", "3s", &c.RefreshReuseInterval))
}

func (c ResilienceConfig) validate() error {
	errs := []error{c.envErr}
	if c.BackendTimeout < minBackendTimeout || c.BackendTimeout > maxBackendTimeout {
		errs = append(errs, fmt.Errorf("backend_timeout %s: want %s to %s", c.BackendTimeout, minBackendTimeout, maxBackendTimeout))
	}
	if c.RefreshReuseInterval < 0 || c.RefreshReuseInterval > maxRefreshReuseInterval {
		errs = append(errs, fmt.Errorf("refresh_reuse_interval %s: want 0 (off) to %s", c.RefreshReuseInterval, maxRefreshReuseInterval))
	}
	return errors.Join(errs...)
}

package app

import (
	"errors"
	"fmt"
	"time"
)

// DeviceConfig tunes the device authorization grant (RFC 8628), which a
// client uses only when it registered the grant type.
type DeviceConfig struct {
	// CodeLifetime is how long a device code and its user code live
	// (default 10m).
	CodeLifetime time.Duration `yaml:"code_lifetime"`
	// PollInterval is the minimum time between two polls of the token
	// endpoint (default 5s); a faster poll gets slow_down.
	PollInterval time.Duration `yaml:"poll_interval"`
}

func (c DeviceConfig) validate() error {
	var errs []error
	if c.CodeLifetime != 0 && (c.CodeLifetime < time.Minute || c.CodeLifetime > time.Hour) {
		errs = append(errs, fmt.Errorf("device.code_lifetime %s: between 1m and 1h", c.CodeLifetime))
	}
	// op announces the interval in whole seconds (RFC 8628 3.2).
	if c.PollInterval != 0 && (c.PollInterval < time.Second || c.PollInterval%time.Second != 0 || c.PollInterval > time.Minute) {
		errs = append(errs, fmt.Errorf("device.poll_interval %s: whole seconds between 1s and 1m", c.PollInterval))
	}
	return errors.Join(errs...)
}

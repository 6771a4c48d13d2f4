package app

import (
	"errors"
	"fmt"
	"time"

	"github.com/admit-idp/admit/login/password"
)

// HashConfig is the password-hash budget (login/password.Budget): how many
// argon2id computations run at once, which also bounds their memory
// (concurrency × 19 MiB with the OWASP parameters), and how long one waits
// in line for a slot before the sign-in is shed with 503 and Retry-After.
type HashConfig struct {
	// Concurrency is the number of hashes run at once; 0 means
	// password.DefaultConcurrency (GOMAXPROCS-1, at least 1).
	Concurrency int `yaml:"hash_concurrency"`
	// QueueWait is the longest a hash waits for a slot.
	QueueWait time.Duration `yaml:"hash_queue_wait"`
	// Processes runs the hashes of `admit serve` in child processes of its
	// own binary (login/password.ProcessPool); on by default.
	Processes bool `yaml:"hash_processes"`
	// Nice is the niceness of those processes (0–19; 0 runs them at the
	// server's priority).
	Nice int `yaml:"hash_nice"`
	// SchedIdle starts those processes under the SCHED_IDLE policy as
	// well (Linux; login/password.ProcessPool.WithSchedIdle): a request's
	// thread preempts a hash at once. Off by default: the hashes then get
	// only CPU time no other process on the machine wants.
	SchedIdle bool `yaml:"hash_sched_idle"`
	envErr    error
}

// DefaultHashNice is the niceness of the hash processes: the kernel weighs
// a process at niceness 10 at about a tenth of one at 0 (sched(7)), so a
// login surge's hashes get the CPU the token, refresh, JWKS and userinfo
// requests leave, while an otherwise idle core still runs them at full
// speed.
const DefaultHashNice = 10

const (
	maxHashConcurrency = 256
	minHashQueueWait   = 100 * time.Millisecond
	maxHashQueueWait   = time.Minute
)

func defaultHash() HashConfig {
	return HashConfig{QueueWait: password.DefaultQueueWait, Processes: true, Nice: DefaultHashNice}
}

// Slots is the effective concurrency.
func (c HashConfig) Slots() int {
	if c.Concurrency == 0 {
		return password.DefaultConcurrency()
	}
	return c.Concurrency
}

func applyHashEnv(c *HashConfig, getenv func(string) string) {
	errs := []error{
		envWhole(getenv, "ADMIT_HASH_CONCURRENCY", &c.Concurrency), envWhole(getenv, "ADMIT_HASH_NICE", &c.Nice),
		envDuration(getenv, "ADMIT_HASH_QUEUE_WAIT", "5s", &c.QueueWait),
	}
	var processes, schedIdle *bool
	errs = append(errs, envBool(getenv, "ADMIT_HASH_PROCESSES", &processes), envBool(getenv, "ADMIT_HASH_SCHED_IDLE", &schedIdle))
	if processes != nil {
		c.Processes = *processes
	}
	if schedIdle != nil {
		c.SchedIdle = *schedIdle
	}
	c.envErr = errors.Join(errs...)
}

func (c HashConfig) validate() error {
	errs := []error{c.envErr}
	if c.Concurrency < 0 || c.Concurrency > maxHashConcurrency {
		errs = append(errs, fmt.Errorf("hash_concurrency %d: want 0 (GOMAXPROCS-1) to %d", c.Concurrency, maxHashConcurrency))
	}
	if c.QueueWait < minHashQueueWait || c.QueueWait > maxHashQueueWait {
		errs = append(errs, fmt.Errorf("hash_queue_wait %s: want %s to %s", c.QueueWait, minHashQueueWait, maxHashQueueWait))
	}
	if c.Nice < 0 || c.Nice > 19 {
		errs = append(errs, fmt.Errorf("hash_nice %d: want 0 (the process's priority) to 19", c.Nice))
	}
	return errors.Join(errs...)
}

package app

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/admit-idp/admit/op/events"
)

// EventsConfig configures the delivery of signed events (issue 19,
// docs/events.md): the NATS JetStream sink, the retry schedule and which
// targets webhooks and back-channel logouts may reach.
type EventsConfig struct {
	// NATSURL selects the NATS JetStream sink (empty: none).
	NATSURL string `yaml:"nats_url"`
	// NATSStream is the stream, created if absent (default ADMIT_EVENTS).
	NATSStream string `yaml:"nats_stream"`
	// NATSSubject is the subject prefix: events go to <prefix>.<type>
	// (default admit.events).
	NATSSubject string `yaml:"nats_subject"`
	// NATSSecret ("whsec_…") signs NATS messages with the Standard Webhooks
	// headers; required with NATSURL.
	NATSSecret string `yaml:"nats_secret"`
	// AllowPrivateTargets lets webhooks and logout URIs reach loopback and
	// private addresses. Default: on in development mode, off otherwise.
	AllowPrivateTargets *bool `yaml:"allow_private_targets"`
	// PollInterval is how often each node looks for due deliveries.
	PollInterval time.Duration `yaml:"poll_interval"`
	// RetryBase, RetryMax and MaxAttempts are the retry schedule (see
	// events.Backoff).
	RetryBase   time.Duration `yaml:"retry_base"`
	RetryMax    time.Duration `yaml:"retry_max"`
	MaxAttempts int           `yaml:"max_attempts"`
	// Retention is how long the outbox keeps an event every sink took (or
	// that had none) and the delivery log (default 7 days); DeadRetention
	// how long it keeps an event with a dead delivery that nobody replayed
	// (default 30 days, never less than Retention). Applied hourly.
	Retention     time.Duration `yaml:"retention"`
	DeadRetention time.Duration `yaml:"dead_retention"`
	envErr        error
}

// Outbox retention defaults (docs/events.md "Retention").
const (
	DefaultEventRetention     = 7 * 24 * time.Hour
	DefaultDeadEventRetention = 30 * 24 * time.Hour
)

func (c EventsConfig) retention() time.Duration {
	if c.Retention > 0 {
		return c.Retention
	}
	return DefaultEventRetention
}

// deadRetention is DeadRetention with its default, at least retention():
// a dead delivery is kept no shorter than a delivered one.
func (c EventsConfig) deadRetention() time.Duration {
	d := c.DeadRetention
	if d <= 0 {
		d = DefaultDeadEventRetention
	}
	return max(d, c.retention())
}

func (c EventsConfig) pollInterval() time.Duration {
	if c.PollInterval > 0 {
		return c.PollInterval
	}
	return time.Second
}

func (c EventsConfig) backoff() events.Backoff {
	b := events.DefaultBackoff
	if c.RetryBase > 0 {
		b.Base = c.RetryBase
	}
	if c.RetryMax > 0 {
		b.Max = c.RetryMax
	}
	if c.MaxAttempts > 0 {
		b.Attempts = c.MaxAttempts
	}
	return b
}

func (c EventsConfig) natsStream() string  { return orString(c.NATSStream, "ADMIT_EVENTS") }
func (c EventsConfig) natsSubject() string { return orString(c.NATSSubject, "admit.events") }

func orString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// allowPrivate is AllowPrivateTargets with its default.
func (c Config) allowPrivateTargets() bool {
	if c.Events.AllowPrivateTargets != nil {
		return *c.Events.AllowPrivateTargets
	}
	return c.DevMode()
}

func applyEventsEnv(c *EventsConfig, getenv func(string) string) {
	var errs []error
	for name, dst := range map[string]*string{
		"ADMIT_EVENTS_NATS_URL": &c.NATSURL, "ADMIT_EVENTS_NATS_STREAM": &c.NATSStream,
		"ADMIT_EVENTS_NATS_SUBJECT": &c.NATSSubject, "ADMIT_EVENTS_NATS_SECRET": &c.NATSSecret,
	} {
		if s := getenv(name); s != "" {
			*dst = s
		}
	}
	if s := getenv("ADMIT_EVENTS_ALLOW_PRIVATE_TARGETS"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("ADMIT_EVENTS_ALLOW_PRIVATE_TARGETS %q: want true or false", s))
		} else {
			c.AllowPrivateTargets = &b
		}
	}
	errs = append(errs, envDuration(getenv, "ADMIT_EVENTS_RETENTION", "168h", &c.Retention),
		envDuration(getenv, "ADMIT_EVENTS_DEAD_RETENTION", "168h", &c.DeadRetention))
	c.envErr = errors.Join(errs...)
}

func (c EventsConfig) validate() error {
	errs := []error{c.envErr}
	if c.NATSURL != "" {
		if _, err := events.SignedHeadersFor(c.NATSSecret); err != nil {
			errs = append(errs, fmt.Errorf("events.nats_secret (ADMIT_EVENTS_NATS_SECRET): required with nats_url, a whsec_ base64 secret"))
		}
	}
	if c.PollInterval < 0 || c.RetryBase < 0 || c.RetryMax < 0 || c.MaxAttempts < 0 || c.Retention < 0 || c.DeadRetention < 0 {
		errs = append(errs, errors.New("events: poll_interval, retry_base, retry_max, max_attempts, retention and dead_retention cannot be negative"))
	}
	return errors.Join(errs...)
}

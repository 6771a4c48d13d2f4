package app

import (
	"errors"
	"fmt"
	"time"

	"github.com/admit-idp/admit/login/defence"
)

// DefencesConfig configures lockout, rate limits, CAPTCHA and the audit
// log (YAML key "defences"). Zero values take the old services' defaults.
type DefencesConfig struct {
	// envErr is a bad ADMIT_* value, reported by validate.
	envErr             error         `yaml:"-"`
	LockoutMaxAttempts int           `yaml:"lockout_max_attempts"` // 5
	LockoutWindow      time.Duration `yaml:"lockout_window"`       // 15m
	LockoutDuration    time.Duration `yaml:"lockout_duration"`     // 15m
	LockoutIPMax       int           `yaml:"lockout_ip_max"`       // 10
	CaptchaAfter       int           `yaml:"captcha_after"`        // 3
	// RateLimits: "on" (default) or "off".
	RateLimits string `yaml:"rate_limits"`
	// LoginPerMinute is the login form's per-IP and per-identifier limit (5).
	LoginPerMinute int           `yaml:"login_per_minute"`
	Captcha        CaptchaConfig `yaml:"captcha"`
	// AuditRetention: events older than this are pruned hourly (default
	// 8760h = one year; 0 keeps everything... use "forever").
	AuditRetention time.Duration `yaml:"audit_retention"`
	// NewDevice: what a sign-in from a new or low-trust device triggers:
	// "mfa", "notify", "both" or "none" (default "notify").
	NewDevice string `yaml:"new_device"`
	// DeviceRetention: a remembered device not seen for this long is
	// forgotten by the hourly housekeeping (default 4320h = 180 days; at
	// least 24h). Its next sign-in counts as a new device.
	DeviceRetention time.Duration `yaml:"device_retention"`
}

// CaptchaConfig is the CAPTCHA provider (empty provider: none).
type CaptchaConfig struct {
	Provider string  `yaml:"provider"` // hcaptcha, recaptcha, turnstile
	SiteKey  string  `yaml:"site_key"`
	Secret   string  `yaml:"secret"`    // ADMIT_CAPTCHA_SECRET
	MinScore float64 `yaml:"min_score"` // reCAPTCHA v3
	FailOpen bool    `yaml:"fail_open"`
	// VerifyURL overrides the provider's siteverify endpoint (tests, proxies).
	VerifyURL string `yaml:"verify_url"`
}

func applyDefencesEnv(cfg *Config, getenv func(string) string) {
	c := &cfg.Defences.Captcha
	for name, dst := range map[string]*string{
		"ADMIT_CAPTCHA_PROVIDER": &c.Provider, "ADMIT_CAPTCHA_SITE_KEY": &c.SiteKey, "ADMIT_CAPTCHA_SECRET": &c.Secret,
		"ADMIT_RATE_LIMITS": &cfg.Defences.RateLimits,
	} {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	var failOpen *bool
	cfg.Defences.envErr = envBool(getenv, "ADMIT_CAPTCHA_FAIL_OPEN", &failOpen)
	if failOpen != nil {
		c.FailOpen = *failOpen
	}
}

func (d DefencesConfig) validate() error {
	errs := []error{d.envErr}
	if d.RateLimits != "" && d.RateLimits != "on" && d.RateLimits != "off" {
		errs = append(errs, fmt.Errorf("defences.rate_limits %q: want on or off", d.RateLimits))
	}
	switch d.NewDevice {
	case "", "mfa", "notify", "both", "none":
	default:
		errs = append(errs, fmt.Errorf("defences.new_device %q: want mfa, notify, both or none", d.NewDevice))
	}
	if d.DeviceRetention != 0 && d.DeviceRetention < 24*time.Hour {
		errs = append(errs, fmt.Errorf("defences.device_retention %s: want at least 24h (0: the default, 180 days)", d.DeviceRetention))
	}
	if d.LockoutMaxAttempts < 0 || d.LockoutIPMax < 0 || d.CaptchaAfter < 0 || d.LockoutWindow < 0 || d.LockoutDuration < 0 {
		errs = append(errs, errors.New("defences: counts and durations must not be negative"))
	}
	return errors.Join(append(errs, d.Captcha.validate())...)
}

func (c CaptchaConfig) validate() error {
	if c.Provider == "" {
		return nil
	}
	if _, ok := defence.LookupProvider(c.Provider); !ok {
		return fmt.Errorf("defences.captcha.provider %q: want hcaptcha, recaptcha or turnstile", c.Provider)
	}
	if c.SiteKey == "" || c.Secret == "" {
		return errors.New("defences.captcha: site_key and secret (ADMIT_CAPTCHA_SECRET) are required with a provider")
	}
	if c.MinScore < 0 || c.MinScore > 1 {
		return fmt.Errorf("defences.captcha.min_score %v: want 0 to 1", c.MinScore)
	}
	return nil
}

// policy turns the configuration into the defences' policy.
func (d DefencesConfig) policy() defence.Policy {
	p := defence.DefaultPolicy()
	set := func(dst *int, v int) {
		if v > 0 {
			*dst = v
		}
	}
	set(&p.Account.Max, d.LockoutMaxAttempts)
	set(&p.IPMax, d.LockoutIPMax)
	set(&p.CaptchaAfter, d.CaptchaAfter)
	if d.LockoutWindow > 0 {
		p.Account.Window = d.LockoutWindow
	}
	if d.LockoutDuration > 0 {
		p.Account.LockFor = d.LockoutDuration
	}
	if d.LoginPerMinute > 0 {
		l := p.Rates[defence.ActionLogin]
		l.PerIP.Limit, l.PerIdentifier.Limit = d.LoginPerMinute, d.LoginPerMinute
		p.Rates[defence.ActionLogin] = l
	}
	p.RateLimits = d.RateLimits != "off"
	return p
}

func (d DefencesConfig) retention() time.Duration {
	if d.AuditRetention == 0 {
		return 365 * 24 * time.Hour
	}
	return d.AuditRetention
}

// AuditRetentionOrDefault is the audit log's retention (one year unless set).
func (d DefencesConfig) AuditRetentionOrDefault() time.Duration { return d.retention() }

// DefaultDeviceRetention is how long an unseen device is remembered unless
// defences.device_retention says otherwise.
const DefaultDeviceRetention = 180 * 24 * time.Hour

// DeviceRetentionOrDefault is the device retention (180 days unless set).
func (d DefencesConfig) DeviceRetentionOrDefault() time.Duration {
	if d.DeviceRetention == 0 {
		return DefaultDeviceRetention
	}
	return d.DeviceRetention
}

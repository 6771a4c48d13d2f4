package app

import (
	"errors"
	"fmt"
	netmail "net/mail"
	"strconv"
	"time"

	"github.com/admit-idp/admit/login/mail"
)

// AccountsConfig is self-service accounts' settings (YAML key "accounts"):
//
//	accounts:
//	  signup: true                        # ADMIT_SIGNUP
//	  require_verified_email: ["*"]       # client IDs, "*" for all (ADMIT_REQUIRE_VERIFIED_EMAIL=a,b)
//	  password_min_length: 8              # NIST SP 800-63B minimum
//	  password_max_length: 128
//	  email_hold: 720h                    # a deleted user's address stays taken
//	  forgot_floor: 750ms                 # fixed minimum time of a forgot-password or sign-up answer
//	  smtp:
//	    host: smtp.example.com            # ADMIT_SMTP_HOST; empty: development mailbox
//	    port: 587                         # ADMIT_SMTP_PORT
//	    username: admit                   # ADMIT_SMTP_USER
//	    password: secret                  # ADMIT_SMTP_PASSWORD
//	    from: "Admit <no-reply@example.com>"  # ADMIT_SMTP_FROM
//	    tls: starttls                     # starttls | tls | none (ADMIT_SMTP_TLS)
//	    timeout: 10s
//	    retry_backoff: 2s                 # first retry delay, doubled per attempt
type AccountsConfig struct {
	SignUp *bool `yaml:"signup"`
	// NoSignUpClients closes sign-up for these clients' sign-ins.
	NoSignUpClients      []string      `yaml:"no_signup_clients"`
	RequireVerifiedEmail []string      `yaml:"require_verified_email"`
	PasswordMinLength    int           `yaml:"password_min_length"`
	PasswordMaxLength    int           `yaml:"password_max_length"`
	EmailHold            time.Duration `yaml:"email_hold"`
	ForgotFloor          time.Duration `yaml:"forgot_floor"`
	SMTP                 SMTPConfig    `yaml:"smtp"`
	envErr               error
}

// SMTPConfig is the outgoing mail server.
type SMTPConfig struct {
	Host         string        `yaml:"host"`
	Port         int           `yaml:"port"`
	Username     string        `yaml:"username"`
	Password     string        `yaml:"password"`
	From         string        `yaml:"from"`
	TLS          string        `yaml:"tls"`
	Timeout      time.Duration `yaml:"timeout"`
	RetryBackoff time.Duration `yaml:"retry_backoff"`
}

// SignUpAllowed reports whether self-service sign-up is on (default yes).
func (c AccountsConfig) SignUpAllowed() bool { return c.SignUp == nil || *c.SignUp }

// mailConfig is the mail package's view, with defaults filled in.
func (s SMTPConfig) mailConfig() mail.SMTPConfig {
	c := mail.SMTPConfig{Host: s.Host, Port: s.Port, Username: s.Username, Password: s.Password,
		From: s.From, TLS: s.TLS, Timeout: s.Timeout}
	if c.TLS == "" {
		c.TLS = mail.TLSStartTLS
	}
	if c.Port == 0 {
		c.Port = map[string]int{mail.TLSImplicit: 465, mail.TLSNone: 25}[c.TLS]
		if c.Port == 0 {
			c.Port = 587
		}
	}
	if c.From == "" {
		c.From = "Admit <no-reply@localhost>"
	}
	return c
}

func applyAccountsEnv(cfg *Config, getenv func(string) string) {
	var errs []error
	a := &cfg.Accounts
	errs = append(errs, envBool(getenv, "ADMIT_SIGNUP", &a.SignUp))
	if v := envList(getenv, "ADMIT_REQUIRE_VERIFIED_EMAIL"); v != nil {
		a.RequireVerifiedEmail = v
	}
	if s := getenv("ADMIT_SMTP_PORT"); s != "" {
		p, err := strconv.Atoi(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("ADMIT_SMTP_PORT %q: want a port number", s))
		}
		a.SMTP.Port = p
	}
	for name, dst := range map[string]*string{
		"ADMIT_SMTP_HOST": &a.SMTP.Host, "ADMIT_SMTP_USER": &a.SMTP.Username, "ADMIT_SMTP_PASSWORD": &a.SMTP.Password,
		"ADMIT_SMTP_FROM": &a.SMTP.From, "ADMIT_SMTP_TLS": &a.SMTP.TLS,
	} {
		if s := getenv(name); s != "" {
			*dst = s
		}
	}
	a.envErr = errors.Join(errs...)
}

func (c AccountsConfig) validate() error {
	errs := []error{c.envErr}
	if c.PasswordMinLength < 0 || (c.PasswordMinLength > 0 && c.PasswordMinLength < 8) {
		errs = append(errs, fmt.Errorf("accounts.password_min_length %d: NIST SP 800-63B requires at least 8", c.PasswordMinLength))
	}
	if c.PasswordMaxLength != 0 && c.PasswordMaxLength < 64 {
		errs = append(errs, fmt.Errorf("accounts.password_max_length %d: allow at least 64 characters (NIST SP 800-63B)", c.PasswordMaxLength))
	}
	if c.EmailHold < 0 || c.ForgotFloor < 0 {
		errs = append(errs, errors.New("accounts.email_hold and accounts.forgot_floor must not be negative"))
	}
	return errors.Join(append(errs, c.SMTP.validate())...)
}

func (s SMTPConfig) validate() error {
	if s.Host == "" {
		if s.Username != "" || s.Port != 0 {
			return errors.New("accounts.smtp: host (ADMIT_SMTP_HOST) is required when other SMTP settings are given")
		}
		return nil
	}
	var errs []error
	if s.Port < 0 || s.Port > 65535 {
		errs = append(errs, fmt.Errorf("accounts.smtp.port %d: want 1-65535", s.Port))
	}
	switch s.TLS {
	case "", mail.TLSStartTLS, mail.TLSImplicit, mail.TLSNone:
	default:
		errs = append(errs, fmt.Errorf("accounts.smtp.tls %q: want starttls, tls or none", s.TLS))
	}
	if s.From != "" {
		if _, err := netmail.ParseAddress(s.From); err != nil {
			errs = append(errs, fmt.Errorf("accounts.smtp.from %q: not an address (\"Admit <no-reply@example.com>\")", s.From))
		}
	}
	if s.Password != "" && s.Username == "" {
		errs = append(errs, errors.New("accounts.smtp: password given without username"))
	}
	return errors.Join(errs...)
}

package defence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/admit-idp/admit/login"
)

// Provider is a CAPTCHA service: its widget and its siteverify endpoint.
type Provider struct {
	Name          string
	Script        string
	Class         string
	ResponseField string
	VerifyURL     string
	Origins       []string
}

// Providers Admit supports. reCAPTCHA v2 and v3 share the endpoint; v3
// answers a score, checked against Captcha.MinScore.
var providers = map[string]Provider{
	"hcaptcha": {Name: "hcaptcha", Script: "https://js.hcaptcha.com/1/api.js", Class: "h-captcha",
		ResponseField: "h-captcha-response", VerifyURL: "https://api.hcaptcha.com/siteverify",
		Origins: []string{"https://hcaptcha.com", "https://*.hcaptcha.com"}},
	"recaptcha": {Name: "recaptcha", Script: "https://www.google.com/recaptcha/api.js", Class: "g-recaptcha",
		ResponseField: "g-recaptcha-response", VerifyURL: "https://www.google.com/recaptcha/api/siteverify",
		Origins: []string{"https://www.google.com", "https://www.gstatic.com", "https://www.recaptcha.net"}},
	"turnstile": {Name: "turnstile", Script: "https://challenges.cloudflare.com/turnstile/v0/api.js", Class: "cf-turnstile",
		ResponseField: "cf-turnstile-response", VerifyURL: "https://challenges.cloudflare.com/turnstile/v0/siteverify",
		Origins: []string{"https://challenges.cloudflare.com"}},
}

// LookupProvider returns a known provider by name.
func LookupProvider(name string) (Provider, bool) {
	p, ok := providers[name]
	return p, ok
}

// Captcha verifies CAPTCHA responses server-side.
type Captcha struct {
	Provider Provider
	SiteKey  string
	Secret   string
	// MinScore is reCAPTCHA v3's minimum score (0: not checked).
	MinScore float64
	// FailOpen lets the attempt through when the provider cannot be
	// reached (logged either way); otherwise it is refused.
	FailOpen bool
	Client   *http.Client
	Logger   *slog.Logger
}

// Errors of Verify.
var (
	ErrCaptchaMissing  = errors.New("captcha: no response")
	ErrCaptchaRejected = errors.New("captcha: rejected")
	// ErrCaptchaUnreachable: the provider did not answer (fail_open decides).
	ErrCaptchaUnreachable = errors.New("captcha: provider unreachable")
)

type siteverifyResponse struct {
	Success    bool     `json:"success"`
	Score      *float64 `json:"score"`
	ErrorCodes []string `json:"error-codes"`
}

// Verify checks a response token at the provider's siteverify endpoint.
func (c *Captcha) Verify(ctx context.Context, token, ip string) error {
	if strings.TrimSpace(token) == "" {
		return ErrCaptchaMissing
	}
	form := url.Values{"secret": {c.Secret}, "response": {token}, "remoteip": {ip}}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Provider.VerifyURL, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCaptchaUnreachable, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.client().Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCaptchaUnreachable, err)
	}
	defer func() { _ = res.Body.Close() }() // the answer is decoded by then: nothing to report
	var body siteverifyResponse
	if res.StatusCode != http.StatusOK || json.NewDecoder(http.MaxBytesReader(nil, res.Body, 64<<10)).Decode(&body) != nil {
		return fmt.Errorf("%w: status %d", ErrCaptchaUnreachable, res.StatusCode)
	}
	return c.judge(body)
}

func (c *Captcha) judge(b siteverifyResponse) error {
	if !b.Success {
		return fmt.Errorf("%w: %s", ErrCaptchaRejected, strings.Join(b.ErrorCodes, ","))
	}
	if c.MinScore > 0 && b.Score != nil && *b.Score < c.MinScore {
		return fmt.Errorf("%w: score %.2f below %.2f", ErrCaptchaRejected, *b.Score, c.MinScore)
	}
	return nil
}

func (c *Captcha) client() *http.Client {
	if c.Client != nil {
		return c.Client
	}
	return http.DefaultClient
}

// Widget is the login page's widget for this provider.
func (c *Captcha) Widget() login.Captcha {
	return login.Captcha{Provider: c.Provider.Name, SiteKey: c.SiteKey, Script: c.Provider.Script,
		Class: c.Provider.Class, Origins: slices.Clone(c.Provider.Origins)}
}

// Check verifies the request's response field: nil when it passes (or
// the provider is unreachable and FailOpen is set).
func (c *Captcha) Check(r *http.Request) error {
	err := c.Verify(r.Context(), r.PostFormValue(c.Provider.ResponseField), ClientIP(r))
	if errors.Is(err, ErrCaptchaUnreachable) {
		c.Logger.WarnContext(r.Context(), "captcha: provider unreachable", "provider", c.Provider.Name, "fail_open", c.FailOpen, "error", err)
		if c.FailOpen {
			return nil
		}
	}
	return err
}

// captchaDue reports whether the identifier or the IP has CaptchaAfter
// failures in the current window.
func (g *Guard) captchaDue(ctx context.Context, identifier, ip string) (bool, error) {
	if g.Captcha == nil || g.Policy.CaptchaAfter <= 0 {
		return false, nil
	}
	for _, k := range g.lockKeys(identifier, ip) {
		st, err := g.Store.GetFailures(ctx, k)
		if err != nil {
			return false, fmt.Errorf("captcha: %w", err)
		}
		if st.Count >= g.Policy.CaptchaAfter {
			return true, nil
		}
	}
	return false, nil
}

// CaptchaFor implements login.Defences.
func (g *Guard) CaptchaFor(r *http.Request, identifier string) (login.Captcha, error) {
	due, err := g.captchaDue(r.Context(), identifier, ClientIP(r))
	if err != nil || !due {
		return login.Captcha{}, err
	}
	return g.Captcha.Widget(), nil
}

// checkCaptcha refuses a lockable attempt that owes a CAPTCHA and has no
// valid response.
func (g *Guard) checkCaptcha(r *http.Request, a login.Attempt) (login.Verdict, error) {
	due, err := g.captchaDue(r.Context(), a.Identifier, ClientIP(r))
	if err != nil || !due {
		return login.Verdict{}, err
	}
	if err := g.Captcha.Check(r); err != nil {
		g.Logger.InfoContext(r.Context(), "captcha: attempt refused", "error", err)
		return login.Verdict{Refused: true, Reason: login.RefuseCaptcha, Captcha: g.Captcha.Widget()}, nil
	}
	return login.Verdict{}, nil
}

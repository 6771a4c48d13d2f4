package social

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/sony/gobreaker/v2"
	"golang.org/x/oauth2"
)

// Upstream robustness settings, carried over from the old OAuth service.
const (
	// UpstreamTimeout bounds every call to a provider.
	UpstreamTimeout = 5 * time.Second
	// BreakerOpenFor is how long a tripped breaker refuses calls.
	BreakerOpenFor = 30 * time.Second
	// breakerWindow is the window over which the error rate is measured.
	breakerWindow = time.Minute
	// breakerMinRequests avoids tripping on one unlucky call.
	breakerMinRequests = 4
)

// Profile is what a provider says about the user. Only EmailVerified
// e-mails are ever used to create or match accounts.
type Profile struct {
	Subject       string
	Email         string
	EmailVerified bool
	GivenName     string
	FamilyName    string
}

// callback is what the provider sent back besides the state.
type callback struct {
	Code string
	// User is Apple's first-login JSON ({"name":{"firstName":…}}).
	User string
}

// secrets is the per-login material the upstream needs. Nonce is only known
// when the login starts; the callback has its hash (NonceHash), which is all
// the flow keeps.
type secrets struct{ State, Nonce, NonceHash, Verifier string }

// upstream speaks one provider's protocol.
type upstream interface {
	// authURL is where the browser goes to sign in at the provider.
	authURL(ctx context.Context, s secrets) (string, error)
	// exchange redeems the code and returns the verified profile.
	exchange(ctx context.Context, cb callback, s secrets) (Profile, error)
}

// errUnavailable marks failures of the provider itself (network, timeout,
// 5xx): they count against the breaker and say "unavailable" to the user.
// Anything else (a bad token, a replayed code) is the request's fault.
var errUnavailable = errors.New("social: provider unavailable")

// errRejected marks a response the provider sent but Admit does not accept
// (bad signature, wrong nonce, domain not allowed).
var errRejected = errors.New("social: provider response rejected")

// classify wraps err with errUnavailable when it is the provider's fault.
func classify(err error) error {
	if err == nil || errors.Is(err, errUnavailable) || errors.Is(err, errRejected) {
		return err
	}
	var re *oauth2.RetrieveError
	var ne net.Error
	var ue *url.Error
	switch {
	case errors.As(err, &re) && re.Response != nil && re.Response.StatusCode >= 500:
		return fmt.Errorf("%w: %w", errUnavailable, err)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne), errors.As(err, &ue):
		return fmt.Errorf("%w: %w", errUnavailable, err)
	}
	return err
}

// guarded runs an upstream behind a circuit breaker: 50% failures within
// a minute (at least breakerMinRequests calls) open it for 30 s.
type guarded struct {
	inner   upstream
	breaker *gobreaker.CircuitBreaker[Profile]
}

func newGuarded(id string, inner upstream, onChange func(id, from, to string)) *guarded {
	st := gobreaker.Settings{
		Name: id, Interval: breakerWindow, Timeout: BreakerOpenFor,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.Requests >= breakerMinRequests && c.TotalFailures*2 >= c.Requests
		},
		IsSuccessful: func(err error) bool { return !errors.Is(err, errUnavailable) },
	}
	if onChange != nil {
		st.OnStateChange = func(name string, from, to gobreaker.State) { onChange(name, from.String(), to.String()) }
	}
	// One breaker (typed for exchange) counts both discovery and exchanges.
	return &guarded{inner: inner, breaker: gobreaker.NewCircuitBreaker[Profile](st)}
}

// open reports whether the breaker refuses calls right now.
func (g *guarded) open() bool { return g.breaker.State() == gobreaker.StateOpen }

func (g *guarded) authURL(ctx context.Context, s secrets) (string, error) {
	var u string
	_, err := g.breaker.Execute(func() (Profile, error) {
		var err error
		u, err = g.inner.authURL(ctx, s)
		return Profile{}, classify(err)
	})
	return u, breakerErr(err)
}

func (g *guarded) exchange(ctx context.Context, cb callback, s secrets) (Profile, error) {
	p, err := g.breaker.Execute(func() (Profile, error) {
		p, err := g.inner.exchange(ctx, cb, s)
		return p, classify(err)
	})
	return p, breakerErr(err)
}

// breakerErr makes the breaker's own refusals read as unavailability.
func breakerErr(err error) error {
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return fmt.Errorf("%w: %w", errUnavailable, err)
	}
	return err
}

// httpClient bounds every upstream call to UpstreamTimeout. It is handed to
// x/oauth2 and go-oidc through the context (oauth2.HTTPClient).
func httpClient(base http.RoundTripper) *http.Client {
	return &http.Client{Timeout: UpstreamTimeout, Transport: base}
}

func withClient(ctx context.Context, c *http.Client) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, c)
}

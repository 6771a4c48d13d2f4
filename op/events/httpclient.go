package events

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// ErrForbiddenTarget: a webhook or logout URL that Admit will not call (not
// http(s), or an address that is private, loopback or link-local while
// AllowPrivate is off).
var ErrForbiddenTarget = errors.New("events: forbidden target")

// DefaultTimeout bounds one delivery attempt (connect, request, response).
const DefaultTimeout = 10 * time.Second

// NewHTTPClient returns the client every outgoing delivery uses: it follows
// no redirect (a 3xx is a failed attempt, so a target cannot bounce the
// request elsewhere), times out, and, unless allowPrivate, refuses to
// connect to loopback, private, link-local, multicast or unspecified
// addresses. The check runs on the address actually dialled, after DNS
// resolution, so a name that resolves to an internal address is refused too
// (server-side request forgery).
func NewHTTPClient(timeout time.Duration, allowPrivate bool) *http.Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	dialer := &net.Dialer{Timeout: timeout}
	if !allowPrivate {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			return checkAddress(address)
		}
	}
	transport := &http.Transport{
		Proxy:                 nil, // a proxy would hide the target address from the check
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
	return &http.Client{
		Transport:     transport,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// checkAddress refuses internal addresses ("ip:port" as dialled).
func checkAddress(address string) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenTarget, address)
	}
	ip := ap.Addr().Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsMulticast() || ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() || isSharedOrReserved(ip) {
		return fmt.Errorf("%w: %s is not a public address", ErrForbiddenTarget, ip)
	}
	return nil
}

// isSharedOrReserved: 100.64.0.0/10 (RFC 6598, carrier-grade NAT) and
// 0.0.0.0/8, which IsPrivate does not cover.
func isSharedOrReserved(ip netip.Addr) bool {
	for _, p := range []netip.Prefix{netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("0.0.0.0/8")} {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// CheckURL validates a target URL when it is registered: absolute http or
// https, a host, no user info or fragment.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("%w: %q must be an absolute http(s) URL without user info or fragment", ErrForbiddenTarget, raw)
	}
	return nil
}

// post sends body and reports the status (0 if there was no response).
func post(ctx context.Context, c *http.Client, target string, header http.Header, body []byte) (int, error) {
	if err := CheckURL(target); err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header = header
	req.Header.Set("User-Agent", "Admit-Events/1")
	resp, err := c.Do(req)
	if err != nil {
		var ue *url.Error // its message repeats the URL, query string included
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, fmt.Errorf("events: post to %s: %w", redact(target), err)
	}
	defer resp.Body.Close()
	// Read a short answer to its end so the connection is reused (a
	// body left unread closes it); a long one is not worth it.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("events: %s answered %d", redact(target), resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// redact keeps scheme, host and path of a target for logs and the delivery
// log (a query string may hold a token).
func redact(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return "(invalid URL)"
	}
	return u.Scheme + "://" + u.Host + u.Path
}

package login

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

type requestIDKey struct{}

// WithRequestID stores the request ID for pages and logs.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request ID set by WithRequestID, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// ClientIP is the request's client address: the peer, which the server's
// trusted-proxy middleware has already replaced with the forwarded client
// when the peer is a configured proxy. Every feature keying on the IP
// (sessions, rate limits, lockout, wallet nonces, audit) uses this one.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func randomID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("login: random: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// allowFormTarget adds a native app's private-use redirect scheme (RFC 8252
// 7.1) to the page's CSP form-action: a login that ends with a form POST
// reaches such a client by redirect (see Continue), and browsers apply
// form-action to the redirects that follow a form POST. Web redirect URIs
// need nothing here: Continue reaches them without a redirect.
func allowFormTarget(w http.ResponseWriter, redirectURI string) {
	u, err := url.Parse(redirectURI)
	if err != nil || u.Scheme == "" || u.Scheme == "http" || u.Scheme == "https" {
		return
	}
	csp := w.Header().Get("Content-Security-Policy")
	source := u.Scheme + ":"
	if csp != "" && !strings.ContainsAny(source, " ;'") {
		w.Header().Set("Content-Security-Policy", strings.Replace(csp, "form-action 'self'", "form-action 'self' "+source, 1))
	}
}

// IPPrefix is what per-address limits count: the address for IPv4, and its
// /64 for IPv6 (one host usually holds a whole /64, so counting single
// addresses would let it rotate past any limit).
func IPPrefix(ip string) string {
	parsed := net.ParseIP(ip)
	if parsed == nil || parsed.To4() != nil {
		return ip
	}
	return parsed.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// ClientPrefix is IPPrefix of the request's client address.
func ClientPrefix(r *http.Request) string { return IPPrefix(ClientIP(r)) }

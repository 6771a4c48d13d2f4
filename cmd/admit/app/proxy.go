package app

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// trustedProxies are the reverse proxies whose X-Forwarded-For Admit
// believes. Without them, behind a proxy every user would share the proxy's
// address, and per-IP lockout and rate limits would lock everyone out at
// once; believing the header from anyone would let a client choose its IP.
type trustedProxies []netip.Prefix

// parseTrustedProxies reads CIDRs or single addresses.
func parseTrustedProxies(list []string) (trustedProxies, error) {
	var out trustedProxies
	for _, s := range list {
		s = strings.TrimSpace(s)
		if !strings.Contains(s, "/") {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("trusted_proxies %q: want an IP address or CIDR", s)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("trusted_proxies %q: want an IP address or CIDR", s)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func (t trustedProxies) trusts(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range t {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// client returns the client address of a request whose peer is a trusted
// proxy: X-Forwarded-For read from the right, skipping trusted proxies (a
// chain of them), the first other address. "" when there is none.
func (t trustedProxies) client(r *http.Request) string {
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(hop); err != nil {
			return ""
		}
		if !t.trusts(hop) {
			return hop
		}
	}
	return ""
}

// middleware puts the forwarded client into RemoteAddr (read by
// login.ClientIP) when the peer is a trusted proxy.
func (t trustedProxies) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer, _, err := net.SplitHostPort(r.RemoteAddr)
		if err == nil && t.trusts(peer) {
			if c := t.client(r); c != "" {
				r2 := r.Clone(r.Context())
				r2.RemoteAddr = net.JoinHostPort(c, "0")
				r = r2
			}
		}
		next.ServeHTTP(w, r)
	})
}

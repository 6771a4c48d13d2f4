package app

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/admit-idp/admit/login"
)

func TestTrustedProxies(t *testing.T) {
	proxies, err := parseTrustedProxies([]string{"10.0.0.0/8", "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, peer, xff, want string
	}{
		{"direct client, header ignored", "203.0.113.9:5000", "198.51.100.1", "203.0.113.9"},
		{"trusted proxy", "10.1.2.3:5000", "198.51.100.1", "198.51.100.1"},
		{"chain of trusted proxies", "10.1.2.3:5000", "198.51.100.1, 192.0.2.7, 10.9.9.9", "198.51.100.1"},
		{"client cannot prepend a fake hop", "10.1.2.3:5000", "1.2.3.4, 198.51.100.1", "198.51.100.1"},
		{"garbage header keeps the peer", "10.1.2.3:5000", "not-an-ip", "10.1.2.3"},
		{"no header keeps the peer", "10.1.2.3:5000", "", "10.1.2.3"},
		{"IPv6 client", "192.0.2.7:5000", "2001:db8::1", "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			h := proxies.middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = login.ClientIP(r) }))
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.peer
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tt.want {
				t.Fatalf("client IP = %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := parseTrustedProxies([]string{"10.0.0.0/99"}); err == nil {
		t.Fatal("bad CIDR accepted")
	}
}

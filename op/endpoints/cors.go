package endpoints

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/rs/cors"

	"github.com/admit-idp/admit/storage"
)

// corsTTL is how long the allowed origins are reused before the clients are
// read again: a newly registered client's web origin is allowed within it.
const corsTTL = 30 * time.Second

// ClientLister is what CORSOrigins needs from the client store.
type ClientLister interface {
	ListClients(ctx context.Context) ([]storage.Client, error)
}

// CORSOrigins decides which web origins may call op's endpoints (token,
// userinfo, revocation, introspection) from a browser: the origins of the
// clients' registered redirect URIs, and nothing else. A browser app is
// served from the origin it registered as its redirect target; any other
// site gets no CORS headers, so its scripts cannot read the answers. The
// set is read once per corsTTL (clients are few), not per request.
type CORSOrigins struct {
	Clients ClientLister
	Now     func() time.Time
	Logger  *slog.Logger

	mu    sync.Mutex
	set   map[string]bool
	until time.Time
}

// Options are op's CORS options (zop.WithCORSOptions): only registered origins, never
// credentials (cookies play no part at these endpoints: clients
// authenticate with secrets or tokens in headers and bodies).
func (c *CORSOrigins) Options() *cors.Options {
	return &cors.Options{
		AllowOriginVaryRequestFunc: func(r *http.Request, origin string) (bool, []string) {
			return c.allowed(r.Context(), origin), nil
		},
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:   []string{"Accept", "Accept-Language", "Authorization", "Content-Type", "DPoP"},
		ExposedHeaders:   []string{"WWW-Authenticate", "Retry-After", "DPoP-Nonce"},
		MaxAge:           600,
		AllowCredentials: false,
	}
}

// Handler applies Options to answers Admit gives before op's own router
// (DPoP and PAR errors, the PAR endpoint), so a browser app can read them.
func (c *CORSOrigins) Handler() func(http.Handler) http.Handler {
	return cors.New(*c.Options()).Handler
}

func (c *CORSOrigins) allowed(ctx context.Context, origin string) bool {
	return c.origins(ctx)[origin]
}

func (c *CORSOrigins) origins(ctx context.Context) map[string]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.Now()
	if now.Before(c.until) {
		return c.set
	}
	list, err := c.Clients.ListClients(ctx)
	if err != nil {
		// Keep the last set; try again shortly, not on every request.
		c.Logger.WarnContext(ctx, "cors: reading the clients' origins failed; keeping the previous set", "error", err)
		c.until = now.Add(5 * time.Second)
		return c.set
	}
	set := map[string]bool{}
	for _, cl := range list {
		for _, u := range cl.RedirectURIs {
			if o := webOrigin(u); o != "" {
				set[o] = true
			}
		}
	}
	c.set, c.until = set, now.Add(corsTTL)
	return set
}

// webOrigin is the origin (RFC 6454) a browser sends for pages under raw,
// or "" when raw is not an http(s) URL (a native app's private-use URI).
func webOrigin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return u.Scheme + "://" + host
}

// PublicCORS serves a public, credential-free document (discovery, JWKS)
// to any origin: browser apps of every registered client read them, and
// they hold nothing secret.
func PublicCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "GET")
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

package endpoints

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/op"
)

// UnavailableAs503 rewrites op's error answers to 503
// temporarily_unavailable with Retry-After when a backend was unavailable
// during the request (op.Outage): the client should retry, and no internal
// detail leaks. The original is logged. /authorize is visited by a browser,
// not a client: there it answers with the HTML retry page instead
// (authorizeUnavailable).
func (p *Protocol) UnavailableAs503() func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := op.WithRequestState(r.Context())
			if r.URL.Path == op.EndSessionPath {
				ctx = op.SigningOut(ctx)
			}
			// op answers an introspection it could not complete (the
			// deny-list was unreadable) with 200 {"active":false}, which a
			// resource server cannot tell from a revocation: during an
			// outage even that answer becomes the 503 (RFC 7662 2.3 allows
			// any error status; RFC 6749 4.1.2.1 names the error).
			cw := &catch5xx{ResponseWriter: w, outage: func() bool { return op.Outage(ctx) }, anyStatus: r.URL.Path == IntrospectPath}
			next.ServeHTTP(cw, r.WithContext(ctx))
			if !cw.caught {
				return
			}
			if r.URL.Path == AuthorizePath {
				p.authorizeUnavailable(w, r.WithContext(ctx))
				return
			}
			p.Outages.Failed(r.Context(), slog.LevelError, "protocol endpoint: backend unavailable", errOutage,
				slog.String("path", r.URL.Path), slog.Int("status", cw.status),
				slog.String("body", strings.TrimSpace(cw.body.String())), slog.String("request_id", login.RequestID(r.Context())))
			WriteUnavailable(w)
		})
	}
}

// authorizeUnavailable is /authorize's answer when a backend it needs before
// it can redirect to the client (the client's registration in Postgres) is
// down: the browser gets the HTML retry page (503, Retry-After), with the
// pages' security headers, not JSON meant for a client.
func (p *Protocol) authorizeUnavailable(w http.ResponseWriter, r *http.Request) {
	p.page(w, r, func(w http.ResponseWriter, r *http.Request) {
		p.Pages.Unavailable(w, r, errOutage)
	})
}

// errOutage stands for the backend failure op has already reported.
var errOutage = errors.New("a backend was unavailable (see op.Outage)")

// WriteUnavailable answers 503 temporarily_unavailable with Retry-After: a
// backend was unavailable; the client should retry.
func WriteUnavailable(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Retry-After", "5")
	w.WriteHeader(http.StatusServiceUnavailable)
	_ = json.NewEncoder(w).Encode(map[string]string{
		"error": "temporarily_unavailable", "error_description": "the service is temporarily unavailable; retry later",
	})
}

// catch5xx passes everything through except a 5xx answer or any answer
// given during an outage, which it keeps for the log.
type catch5xx struct {
	http.ResponseWriter
	outage func() bool
	// anyStatus catches success answers given during an outage too.
	anyStatus bool
	status    int
	caught    bool
	body      bytes.Buffer
}

func (c *catch5xx) WriteHeader(code int) {
	if c.status != 0 {
		return
	}
	c.status = code
	// Only an outage is answered as retryable: a genuine server error
	// stays a 500 server_error rather than being disguised.
	c.caught = (code >= 400 || c.anyStatus) && c.outage()
	if !c.caught {
		c.ResponseWriter.WriteHeader(code)
	}
}

func (c *catch5xx) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.WriteHeader(http.StatusOK)
	}
	if c.caught {
		return c.body.Write(b)
	}
	return c.ResponseWriter.Write(b)
}

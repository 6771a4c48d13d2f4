package app

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/op/endpoints"
	"github.com/admit-idp/admit/storage"
)

// requestID tags each request (X-Request-ID, logs, error pages). An incoming
// ID is kept only if it looks like one of ours, so logs cannot be forged.
func (a *App) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(login.WithRequestID(r.Context(), id)))
	})
}

// recoverer turns a panic into a logged 500 without a stack trace in the
// response.
func (a *App) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.Logger.ErrorContext(r.Context(), "panic", "panic", v, "request_id", login.RequestID(r.Context()))
				http.Error(w, "internal error; reference "+login.RequestID(r.Context()), http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// slowRequest is the duration from which access_log "errors" logs a
// request that succeeded: slowness is worth a line even without an error.
const slowRequest = time.Second

// accessLog logs method, path (never the query: it can carry codes), status
// and duration. Which requests are logged is the access_log setting: one
// line per request ("all") is tens of megabytes an hour under load, so the
// default ("errors") keeps only failed (status >= 400) and slow requests,
// and "off" leaves access logging to the reverse proxy.
func (a *App) accessLog(next http.Handler) http.Handler {
	mode := a.Config.AccessLog
	if mode == "off" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		took := time.Since(start)
		if mode != "all" && sw.status < http.StatusBadRequest && took < slowRequest {
			return
		}
		a.Logger.LogAttrs(r.Context(), slog.LevelInfo, "http",
			slog.String("request_id", login.RequestID(r.Context())), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", sw.status), slog.Duration("duration", took))
	})
}

func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isStreamedImport(r) {
			next.ServeHTTP(w, r) // bounded by the handler (api.maxImportBody), read as a stream
			return
		}
		if isLogoUpload(r) {
			// A brand logo may be up to storage.MaxLogoBytes; one byte more
			// lets the handler tell an oversize upload (413).
			r.Body = http.MaxBytesReader(w, r.Body, storage.MaxLogoBytes+1)
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > maxBodyBytes {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

// isLogoUpload: the admin API's brand logo upload (PUT …/brand/logo).
func isLogoUpload(r *http.Request) bool {
	return r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, AdminPath+"/tenants/") &&
		strings.HasSuffix(r.URL.Path, "/brand/logo")
}

// isStreamedImport: the admin API's user import, whose JSON Lines body is
// read line by line, never held whole.
func isStreamedImport(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, AdminPath+"/tenants/") &&
		strings.HasSuffix(r.URL.Path, "/import/users")
}

// securityHeaders protects the HTML pages: a strict CSP with no inline code,
// no framing, no sniffing, no referrer leaks of codes, HSTS on https.
func securityHeaders(https bool) func(http.Handler) http.Handler {
	const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Security-Policy", csp)
			h.Set("X-Frame-Options", "DENY")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "no-referrer")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			if https {
				h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
			}
			next.ServeHTTP(w, r)
		})
	}
}

// apiHeaders: protocol responses carry tokens or codes and must never be
// cached (RFC 6749 5.1); discovery and JWKS override this.
func apiHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Pragma", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// writeOAuthError answers an OAuth error as JSON (endpoints.WriteOAuthError).
func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	endpoints.WriteOAuthError(w, status, code, description)
}

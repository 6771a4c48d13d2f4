package app

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/admit-idp/admit/storage/postgres"
)

// Metrics are Admit's Prometheus metrics, on a registry of their own (no
// global state, so several Apps can live in one test process).
type Metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	logins   *prometheus.CounterVec
	tokens   *prometheus.CounterVec
	failOpen *prometheus.CounterVec
	// idleTrims counts the times a quiet server returned its idle memory
	// (footprint.go).
	idleTrims prometheus.Counter
}

// NewMetrics registers the metrics, with Postgres pool gauges when pool is set.
func NewMetrics(pool *pgxpool.Pool) *Metrics {
	m := &Metrics{
		registry:  prometheus.NewRegistry(),
		requests:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "admit_http_requests_total", Help: "HTTP requests by route, method and status."}, []string{"route", "method", "status"}),
		latency:   prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "admit_http_request_duration_seconds", Help: "HTTP request latency by route.", Buckets: prometheus.DefBuckets}, []string{"route"}),
		logins:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "admit_logins_total", Help: "Login attempts by method and result."}, []string{"method", "result"}),
		tokens:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "admit_tokens_issued_total", Help: "Access tokens issued by grant type."}, []string{"grant"}),
		failOpen:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "admit_rate_limit_fail_open_total", Help: "Requests let through unchecked because the rate-limit store was unavailable, by action."}, []string{"action"}),
		idleTrims: prometheus.NewCounter(prometheus.CounterOpts{Name: "admit_idle_trims_total", Help: "Times the server, quiet for idle_trim_after, returned its idle memory to the system."}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.logins, m.tokens, m.failOpen, m.idleTrims,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if pool != nil {
		m.registry.MustRegister(poolCollector(pool)...)
	}
	return m
}

func poolCollector(pool *pgxpool.Pool) []prometheus.Collector {
	gauge := func(name, help string, f func(*pgxpool.Stat) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return f(pool.Stat()) })
	}
	counter := func(name, help string, f func(*pgxpool.Stat) float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return f(pool.Stat()) })
	}
	return []prometheus.Collector{
		gauge("admit_db_pool_total_conns", "Open Postgres connections.", func(s *pgxpool.Stat) float64 { return float64(s.TotalConns()) }),
		gauge("admit_db_pool_idle_conns", "Idle Postgres connections.", func(s *pgxpool.Stat) float64 { return float64(s.IdleConns()) }),
		gauge("admit_db_pool_acquired_conns", "Postgres connections in use.", func(s *pgxpool.Stat) float64 { return float64(s.AcquiredConns()) }),
		gauge("admit_db_pool_max_conns", "Postgres pool size.", func(s *pgxpool.Stat) float64 { return float64(s.MaxConns()) }),
		gauge("admit_db_pool_reserved_conns", "Postgres connections kept for the token, userinfo, introspection and revocation endpoints.", func(s *pgxpool.Stat) float64 { return float64(postgres.ReserveFor(s.MaxConns())) }),
		counter("admit_db_pool_empty_acquire_total", "Postgres connection acquisitions that waited because none was idle.", func(s *pgxpool.Stat) float64 { return float64(s.EmptyAcquireCount()) }),
		counter("admit_db_pool_acquire_wait_seconds_total", "Time spent waiting for a Postgres connection of the pool.", func(s *pgxpool.Stat) float64 { return s.AcquireDuration().Seconds() }),
	}
}

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// RateLimitFailedOpen counts a request let through unchecked by action.
func (m *Metrics) RateLimitFailedOpen(action string) { m.failOpen.WithLabelValues(action).Inc() }

// TokenIssued counts an access token by grant.
func (m *Metrics) TokenIssued(grant string) { m.tokens.WithLabelValues(grant).Inc() }

// LoginSucceeded counts a successful login step.
func (m *Metrics) LoginSucceeded(_ *http.Request, method string) {
	m.logins.WithLabelValues(method, "success").Inc()
}

// LoginFailed counts a failed login step by reason.
func (m *Metrics) LoginFailed(_ *http.Request, method, reason string) {
	m.logins.WithLabelValues(method, reason).Inc()
}

// Middleware records request counts and latency by chi route pattern (not
// raw path, which would explode label cardinality).
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		route := routePattern(r)
		m.requests.WithLabelValues(route, r.Method, strconv.Itoa(sw.status)).Inc()
		m.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

func routePattern(r *http.Request) string {
	rc := chi.RouteContext(r.Context())
	if rc == nil {
		return "unknown"
	}
	if p := rc.RoutePattern(); p != "" {
		return p
	}
	return "unmatched"
}

// statusWriter remembers the status code.
type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

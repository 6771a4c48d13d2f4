package app

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/admit-idp/admit/login/password"
)

// observeHashBudget exposes the password-hash budget: its size, how many
// hashes run and wait now, how long they waited, and how many were shed
// (login/password.Budget; README "Operating Admit").
func (m *Metrics) observeHashBudget(b *password.Budget) {
	wait := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "admit_hash_queue_wait_seconds", Help: "Time password hashes waited for a slot of the hash budget (admitted or shed).",
		Buckets: []float64{0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30},
	})
	b.Observe(func(d time.Duration, _ bool) { wait.Observe(d.Seconds()) })
	gauge := func(name, help string, f func(password.BudgetStats) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return f(b.Stats()) })
	}
	counter := func(name, help string, f func(password.BudgetStats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(f(b.Stats())) })
	}
	m.registry.MustRegister(wait,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "admit_hash_concurrency", Help: "Slots of the password-hash budget (hashes run at once)."},
			func() float64 { return float64(b.Concurrency()) }),
		gauge("admit_hash_running", "Password hashes running now.", func(s password.BudgetStats) float64 { return float64(s.Running) }),
		gauge("admit_hash_queue_length", "Password hashes waiting for a slot now.", func(s password.BudgetStats) float64 { return float64(s.Queued) }),
		counter("admit_hash_admitted_total", "Password hashes that got a slot.", func(s password.BudgetStats) uint64 { return s.Admitted }),
		counter("admit_hash_queued_total", "Password hashes that had to wait in line for their slot.", func(s password.BudgetStats) uint64 { return s.Waited }),
		counter("admit_hash_shed_total", "Password hashes refused after the maximum queue wait (503 + Retry-After).", func(s password.BudgetStats) uint64 { return s.Shed }),
		counter("admit_hash_canceled_total", "Password hashes whose caller went away while waiting.", func(s password.BudgetStats) uint64 { return s.Canceled }),
	)
}

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

// observeHashProcesses exposes the hash processes (login/password
// .ProcessPool): the hashes they ran and their CPU time as they measured
// it, which is the hash's real cost under load (cmd/admit/loadbench
// compares logins against it).
func (m *Metrics) observeHashProcesses(p *password.ProcessPool) {
	m.registry.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "admit_hash_process_runs_total", Help: "Password hashes run in hash processes."},
			func() float64 { return float64(p.Stats().Runs) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "admit_hash_process_cpu_seconds_total", Help: "CPU time of the password hashes run in hash processes, as each process measured it."},
			func() float64 { return p.Stats().CPU.Seconds() }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "admit_hash_process_failures_total", Help: "Password hashes run in the server after a hash process failed."},
			func() float64 { return float64(p.Stats().Failures) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "admit_hash_process_starts_total", Help: "Hash processes started."},
			func() float64 { return float64(p.Stats().Starts) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "admit_hash_processes", Help: "Hash processes running now."},
			func() float64 { return float64(p.Stats().Live) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "admit_hash_process_low_priority", Help: "1 when the newest hash process runs below normal priority (hash_nice)."},
			func() float64 {
				if p.Stats().Lowered {
					return 1
				}
				return 0
			}),
	)
}

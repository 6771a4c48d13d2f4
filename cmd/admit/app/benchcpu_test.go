package app_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// The benchmarks run Admit in process, so the process' CPU time (getrusage,
// user + system) around the timed loop is Admit's CPU plus the harness'
// (building requests, reading recorded responses). "ops/CPU-s" divides the
// operations by it: the figure the issue compares providers by. On the
// Postgres backend "pg-CPU-ms/op" is the CPU of the database backends
// serving this benchmark's connections (/proc/<pid>/stat of the pids
// pg_stat_activity lists for its database), so the database's own cost is
// reported beside Admit's.

// processCPU is this process' user + system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuMeter measures one timed loop.
type cpuMeter struct {
	start time.Duration
	pool  *pgxpool.Pool
	pg    map[int]time.Duration
}

// startCPU starts a meter; pool (nil in memory mode) names the database
// whose backends are metered too.
func startCPU(pool *pgxpool.Pool) *cpuMeter {
	m := &cpuMeter{pool: pool}
	if pool != nil {
		m.pg = pgBackendsCPU(pool)
	}
	m.start = processCPU()
	return m
}

// report adds ops/CPU-s (and the database's CPU per op) to b's results.
func (m *cpuMeter) report(b *testing.B) {
	used := processCPU() - m.start
	if used > 0 {
		b.ReportMetric(float64(b.N)/used.Seconds(), "ops/CPU-s")
	}
	if m.pool == nil {
		return
	}
	var db time.Duration
	for pid, t := range pgBackendsCPU(m.pool) {
		db += t - m.pg[pid] // a backend started during the loop counts whole
	}
	b.ReportMetric(float64(db.Microseconds())/1000/float64(b.N), "pg-CPU-ms/op")
}

// opsPerCPUSecond is the last "ops/CPU-s" a meter would report for n
// operations.
func (m *cpuMeter) opsPerCPUSecond(n int) float64 {
	return float64(n) / (processCPU() - m.start).Seconds()
}

// pgBackendsCPU reads the CPU time of every Postgres backend connected to
// the pool's database. Clock ticks are 1/100 s on Linux.
func pgBackendsCPU(pool *pgxpool.Pool) map[int]time.Duration {
	rows, err := pool.Query(context.Background(), `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		return nil
	}
	defer rows.Close()
	out := map[int]time.Duration{}
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) != nil {
			continue
		}
		raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command's closing parenthesis: state is 3,
		// utime 14 and stime 15 (proc(5)).
		_, rest, _ := strings.Cut(string(raw), ") ")
		f := strings.Fields(rest)
		if len(f) < 13 {
			continue
		}
		ut, _ := strconv.Atoi(f[11])
		st, _ := strconv.Atoi(f[12])
		out[pid] = time.Duration(ut+st) * 10 * time.Millisecond
	}
	return out
}

// argon2CPU is the CPU time of one argon2id verification with the hasher's
// parameters, measured as the login benchmark runs them: `workers`
// goroutines per GOMAXPROCS verifying at once.
func argon2CPU(b *testing.B, verify func() error) time.Duration {
	n := workers * runtime.GOMAXPROCS(0)
	const each = 3
	start := processCPU()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for range each {
				if err := verify(); err != nil {
					b.Error(err)
				}
			}
		})
	}
	wg.Wait()
	return (processCPU() - start) / time.Duration(n*each)
}

// resetPeakRSS resets this process' VmHWM (proc(5), clear_refs "5"), so
// that peakRSSMiB reports the peak of what runs after it.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSSMiB is VmHWM from /proc/self/status, in MiB (0 if unreadable).
func peakRSSMiB() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

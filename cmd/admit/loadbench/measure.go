package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/alexedwards/argon2id"

	"github.com/admit-idp/admit/login/password"
)

func numCPU() int { return runtime.NumCPU() }

// latencies collects request durations.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// p is the q-th percentile (nearest rank).
func (l *latencies) p(q float64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return 0
	}
	s := slices.Clone(l.d)
	slices.Sort(s)
	i := int(q/100*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func (l *latencies) n() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.d)
}

type result struct {
	ops, errs     int
	firstErr      error
	wall, cpu, pg time.Duration
	// hash is the CPU time of one password hash inside Admit during the
	// run, on its own clock (0: none ran, or an older build).
	hash  time.Duration
	lat   latencies
	after procStatus
}

// measure runs sc with n workers for d and reads the admit process's CPU
// and memory (and Postgres's CPU) around it.
func measure(ctx context.Context, srv *server, c *client, sc scenario, n int, d time.Duration) (*result, error) {
	r := &result{}
	// Tokens the workers need are obtained before the clock starts.
	for i := range n {
		if err := sc(c, i); err != nil {
			return nil, fmt.Errorf("first call: %w", err)
		}
	}
	hashBefore := readHashClock(c)
	before, pgBefore, start := srv.status(), postgresCPU(), time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := range n {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t0 := time.Now()
				err := sc(c, i)
				r.lat.add(time.Since(t0))
				mu.Lock()
				if err != nil {
					r.errs++
					if r.firstErr == nil {
						r.firstErr = err
					}
				} else {
					r.ops++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	r.wall = time.Since(start)
	r.after = srv.status()
	r.cpu = r.after.cpu - before.cpu
	r.hash = readHashClock(c).perHash(hashBefore)
	r.pg = -1
	// A backend that exited took its CPU with it: the sum can go down.
	if pgAfter := postgresCPU(); pgBefore >= 0 && pgAfter >= pgBefore {
		r.pg = pgAfter - pgBefore
	}
	return r, nil
}

// argon2VerifyCost is the median CPU time of this process for one argon2id
// verification with Admit's OWASP parameters, over 5 runs, measured before
// anything else runs here: CPU time, not wall time, so that other processes
// on the machine do not inflate it (x/crypto/argon2 computes its lanes on
// other goroutines, so the whole process is counted).
func argon2VerifyCost() (time.Duration, error) {
	p := password.OWASP
	hash, err := argon2id.CreateHash("benchmark-password", &p)
	if err != nil {
		return 0, err
	}
	var runs []time.Duration
	for range 5 {
		t0 := processCPU()
		if ok, err := argon2id.ComparePasswordAndHash("benchmark-password", hash); err != nil || !ok {
			return 0, fmt.Errorf("argon2id verify: %v %v", ok, err)
		}
		runs = append(runs, processCPU()-t0)
	}
	slices.Sort(runs)
	return runs[len(runs)/2], nil
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// probes are the endpoints a login surge must not starve.
var probeNames = []string{"client_credentials", "refresh", "jwks", "userinfo"}

// probe runs each probe endpoint in its own loop (one request every
// interval) until stop, recording latencies.
func probe(c *client, stop <-chan struct{}) map[string]*latencies {
	out := map[string]*latencies{}
	var wg sync.WaitGroup
	for i, name := range probeNames {
		l := &latencies{}
		out[name] = l
		sc := scenarios[name]
		// Refresh tokens of the probes are kept apart from the scenario's.
		worker := 1000 + i
		wg.Go(func() {
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				t0 := time.Now()
				if err := sc(c, worker); err == nil {
					l.add(time.Since(t0))
				}
			}
		})
	}
	go func() { <-stop; wg.Wait() }()
	return out
}

// runSurge measures the probes quiet, then during a login surge of
// surgeFactor × loginRate for o.surge.
func runSurge(ctx context.Context, srv *server, c *client, o options, loginRate float64, out, logw io.Writer) error {
	// Prime the probes' refresh tokens outside the measurement.
	for i := range probeNames {
		if _, err := c.refreshToken(1000 + i); err != nil {
			return err
		}
	}
	stop := make(chan struct{})
	quiet := probe(c, stop)
	time.Sleep(o.quiet)
	close(stop)
	time.Sleep(100 * time.Millisecond)

	rate := o.surgeFactor * loginRate
	fmt.Fprintf(logw, "loadbench: surge: %.1f logins/s (%.1f × %.1f) for %s\n", rate, o.surgeFactor, loginRate, o.surge)
	var admitted, queued, shed, failed atomic.Int64
	var firstErr atomic.Value
	var logins latencies
	before, pgBefore, selfBefore := srv.status(), postgresCPU(), processCPU()
	stop = make(chan struct{})
	during := probe(c, stop)
	start := time.Now()
	interval := time.Duration(float64(time.Second) / rate)
	var wg sync.WaitGroup
	offered := 0
	for next := start; time.Since(start) < o.surge && ctx.Err() == nil; next = next.Add(interval) {
		time.Sleep(time.Until(next))
		offered++
		wg.Go(func() {
			t0 := time.Now()
			_, st, err := c.login("openid profile email")
			if st.queued {
				queued.Add(1)
			}
			switch {
			case err == nil:
				admitted.Add(1)
				logins.add(time.Since(t0))
			case err == errShed:
				shed.Add(1)
			default:
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err)
			}
		})
	}
	surgeEnd := time.Now()
	close(stop)
	wg.Wait()
	wall := time.Since(start)
	after, self := srv.status(), processCPU()-selfBefore
	pg := "n/a"
	if pgAfter := postgresCPU(); pgBefore >= 0 && pgAfter >= pgBefore {
		pg = fmt.Sprintf("%.1f", (pgAfter - pgBefore).Seconds())
	}
	if e, ok := firstErr.Load().(error); ok {
		fmt.Fprintf(logw, "loadbench: surge: first failed login: %v\n", e)
	}
	metrics := hashMetrics(c)
	fmt.Fprintf(out, "### Surge: %.1f logins/s offered (%.0f× the measured %.1f/s) for %s\n\n", rate, o.surgeFactor, loginRate, o.surge)
	fmt.Fprintln(out, "| offered | admitted (signed in) | queued (busy page) | shed (503) | failed / timed out | login p50 s | login p99 s | admit CPU-s | loadbench CPU-s | RSS peak MiB | Postgres CPU-s |")
	fmt.Fprintln(out, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	fmt.Fprintf(out, "| %d | %d | %d | %d | %d | %.2f | %.2f | %.1f | %.1f | %.0f | %s |\n\n", offered, admitted.Load(), queued.Load(), shed.Load(), failed.Load(),
		logins.p(50).Seconds(), logins.p(99).Seconds(), (after.cpu - before.cpu).Seconds(), self.Seconds(), mib(after.hwm), pg)
	fmt.Fprintf(out, "Offered over %.0f s; the last logins finished %.0f s after the surge ended. Signed in during the surge: %.1f/s, so the offered rate was %.1f× what Admit sustained (the login scenario's closed loop of %d clients can underestimate the capacity when each login waits on more than its hash). Admit's own counters: %s.\n\n",
		surgeEnd.Sub(start).Seconds(), wall.Seconds()-surgeEnd.Sub(start).Seconds(), float64(admitted.Load())/wall.Seconds(), rate/max(float64(admitted.Load())/wall.Seconds(), 0.001), o.clients, metrics)
	fmt.Fprintln(out, "| endpoint | quiet p50 ms | quiet p99 ms | surge p50 ms | surge p99 ms | surge p99 ÷ quiet p99 | samples quiet / surge |")
	fmt.Fprintln(out, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, name := range probeNames {
		q, s := quiet[name], during[name]
		ratio := 0.0
		if q.p(99) > 0 {
			ratio = float64(s.p(99)) / float64(q.p(99))
		}
		fmt.Fprintf(out, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %d / %d |\n", name, ms(q.p(50)), ms(q.p(99)), ms(s.p(50)), ms(s.p(99)), ratio, q.n(), s.n())
	}
	fmt.Fprintln(out)
	return nil
}

// hashMetrics reads Admit's admit_hash_* counters from /metrics ("none"
// for a build without them).
func hashMetrics(c *client) string {
	var keep []string
	for _, l := range metricLines(c) {
		for _, m := range []string{"admit_hash_concurrency ", "admit_hash_admitted_total ", "admit_hash_queued_total ", "admit_hash_shed_total ", "admit_hash_canceled_total ", "admit_hash_process_low_priority "} {
			if strings.HasPrefix(l, m) {
				keep = append(keep, "`"+l+"`")
			}
		}
	}
	if len(keep) == 0 {
		return "none (a build without the hash budget)"
	}
	return strings.Join(keep, ", ")
}

// metricLines is Admit's /metrics, a line each (nil when unreadable).
func metricLines(c *client) []string {
	resp, err := (&http.Client{Transport: c.transport, Timeout: c.timeout}).Get(c.issuer + "/metrics")
	if err != nil {
		return nil
	}
	return strings.Split(read(resp), "\n")
}

// hashClock is Admit's own count of the hashes its hash processes ran and
// their CPU time as each process measured it (admit_hash_process_runs_total
// and admit_hash_process_cpu_seconds_total); ok is false for a build or a
// configuration without them.
type hashClock struct {
	runs float64
	cpu  time.Duration
	ok   bool
}

func readHashClock(c *client) hashClock {
	var h hashClock
	var seen int
	for _, l := range metricLines(c) {
		name, val, found := strings.Cut(l, " ")
		if !found {
			continue
		}
		v, err := strconv.ParseFloat(val, 64)
		if err != nil {
			continue
		}
		switch name {
		case "admit_hash_process_runs_total":
			h.runs, seen = v, seen+1
		case "admit_hash_process_cpu_seconds_total":
			h.cpu, seen = time.Duration(v*float64(time.Second)), seen+1
		}
	}
	h.ok = seen == 2
	return h
}

// perHash is the CPU time of one hash between two readings (0 when there
// was none or the build does not report it).
func (h hashClock) perHash(before hashClock) time.Duration {
	n := h.runs - before.runs
	if !h.ok || !before.ok || n <= 0 {
		return 0
	}
	return time.Duration(float64(h.cpu-before.cpu) / n)
}

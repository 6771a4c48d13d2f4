package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

type options struct {
	admit       string
	mode        string
	clients     int
	duration    time.Duration
	scenarios   string
	surge       time.Duration
	surgeFactor float64
	quiet       time.Duration
	timeout     time.Duration
	dbURL       string
	redisURL    string
	label       string
	idle        time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.admit, "admit", "", "admit binary to benchmark (empty: go build ./cmd/admit into a temporary directory)")
	flag.StringVar(&o.mode, "mode", "memory", "memory, postgres (Postgres + Redis) or both")
	flag.IntVar(&o.clients, "clients", 8, "concurrent clients per scenario")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "length of each scenario")
	flag.StringVar(&o.scenarios, "scenarios", strings.Join(allScenarios, ","), "scenarios to run, comma-separated")
	flag.DurationVar(&o.surge, "surge", 0, "length of the surge scenario (0: skip it)")
	flag.Float64Var(&o.surgeFactor, "surge-factor", 4, "surge login rate as a multiple of the measured login capacity")
	flag.DurationVar(&o.quiet, "quiet", 0, "length of the quiet probe measurement before the surge (0: as long as the surge, so both p99s rest on as many samples)")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Second, "client timeout of one request")
	flag.StringVar(&o.dbURL, "db", "postgres://postgres@127.0.0.1:5432/postgres", "Postgres server URL (postgres mode creates a fresh database there)")
	flag.StringVar(&o.redisURL, "redis", "redis://127.0.0.1:6379", "Redis URL (postgres mode uses a fresh key prefix)")
	flag.StringVar(&o.label, "label", "", "a label for the tables (e.g. before, after)")
	flag.DurationVar(&o.idle, "idle", 5*time.Second, "how long after the warm-up login the idle memory is read (also at 5 s when longer)")
	flag.Parse()
	if err := run(context.Background(), o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, out, logw io.Writer) error {
	if o.quiet <= 0 {
		o.quiet = o.surge
	}
	if o.clients < 1 || o.duration <= 0 || o.surgeFactor <= 0 {
		return errors.New("want -clients ≥ 1, -duration > 0 and -surge-factor > 0")
	}
	bin := o.admit
	if bin == "" {
		dir, err := os.MkdirTemp("", "loadbench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if bin, err = buildAdmit(ctx, dir, logw); err != nil {
			return err
		}
	}
	modes := []string{o.mode}
	if o.mode == "both" {
		modes = []string{"memory", "postgres"}
	}
	verify, err := argon2VerifyCost()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "# Admit load benchmark %s\n\n", o.label)
	defer func() { fmt.Fprintf(out, "Machine load average at the end: %s.\n\n", loadAvg()) }()
	fmt.Fprintf(out, "%s; %d clients, %s per scenario; GOMAXPROCS of admit: the machine's %d cores unless set; one OWASP argon2id verify (m=19 MiB, t=2, p=1) in this process: %.1f ms of CPU; machine load average (1, 5, 15 min) at the start: %s.\n\n",
		time.Now().UTC().Format(time.RFC3339), o.clients, o.duration, numCPU(), ms(verify), loadAvg())
	for _, mode := range modes {
		if err := runMode(ctx, o, mode, bin, verify, out, logw); err != nil {
			return fmt.Errorf("%s: %w", mode, err)
		}
	}
	return nil
}

func runMode(ctx context.Context, o options, mode, bin string, verify time.Duration, out, logw io.Writer) error {
	srv, err := startAdmit(ctx, bin, mode, o, logw)
	if err != nil {
		return err
	}
	defer srv.stop()
	c := newClient(srv.issuer, o.timeout)
	c.secret = srv.clientSecret
	if err := c.warmUp(); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	fmt.Fprintf(out, "## %s mode\n\n%s\n\n", mode, idleMemory(srv, o.idle))
	fmt.Fprintln(out, "| scenario | ops | ops/s | ops per admit CPU-s | admit CPU % | p50 ms | p99 ms | errors | RSS / peak MiB | hash processes: anonymous / peak RSS MiB | Postgres CPU-s | CPU per op ÷ argon2id verify | argon2id in admit ms | logins per CPU-s ÷ 1/(argon2id in admit) |")
	fmt.Fprintln(out, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	var loginRate float64
	for _, name := range strings.Split(o.scenarios, ",") {
		sc, ok := scenarios[strings.TrimSpace(name)]
		if !ok {
			return fmt.Errorf("unknown scenario %q (have %s)", name, strings.Join(allScenarios, ", "))
		}
		r, err := measure(ctx, srv, c, sc, o.clients, o.duration)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		ratio, inAdmit, atLimit := "–", "–", "–"
		if name == "login" && r.ops > 0 {
			loginRate = float64(r.ops) / r.wall.Seconds()
			ratio = fmt.Sprintf("%.2f", r.cpu.Seconds()/float64(r.ops)/verify.Seconds())
			if r.hash > 0 {
				// Issue 20's goal 1: logins per CPU-second against the
				// hash's cost inside Admit under the same load.
				inAdmit = fmt.Sprintf("%.1f", ms(r.hash))
				atLimit = fmt.Sprintf("%.0f %%", 100*perCPU(r.ops, r.cpu)*r.hash.Seconds())
			}
		}
		fmt.Fprintf(out, "| %s | %d | %.0f | %.0f | %.0f | %.2f | %.2f | %d | %.0f / %.0f | %.0f / %.0f | %s | %s | %s | %s |\n",
			name, r.ops, float64(r.ops)/r.wall.Seconds(), perCPU(r.ops, r.cpu), 100*r.cpu.Seconds()/r.wall.Seconds(),
			ms(r.lat.p(50)), ms(r.lat.p(99)), r.errs, mib(r.after.rss), mib(r.after.hwm), mib(r.after.childAnon), mib(r.after.childHWM), pgCPU(r.pg), ratio, inAdmit, atLimit)
		if r.firstErr != nil {
			fmt.Fprintf(logw, "loadbench: %s: first error: %v\n", name, r.firstErr)
		}
	}
	fmt.Fprintln(out)
	if o.surge > 0 {
		if loginRate == 0 {
			return errors.New("the surge needs the login scenario's capacity: keep login in -scenarios")
		}
		if err := runSurge(ctx, srv, c, o, loginRate, out, logw); err != nil {
			return fmt.Errorf("surge: %w", err)
		}
	}
	return nil
}

// idleMemory reads the admit process's resident memory 5 s and wait (when
// longer) after the warm-up login, split into anonymous and file-backed
// pages: the runtime returns freed heap lazily, so right after a request
// the figure says little.
func idleMemory(srv *server, wait time.Duration) string {
	at := []time.Duration{min(wait, 5*time.Second)}
	if wait > at[0] {
		at = append(at, wait)
	}
	start := time.Now()
	var parts []string
	for _, d := range at {
		time.Sleep(time.Until(start.Add(d)))
		pid := srv.cmd.Process.Pid
		m := memSplitOf(pid)
		part := fmt.Sprintf("%g s after: %.1f MiB (%.1f anonymous, %.1f file-backed)", d.Seconds(), mib(m.rss), mib(m.anon), mib(m.file))
		if kids := childrenOf(pid); len(kids) > 0 {
			var c memSplit
			for _, k := range kids {
				km := memSplitOf(k)
				c.rss, c.anon, c.pss = c.rss+km.rss, c.anon+km.anon, c.pss+km.pss
			}
			part += fmt.Sprintf(", plus %d hash process(es) %.1f MiB (%.1f anonymous; PSS of all: %.1f MiB)", len(kids), mib(c.rss), mib(c.anon), mib(m.pss+c.pss))
		} else {
			part += ", no hash process running"
		}
		parts = append(parts, part)
	}
	return "Idle RSS after start and one warm-up login, " + strings.Join(parts, "; ") + "."
}

func pgCPU(d time.Duration) string {
	if d < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", d.Seconds())
}

func perCPU(ops int, cpu time.Duration) float64 {
	if cpu <= 0 {
		return 0
	}
	return float64(ops) / cpu.Seconds()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
func mib(kb int64) float64       { return float64(kb) / 1024 }

// loadAvg is the machine's load average: other work on the machine skews
// every figure, so the tables say how busy it was.
func loadAvg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

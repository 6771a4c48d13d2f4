package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// The user and client every scenario uses: the development seed's in memory
// mode, added with the admit CLI in postgres mode.
const (
	clientID    = "demo-app"
	userEmail   = "demo@example.com"
	userPass    = "demo-password-1"
	redirectURI = "http://127.0.0.1:5555/callback"
)

type server struct {
	cmd          *exec.Cmd
	issuer       string
	clientSecret string
	dropDB       func()
	stderr       *bytes.Buffer
}

func buildAdmit(ctx context.Context, dir string, logw io.Writer) (string, error) {
	bin := filepath.Join(dir, "admit")
	fmt.Fprintln(logw, "loadbench: building ./cmd/admit")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/admit")
	cmd.Stdout, cmd.Stderr = logw, logw
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/admit (run loadbench from the repository root): %w", err)
	}
	return bin, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// startAdmit starts the binary and waits until it answers /healthz.
func startAdmit(ctx context.Context, bin, mode string, o options, logw io.Writer) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	issuer := fmt.Sprintf("http://127.0.0.1:%d", port)
	env := []string{}
	for _, kv := range os.Environ() {
		// Only the benchmark's own ADMIT_* settings (the hash budget and
		// processes, the signing algorithms, logging) and what a process
		// needs; not a stray database URL.
		if !strings.HasPrefix(kv, "ADMIT_") || strings.HasPrefix(kv, "ADMIT_HASH_") || strings.HasPrefix(kv, "ADMIT_SIGNING_ALG") ||
			strings.HasPrefix(kv, "ADMIT_LOG") || strings.HasPrefix(kv, "ADMIT_ACCESS_LOG") {
			env = append(env, kv)
		}
	}
	env = append(env, "ADMIT_ISSUER="+issuer, "ADMIT_ADDR="+fmt.Sprintf("127.0.0.1:%d", port), "ADMIT_RATE_LIMITS=off")
	s := &server{issuer: issuer, clientSecret: "demo-secret", dropDB: func() {}, stderr: &bytes.Buffer{}}
	if mode == "postgres" {
		dbURL, drop, err := freshDatabase(ctx, o.dbURL)
		if err != nil {
			return nil, err
		}
		s.dropDB = drop
		env = append(env, "ADMIT_DATABASE_URL="+dbURL, "ADMIT_REDIS_URL="+o.redisURL,
			"ADMIT_REDIS_PREFIX=loadbench-"+randomHex(6)+":", "ADMIT_MASTER_KEY="+randomHex(32))
		if err := s.seed(ctx, bin, env); err != nil {
			drop()
			return nil, err
		}
	} else if mode != "memory" {
		return nil, fmt.Errorf("unknown mode %q", mode)
	}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env = env
	s.cmd.Stdout, s.cmd.Stderr = io.Discard, s.stderr
	if err := s.cmd.Start(); err != nil {
		s.dropDB()
		return nil, err
	}
	fmt.Fprintf(logw, "loadbench: %s mode: admit pid %d at %s\n", mode, s.cmd.Process.Pid, issuer)
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get(issuer + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if s.cmd.ProcessState != nil {
			break
		}
	}
	s.stop()
	return nil, fmt.Errorf("admit did not become healthy: %s", s.stderr.String())
}

var secretLine = regexp.MustCompile(`client secret \(shown once, store it now\): (\S+)`)

// seed applies the migrations and adds the benchmark's client and user with
// the admit CLI.
func (s *server) seed(ctx context.Context, bin string, env []string) error {
	if _, err := runCLI(ctx, bin, env, "", "migrate", "up"); err != nil {
		return err
	}
	out, err := runCLI(ctx, bin, env, "", "clients", "add", "--id", clientID, "--name", "Load bench",
		"--redirect-uri", redirectURI, "--grant", "authorization_code", "--grant", "refresh_token", "--grant", "client_credentials",
		"--scope", "openid,profile,email,offline_access", "--first-party")
	if err != nil {
		return err
	}
	m := secretLine.FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("no client secret in the output of clients add: %s", out)
	}
	s.clientSecret = m[1]
	_, err = runCLI(ctx, bin, env, userPass+"\n", "users", "add", "--email", userEmail, "--verified")
	return err
}

func runCLI(ctx context.Context, bin string, env []string, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env, cmd.Stdin = env, strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("admit %s: %w: %s", strings.Join(args[:min(2, len(args))], " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// freshDatabase creates an empty database on the server and returns its URL
// and a function that drops it.
func freshDatabase(ctx context.Context, serverURL string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return "", nil, fmt.Errorf("postgres (%s): %w", serverURL, err)
	}
	defer conn.Close(ctx)
	name := "loadbench_" + randomHex(6)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", nil, err
	}
	cfg, err := pgx.ParseConfig(serverURL)
	if err != nil {
		return "", nil, err
	}
	u := fmt.Sprintf("postgres://%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, name)
	drop := func() {
		c, err := pgx.Connect(context.Background(), serverURL)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	}
	return u, drop, nil
}

func (s *server) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(25 * time.Second):
			_ = s.cmd.Process.Kill()
			<-done
		}
	}
	s.dropDB()
}

// procStatus is what /proc says about a process.
type procStatus struct {
	cpu      time.Duration // utime + stime, with its children's (the hash processes)
	rss, hwm int64         // KiB: VmRSS, VmHWM of the process itself
	// childAnon and childHWM are its live children's anonymous memory
	// (smaps_rollup) and peak RSS (VmHWM), summed (KiB). The binary's
	// pages they share with admit are in the peak, not in the anonymous
	// figure.
	childAnon, childHWM int64
}

// clockTick is USER_HZ, the unit of utime and stime in /proc/<pid>/stat:
// 100 on every Linux architecture Go supports (sysconf(_SC_CLK_TCK)).
const clockTick = 100

func (s *server) status() procStatus { return procStatusOf(s.cmd.Process.Pid) }

// procStatusOf reads pid's status. Its CPU time includes its children's:
// admit runs its password hashes in child processes (the hash processes),
// whose CPU is admit's cost as much as its own; live children are read
// one by one, exited ones are in pid's cutime and cstime.
func procStatusOf(pid int) procStatus {
	kib := procKiB(fmt.Sprintf("/proc/%d/status", pid))
	st := procStatus{cpu: procCPU(pid), rss: kib["VmRSS"], hwm: kib["VmHWM"]}
	for _, child := range childrenOf(pid) {
		if c := procCPU(child); c > 0 && st.cpu >= 0 {
			st.cpu += c
		}
		st.childAnon += memSplitOf(child).anon
		st.childHWM += procKiB(fmt.Sprintf("/proc/%d/status", child))["VmHWM"]
	}
	return st
}

// childrenOf lists pid's live child processes (/proc/<pid>/task/*/children).
func childrenOf(pid int) []int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var out []int
	for _, t := range tasks {
		raw, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(raw)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// procKiB reads a /proc file of "Key: value kB" lines (status,
// smaps_rollup) into the first number of each line, by key; empty if the
// file cannot be read (the process is gone).
func procKiB(path string) map[string]int64 {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	out := map[string]int64{}
	for _, l := range strings.Split(string(raw), "\n") {
		k, v, _ := strings.Cut(l, ":")
		if fields := strings.Fields(v); len(fields) > 0 {
			n, _ := strconv.ParseInt(fields[0], 10, 64)
			out[k] = n
		}
	}
	return out
}

// memSplit is a process's resident memory by kind, from
// /proc/<pid>/smaps_rollup (KiB): anonymous (heap, stacks) and file-backed
// (the binary's code and read-only data the kernel mapped in, reclaimable
// but counted in RSS).
// pss is the proportional set size: file pages shared with other
// processes (a hash process maps the same binary) count for their share.
type memSplit struct{ rss, anon, file, pss int64 }

func memSplitOf(pid int) memSplit {
	kib := procKiB(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	m := memSplit{rss: kib["Rss"], anon: kib["Anonymous"], pss: kib["Pss"]}
	m.file = m.rss - m.anon
	return m
}

// procCPU is utime+stime of a process and of its waited-for children
// (-1 when unreadable).
func procCPU(pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// The command name may hold spaces: fields start after its ')'.
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(string(raw[i+1:]))
	// After ')': state is field 3 of stat(5), utime 14, stime 15, and
	// cutime 16, cstime 17 (its children that exited and were waited for).
	if len(f) < 15 {
		return -1
	}
	var sum int64
	for _, i := range []int{11, 12, 13, 14} {
		n, _ := strconv.ParseInt(f[i], 10, 64)
		sum += n
	}
	return time.Duration(sum) * time.Second / clockTick
}

// postgresCPU sums utime+stime of every visible process named postgres
// (the server's backends and workers); -1 when there is none (Postgres in
// another container or host).
func postgresCPU() time.Duration {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return -1
	}
	var sum time.Duration
	found := false
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			continue
		}
		if c := procCPU(pid); c >= 0 {
			sum += c
			found = true
		}
	}
	if !found {
		return -1
	}
	return sum
}

package password

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
	"golang.org/x/crypto/bcrypt"
)

// TestMain lets this test binary serve as its own hash process, as the
// admit binary does (ServeHashProcessIfAsked in main). It also starts one
// from the main goroutine before the tests, as `admit serve` does (Check),
// and records the main thread's niceness after it: that start's goroutine
// tends to run on the main thread, which must never be the one niced.
func TestMain(m *testing.M) {
	ServeHashProcessIfAsked()
	before := threadNice(os.Getpid(), os.Getpid())
	exe, _ := os.Executable()
	pool := NewProcessPool(exe, procParams, 3, slog.New(slog.DiscardHandler))
	_, mainStartErr = pool.Check()
	pool.Close()
	mainThreadNiceChange = threadNice(os.Getpid(), os.Getpid()) - before
	os.Exit(m.Run())
}

var (
	mainStartErr         error
	mainThreadNiceChange int
)

// procParams keep the tests quick; the protocol does not depend on them.
var procParams = func() argon2id.Params { p := OWASP; p.Memory = 1024; return p }()

func newTestPool(t *testing.T, nice int) (*Hasher, *ProcessPool) {
	t.Helper()
	h, err := New(procParams)
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	pool := NewProcessPool(exe, procParams, nice, slog.New(slog.DiscardHandler))
	t.Cleanup(pool.Close)
	h.UseProcesses(pool)
	return h, pool
}

// TestHashProcessAnswersAsTheServerWould: every kind of answer crosses the
// pipe with the same result and the same sentinel errors, and one process
// serves them all.
func TestHashProcessAnswersAsTheServerWould(t *testing.T) {
	h, pool := newTestPool(t, 0)
	local, _ := New(procParams)

	stored, err := h.Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored, "$argon2id$v=19$m=1024,") {
		t.Fatalf("hash from the process: %q", stored)
	}
	if _, err := local.Verify("correct horse", stored); err != nil {
		t.Fatalf("the server cannot verify the process's hash: %v", err)
	}
	bc, _ := bcrypt.GenerateFromPassword([]byte("old secret"), 4)
	owasp, _ := New(OWASP)
	stronger, _ := owasp.Hash("correct horse")

	for _, tc := range []struct {
		name, pw, stored string
		rehash           bool
		is               error
	}{
		{"match", "correct horse", stored, false, nil},
		{"mismatch", "wrong", stored, false, ErrMismatch},
		{"bcrypt asks for a rehash", "old secret", string(bc), true, nil},
		{"other parameters ask for a rehash", "correct horse", stronger, true, nil},
		{"bcrypt mismatch", "nope", string(bc), false, ErrMismatch},
		{"unknown format", "x", "$md5$nothing", false, ErrUnknownFormat},
		{"unreadable argon2id", "x", "$argon2id$v=19$m=oops", false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := h.Verify(tc.pw, tc.stored)
			want, werr := local.Verify(tc.pw, tc.stored)
			if got != want || (err == nil) != (werr == nil) {
				t.Fatalf("process: %+v, %v; server: %+v, %v", got, err, want, werr)
			}
			if got.NeedsRehash != tc.rehash {
				t.Fatalf("NeedsRehash = %v, want %v", got.NeedsRehash, tc.rehash)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
			for _, sentinel := range []error{ErrMismatch, ErrUnknownFormat} {
				if errors.Is(err, sentinel) != errors.Is(werr, sentinel) {
					t.Fatalf("errors.Is(%v, %v) differs from the server's (%v)", err, sentinel, werr)
				}
			}
			if werr != nil && err.Error() != werr.Error() {
				t.Fatalf("message %q, want %q", err, werr)
			}
		})
	}
	if err := h.VerifyUnknown("anything"); !errors.Is(err, ErrMismatch) {
		t.Fatalf("VerifyUnknown: %v", err)
	}
	s := pool.Stats()
	if s.Starts != 1 || s.Failures != 0 || s.Runs != 9 || s.CPU <= 0 {
		t.Fatalf("stats %+v: want one process reused for every hash, with its CPU time", s)
	}
}

// TestHashProcessRunsAtLowerPriority: the process starts `hash_nice`
// below the server (relative, as nice(1)), every thread of the server
// keeps its own niceness (the main thread included, which TestMain's start
// from the main goroutine would have niced), and only the two variables
// it needs reach its environment (no database URL, no master key).
func TestHashProcessRunsAtLowerPriority(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("per-thread priority is Linux's")
	}
	if mainStartErr != nil || mainThreadNiceChange != 0 {
		t.Fatalf("starting from the main goroutine: %v; the main thread's niceness changed by %d", mainStartErr, mainThreadNiceChange)
	}
	t.Setenv("ADMIT_MASTER_KEY", "must-not-leak")
	server := threadNices(t)
	_, pool := newTestPool(t, 7)
	proc, err := pool.start()
	if err != nil {
		t.Fatal(err)
	}
	defer proc.kill()
	pid := proc.cmd.Process.Pid
	if got, want := threadNice(pid, pid), min(19, threadNice(os.Getpid(), os.Getpid())+7); got != want {
		t.Fatalf("hash process niceness %d, want %d", got, want)
	}
	// The thread that started the process was niced, and ends right
	// after: wait for that, then no thread of the server may be niced.
	deadline := time.Now().Add(5 * time.Second)
	for {
		var changed []string
		for tid, nice := range threadNices(t) {
			if was, ok := server[tid]; ok && was != nice {
				changed = append(changed, fmt.Sprintf("thread %d from %d to %d", tid, was, nice))
			}
		}
		if len(changed) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server threads still niced: %v", changed)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !pool.Stats().Lowered {
		t.Fatal("Stats().Lowered is false")
	}
	env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		t.Fatal(err)
	}
	vars := strings.Split(strings.TrimRight(string(env), "\x00"), "\x00")
	if len(vars) != 2 || !strings.HasPrefix(vars[0], processEnv+"=") || vars[1] != "GOMAXPROCS=1" {
		t.Fatalf("hash process environment: %q", vars)
	}
}

// TestHashProcessUnderSchedIdle: WithSchedIdle starts the process under
// SCHED_IDLE, at its niceness too, and leaves every thread of the server
// under the normal policy once the starting thread has ended.
func TestHashProcessUnderSchedIdle(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("SCHED_IDLE is Linux's")
	}
	h, pool := newTestPool(t, 4)
	pool.WithSchedIdle()
	proc, err := pool.start()
	if err != nil {
		t.Fatal(err)
	}
	pid := proc.cmd.Process.Pid
	if got := threadStat(pid, pid, statPolicy); got != schedIdle {
		proc.kill()
		t.Fatalf("hash process policy %d, want SCHED_IDLE (%d)", got, schedIdle)
	}
	if got, want := threadNice(pid, pid), min(19, threadNice(os.Getpid(), os.Getpid())+4); got != want {
		proc.kill()
		t.Fatalf("hash process niceness %d, want %d", got, want)
	}
	pool.put(proc)
	deadline := time.Now().Add(5 * time.Second)
	for {
		var idle []int
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range tasks {
			tid, _ := strconv.Atoi(e.Name())
			if threadStat(os.Getpid(), tid, statPolicy) == schedIdle {
				idle = append(idle, tid)
			}
		}
		if len(idle) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server threads still under SCHED_IDLE: %v", idle)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// And the hashes run there.
	stored, err := h.Hash("pw")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Verify("pw", stored); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if s := pool.Stats(); !s.Lowered || s.Runs < 2 || s.Failures != 0 {
		t.Fatalf("stats %+v", s)
	}
}

const (
	statNice   = 19 // stat(5) field numbers
	statPolicy = 41
	schedIdle  = 5 // SCHED_IDLE
)

// threadNice reads the niceness of thread tid of process pid; -100 when
// it cannot be read.
func threadNice(pid, tid int) int { return threadStat(pid, tid, statNice) }

// threadStat reads field (numbered as in stat(5)) of thread tid of process
// pid; -100 when it cannot be read.
func threadStat(pid, tid, field int) int {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/stat", pid, tid))
	if err != nil {
		return -100
	}
	// Fields after the command's closing parenthesis start at field 3.
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	if len(f) <= field-3 {
		return -100
	}
	n, err := strconv.Atoi(f[field-3])
	if err != nil {
		return -100
	}
	return n
}

// threadNices is the niceness of every thread of this process, by id.
func threadNices(t *testing.T) map[int]int {
	t.Helper()
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]int{}
	for _, e := range tasks {
		tid, _ := strconv.Atoi(e.Name())
		if n := threadNice(os.Getpid(), tid); n != -100 {
			out[tid] = n
		}
	}
	return out
}

// TestHashProcessesUnderConcurrency: with two slots and many callers,
// every answer is right, at most one process per slot is started, and a
// hash after Close, or one too large for the pipe, runs in the server
// without counting as a failure.
func TestHashProcessesUnderConcurrency(t *testing.T) {
	h, pool := newTestPool(t, 0)
	h.UseBudget(NewBudget(2, 30*time.Second))
	stored, err := h.Hash("pw")
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 16)
	for i := range 16 {
		go func() {
			pw := "pw"
			if i%2 == 1 {
				pw = "wrong"
			}
			_, err := h.Verify(pw, stored)
			if (i%2 == 1) != errors.Is(err, ErrMismatch) {
				err = fmt.Errorf("caller %d: %v", i, err)
			} else {
				err = nil
			}
			errs <- err
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if s := pool.Stats(); s.Starts > 2 || s.Runs != 17 || s.Failures != 0 {
		t.Fatalf("stats %+v: want at most 2 processes for 2 slots and all 17 hashes there", s)
	}
	huge := strings.Repeat("x", maxField+1)
	if _, err := h.Verify(huge, stored); !errors.Is(err, ErrMismatch) {
		t.Fatalf("oversize password: %v", err)
	}
	pool.Close()
	if _, err := h.Verify("pw", stored); err != nil {
		t.Fatalf("after Close: %v", err)
	}
	if s := pool.Stats(); s.Starts > 2 || s.Runs != 17 {
		t.Fatalf("stats %+v: the oversize and the after-Close hashes must run in the server", s)
	}
}

// TestHashProcessFailureHashesInTheServer: a process that dies, or a
// binary that is no hash process, costs a fallback, never a failed
// sign-in; the next hash starts a fresh process.
func TestHashProcessFailureHashesInTheServer(t *testing.T) {
	h, pool := newTestPool(t, 0)
	stored, err := h.Hash("pw")
	if err != nil {
		t.Fatal(err)
	}
	// Kill the idle process behind the pool's back.
	pool.mu.Lock()
	victim := pool.idle[0]
	pool.mu.Unlock()
	_ = victim.cmd.Process.Kill()
	_, _ = victim.cmd.Process.Wait()

	if _, err := h.Verify("pw", stored); err != nil {
		t.Fatalf("verify after the process died: %v", err)
	}
	if s := pool.Stats(); s.Failures != 1 {
		t.Fatalf("stats %+v: want the failure counted", s)
	}
	if _, err := h.Verify("pw", stored); err != nil {
		t.Fatal(err)
	}
	if s := pool.Stats(); s.Starts != 2 || s.Failures != 1 {
		t.Fatalf("stats %+v: want a fresh process after the failure", s)
	}

	broken := NewProcessPool("/bin/true", procParams, 0, slog.New(slog.DiscardHandler))
	defer broken.Close()
	if _, err := broken.Check(); err == nil {
		t.Fatal("Check accepted a binary that is no hash process")
	}
	h.UseProcesses(broken)
	if _, err := h.Verify("pw", stored); err != nil {
		t.Fatalf("verify with a broken pool: %v", err)
	}
}

// TestHashProcessRetiredWhenIdle: an idle process exits after idleAfter,
// so an idle server keeps none.
func TestHashProcessRetiredWhenIdle(t *testing.T) {
	h, pool := newTestPool(t, 0)
	pool.idleAfter = 200 * time.Millisecond
	if _, err := h.Hash("pw"); err != nil {
		t.Fatal(err)
	}
	if pool.Stats().Live != 1 {
		t.Fatalf("live %d after a hash, want 1", pool.Stats().Live)
	}
	deadline := time.Now().Add(5 * time.Second)
	for pool.Stats().Live != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("live %d long after idleAfter", pool.Stats().Live)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestHashProcessRejectsBrokenInput: the process's side of the pipe ends
// with an error, without hashing, on a request it cannot read.
func TestHashProcessRejectsBrokenInput(t *testing.T) {
	h := &Hasher{params: procParams}
	for name, in := range map[string]string{
		"unknown op":      "x\x00\x00",
		"field too large": "h\xff\xff\xff\xff\x0f",
		"cut off":         "v\x05ab",
	} {
		if err := serveHashProcess(h, strings.NewReader(in), io.Discard); err == nil {
			t.Errorf("%s: served", name)
		}
	}
	var out bytes.Buffer
	if err := serveHashProcess(h, strings.NewReader(""), &out); err != nil || out.Len() != 0 {
		t.Errorf("empty input: %v, %d bytes out", err, out.Len())
	}
}

// FuzzReadAnswer: the server's reading of a hash process's answers never
// panics or allocates past maxField, whatever the pipe holds.
func FuzzReadAnswer(f *testing.F) {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	_ = answer{status: answerUnknownFormat, text: "password: unknown hash format", cpu: 3 * time.Millisecond}.write(w)
	f.Add(buf.Bytes())
	f.Add([]byte{0, 1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := readAnswer(bufio.NewReader(bytes.NewReader(b)))
		if err == nil && len(a.text) > maxField {
			t.Fatalf("text of %d bytes", len(a.text))
		}
		if err == nil && a.status > answerError {
			_ = a.err() // an unknown status reads as an error, not success
			if a.err() == nil {
				t.Fatal("unknown status read as success")
			}
		}
	})
}

// TestCheckKeepsItsProcess: the process Check started serves the first
// hash, so the server's first sign-in starts none.
func TestCheckKeepsItsProcess(t *testing.T) {
	h, pool := newTestPool(t, 0)
	if _, err := pool.Check(); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Hash("pw"); err != nil {
		t.Fatal(err)
	}
	if s := pool.Stats(); s.Starts != 1 || s.Runs != 1 {
		t.Fatalf("stats %+v: want the checked process to run the first hash", s)
	}
}

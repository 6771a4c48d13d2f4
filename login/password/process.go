package password

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/alexedwards/argon2id"
)

// Hash processes: `admit serve` runs every hash of the budget in a child
// process of its own binary, started at a lower priority (ProcessPool).
//
// Why: argon2id is 30–50 ms of CPU and 19 MiB of memory per check. Run in
// the server, a login surge took a core per budget slot and, through the
// 19 MiB the collector had to reclaim after every hash, a fifth of the
// other: the token, refresh, JWKS and userinfo requests then waited for
// CPU behind the surge (the Go scheduler has no priorities; x/crypto's
// argon2 computes on goroutines of its own, so no thread of the server
// can be given a lower one). In a child started at niceness hash_nice
// (DefaultHashNice), the kernel gives the hashes only the CPU that work of
// normal priority leaves, and their memory is never in the server's heap.
//
// The protocol, over the child's stdin and stdout, is one request and one
// answer at a time (the caller holds a budget slot, and a child serves one
// slot):
//
//	request: op (1 byte: 'h' hash, 'v' verify), password, stored hash
//	answer:  status (1 byte: answerOK…), needs rehash (1 byte), text (the
//	         new hash or the error's message), CPU nanoseconds of the hash
//
// where text fields are a uvarint length and the bytes. The password
// crosses only this pipe, never a command line, environment or log.

// processEnv names the environment variable that makes the admit binary a
// hash process; its value is the argon2id parameters (processParams).
const processEnv = "ADMIT_HASH_PROCESS_PARAMS"

const (
	answerOK byte = iota
	answerMismatch
	answerUnknownFormat
	answerError
)

// maxField bounds a field read from the pipe: a password or a stored hash
// is far smaller; anything larger is a broken peer.
const maxField = 1 << 20

// ServeHashProcessIfAsked makes this process a hash process when its
// parent started it as one: it answers requests on stdin until stdin
// closes (the parent retired it, or exited), then exits. Otherwise it
// returns at once. The admit command calls it first thing in main.
func ServeHashProcessIfAsked() {
	spec, ok := os.LookupEnv(processEnv)
	if !ok {
		return
	}
	// The server's stop (Ctrl-C, SIGTERM to the process group) must not
	// end a hash it still waits for while it drains: the process ends
	// when the server closes its stdin, or exits.
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM)
	params, err := parseProcessParams(spec)
	if err == nil {
		err = serveHashProcess(&Hasher{params: params}, os.Stdin, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "admit hash process:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func processParams(p argon2id.Params) string {
	return fmt.Sprintf("%d,%d,%d,%d,%d", p.Memory, p.Iterations, p.Parallelism, p.SaltLength, p.KeyLength)
}

func parseProcessParams(s string) (argon2id.Params, error) {
	f := strings.Split(s, ",")
	if len(f) != 5 {
		return argon2id.Params{}, fmt.Errorf("parameters %q: want m,t,p,s,k", s)
	}
	var n [5]uint64
	for i, v := range f {
		x, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return argon2id.Params{}, fmt.Errorf("parameters %q: %w", s, err)
		}
		n[i] = x
	}
	if n[2] > 255 {
		return argon2id.Params{}, fmt.Errorf("parameters %q: parallelism above 255", s)
	}
	return argon2id.Params{Memory: uint32(n[0]), Iterations: uint32(n[1]), Parallelism: uint8(n[2]), SaltLength: uint32(n[3]), KeyLength: uint32(n[4])}, nil
}

// serveHashProcess answers requests from r on w until r ends.
func serveHashProcess(h *Hasher, r io.Reader, w io.Writer) error {
	br, bw := bufio.NewReader(r), bufio.NewWriter(w)
	// Between surges a process may wait up to ProcessIdle for its next
	// hash: after a second without one, it gives the hash's memory back to
	// the system instead of holding 19 MiB for nothing.
	release := time.AfterFunc(time.Hour, debug.FreeOSMemory)
	release.Stop()
	for {
		op, err := br.ReadByte()
		release.Stop()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		pw, err := readField(br)
		if err != nil {
			return err
		}
		stored, err := readField(br)
		if err != nil {
			return err
		}
		start := processCPU()
		var a answer
		switch op {
		case 'h':
			a.text, err = h.hash(pw)
		case 'v':
			var res Result
			res, err = h.verify(pw, stored)
			a.rehash = res.NeedsRehash
		default:
			return fmt.Errorf("unknown request %q", op)
		}
		a.status = answerStatus(err)
		if err != nil {
			a.text = err.Error()
		}
		a.cpu = processCPU() - start
		if err := a.write(bw); err != nil {
			return err
		}
		// The hash's 19 MiB is garbage now: collect it while the process
		// waits, so that the next hash reuses the memory rather than the
		// heap growing to twice its size first.
		runtime.GC()
		release.Reset(time.Second)
	}
}

func answerStatus(err error) byte {
	switch {
	case err == nil:
		return answerOK
	case errors.Is(err, ErrMismatch):
		return answerMismatch
	case errors.Is(err, ErrUnknownFormat):
		return answerUnknownFormat
	}
	return answerError
}

type answer struct {
	status byte
	rehash bool
	text   string
	cpu    time.Duration
}

func (a answer) write(w *bufio.Writer) error {
	_ = w.WriteByte(a.status)
	rehash := byte(0)
	if a.rehash {
		rehash = 1
	}
	_ = w.WriteByte(rehash)
	writeField(w, a.text)
	w.Write(binary.AppendUvarint(nil, uint64(a.cpu)))
	return w.Flush()
}

func readAnswer(r *bufio.Reader) (answer, error) {
	var a answer
	var err error
	if a.status, err = r.ReadByte(); err != nil {
		return a, err
	}
	rehash, err := r.ReadByte()
	if err != nil {
		return a, err
	}
	a.rehash = rehash == 1
	if a.text, err = readField(r); err != nil {
		return a, err
	}
	cpu, err := binary.ReadUvarint(r)
	a.cpu = time.Duration(cpu)
	return a, err
}

// err turns an answer back into the error the hasher would have returned:
// the same sentinels, the child's message.
func (a answer) err() error {
	switch a.status {
	case answerOK:
		return nil
	case answerMismatch:
		return ErrMismatch
	case answerUnknownFormat:
		return &remoteError{msg: a.text, is: ErrUnknownFormat}
	}
	return &remoteError{msg: a.text}
}

// remoteError is an error of the hash process, with the sentinel it
// wrapped there.
type remoteError struct {
	msg string
	is  error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.is }

func writeField(w *bufio.Writer, s string) {
	w.Write(binary.AppendUvarint(nil, uint64(len(s))))
	w.WriteString(s)
}

func readField(r *bufio.Reader) (string, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return "", err
	}
	if n > maxField {
		return "", fmt.Errorf("field of %d bytes", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return string(b), nil
}

// ProcessPool starts and reuses the hash processes: at most one per budget
// slot is busy at a time (the caller holds the slot), an idle one is kept
// for ProcessIdle and then retired. A process that cannot be started or
// fails mid-request is killed, and that hash runs in the server instead
// (Hasher.runHash): a broken pool slows a surge down, it never fails a
// sign-in.
type ProcessPool struct {
	exe    string
	params argon2id.Params
	nice   int
	// schedIdle starts the processes under SCHED_IDLE (WithSchedIdle).
	schedIdle bool
	log       *slog.Logger
	// idleAfter is ProcessIdle (shorter in tests).
	idleAfter time.Duration

	mu     sync.Mutex
	idle   []*hashProc // most recently used last
	timer  *time.Timer
	closed bool

	niceWarning, schedIdleWarning sync.Once

	runs, failures, starts atomic.Uint64
	cpu                    atomic.Int64 // nanoseconds, as the processes measured them
	live                   atomic.Int64
	lowered                atomic.Bool
}

// ProcessIdle is how long an idle hash process is kept for the next hash.
// Starting one costs about 40 ms (the binary's start-up); a process kept
// costs its runtime and the binary's pages.
const ProcessIdle = 15 * time.Second

// callTimeout bounds one request: far above any hash Admit accepts
// (argon2id and bcrypt work is capped at import), so only a stuck process
// reaches it.
const callTimeout = 30 * time.Second

// checkTimeout bounds Check's first hash, start-up included (about 40 ms
// on an idle machine): a binary that is something else (a test binary
// without ServeHashProcessIfAsked) is found out quickly.
const checkTimeout = 10 * time.Second

// NewProcessPool returns a pool that runs exe (the admit binary) as hash
// processes with params, at niceness nice (0: the server's priority).
func NewProcessPool(exe string, params argon2id.Params, nice int, log *slog.Logger) *ProcessPool {
	return &ProcessPool{exe: exe, params: params, nice: nice, log: log, idleAfter: ProcessIdle}
}

// WithSchedIdle makes the pool start its processes under the SCHED_IDLE
// policy (Linux, sched(7)) as well as at its niceness; call it before the
// first start. A niced process keeps a CPU to the end of its time slice
// (milliseconds) when a request's thread wakes; one under SCHED_IDLE is
// preempted at once, so the token, JWKS and userinfo requests of a login
// surge wait for no hash. The cost: it runs only on CPU time that no
// normal task on the machine (or in the container's CPU group) wants, so
// a busy neighbour, a database on the same host, or a load generator
// slows the logins down more than a niceness does.
func (p *ProcessPool) WithSchedIdle() *ProcessPool {
	p.schedIdle = true
	return p
}

// PoolStats is what the pool reports (metrics, loadbench).
type PoolStats struct {
	Runs     uint64        // hashes the processes ran
	CPU      time.Duration // their CPU time, as each process measured it
	Failures uint64        // hashes run in the server instead, after a process failed
	Starts   uint64        // processes started
	Live     int           // processes running now
	Lowered  bool          // the newest process runs below normal priority
}

// Stats returns the pool's counters.
func (p *ProcessPool) Stats() PoolStats {
	return PoolStats{Runs: p.runs.Load(), CPU: time.Duration(p.cpu.Load()), Failures: p.failures.Load(),
		Starts: p.starts.Load(), Live: int(p.live.Load()), Lowered: p.lowered.Load()}
}

// Check starts one process and has it hash once: the server calls it at
// start so that a binary that cannot run as a hash process, or a priority
// the system refuses, is reported before the first sign-in.
func (p *ProcessPool) Check() (lowered bool, err error) {
	proc, err := p.start()
	if err != nil {
		return false, err
	}
	if _, err := proc.callWithin(checkTimeout, 'h', "admit-hash-process-check", ""); err != nil {
		proc.kill()
		return false, err
	}
	// Kept for the first sign-in, rather than retired and started again
	// (about 40 ms); it is retired like any idle process.
	p.put(proc)
	return p.lowered.Load(), nil
}

// Close retires every idle process; busy ones are retired when their hash
// returns.
func (p *ProcessPool) Close() {
	p.mu.Lock()
	p.closed = true
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, proc := range idle {
		proc.retire()
	}
}

// errPoolClosed: the pool was closed (the server is stopping); the hash
// runs in the server.
var errPoolClosed = errors.New("password: hash processes closed")

// do runs one request in a process; an error means it did not run there.
func (p *ProcessPool) do(op byte, pw, stored string) (answer, error) {
	if len(pw) > maxField || len(stored) > maxField {
		// The process would refuse it; the server's limits keep such
		// input out long before (request bodies are capped).
		return answer{}, fmt.Errorf("password: field of %d bytes for the hash process", max(len(pw), len(stored)))
	}
	proc, err := p.take()
	if errors.Is(err, errPoolClosed) {
		return answer{}, err
	}
	if err == nil {
		var a answer
		if a, err = proc.call(op, pw, stored); err == nil {
			p.put(proc)
			p.runs.Add(1)
			p.cpu.Add(int64(a.cpu))
			return a, nil
		}
		proc.kill()
	}
	p.failures.Add(1)
	p.log.Warn("password hash process failed: hashing in the server", "err", err)
	return answer{}, err
}

func (p *ProcessPool) take() (*hashProc, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errPoolClosed
	}
	if n := len(p.idle); n > 0 {
		proc := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return proc, nil
	}
	p.mu.Unlock()
	return p.start()
}

func (p *ProcessPool) put(proc *hashProc) {
	proc.used = time.Now()
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		proc.retire()
		return
	}
	p.idle = append(p.idle, proc)
	if p.timer == nil {
		p.timer = time.AfterFunc(p.idleAfter, p.retireIdle)
	}
	p.mu.Unlock()
}

// retireIdle retires the processes idle for idleAfter, and looks again
// while some are kept.
func (p *ProcessPool) retireIdle() {
	cutoff := time.Now().Add(-p.idleAfter)
	var old []*hashProc
	p.mu.Lock()
	keep := p.idle[:0]
	for _, proc := range p.idle {
		if proc.used.Before(cutoff) {
			old = append(old, proc)
		} else {
			keep = append(keep, proc)
		}
	}
	p.idle = keep
	if len(keep) > 0 {
		p.timer.Reset(time.Until(keep[0].used.Add(p.idleAfter)))
	} else {
		p.timer = nil
	}
	p.mu.Unlock()
	for _, proc := range old {
		proc.retire()
	}
}

// start starts a hash process, from a thread of its own whose priority it
// lowers first, because a new process inherits the priority of the thread
// that started it.
func (p *ProcessPool) start() (*hashProc, error) {
	ch := make(chan started, 1)
	go p.startLowered(ch)
	s := <-ch
	if s.err != nil {
		return nil, s.err
	}
	p.starts.Add(1)
	p.live.Add(1)
	p.lowered.Store(s.lowered)
	s.proc.onExit = func() { p.live.Add(-1) }
	return s.proc, nil
}

type started struct {
	proc    *hashProc
	err     error
	lowered bool
}

// startLowered runs on a thread locked to it: it lowers the thread's
// priority, starts the process and returns still locked, which ends the
// thread, so that no other goroutine ever runs at that priority. The
// main thread is never used: the runtime parks it, rather than ending it,
// when its goroutine exits locked, and the whole server would show that
// niceness. Holding it, startLowered starts again from a goroutine that
// cannot run there, and gives the main thread back once that is done.
func (p *ProcessPool) startLowered(ch chan<- started) {
	runtime.LockOSThread() // never unlocked, but on the main thread
	if onMainThread() {
		done := make(chan struct{})
		go func() {
			defer close(done)
			p.startLowered(ch)
		}()
		<-done
		runtime.UnlockOSThread()
		return
	}
	lowered := false
	if p.schedIdle {
		if err := idleThreadPolicy(); err != nil {
			p.schedIdleWarning.Do(func() {
				p.log.Warn("password hash processes run without SCHED_IDLE", "err", err)
			})
		} else {
			lowered = true
		}
	}
	if p.nice > 0 {
		if err := lowerThreadPriority(p.nice); err != nil {
			p.niceWarning.Do(func() {
				p.log.Warn("password hash processes run at the server's niceness", "hash_nice", p.nice, "err", err)
			})
		} else {
			lowered = true
		}
	}
	proc, err := startHashProcess(p.exe, p.params)
	ch <- started{proc, err, lowered}
}

// hashProc is one running hash process.
type hashProc struct {
	cmd    *exec.Cmd
	in     *os.File // its stdin
	out    *os.File // its stdout
	w      *bufio.Writer
	r      *bufio.Reader
	used   time.Time
	onExit func()
	once   sync.Once
}

func startHashProcess(exe string, params argon2id.Params) (*hashProc, error) {
	cmd := exec.Command(exe)
	// Only what the process needs: no secrets of the server's environment
	// (database URLs, the master key) reach it. One P: a hash is one lane.
	cmd.Env = []string{processEnv + "=" + processParams(params), "GOMAXPROCS=1"}
	cmd.Stderr = os.Stderr
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	cmd.Stdin, cmd.Stdout = inR, outW
	err = cmd.Start()
	inR.Close() // the child holds its own copies
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("password: start hash process: %w", err)
	}
	return &hashProc{cmd: cmd, in: inW, out: outR, w: bufio.NewWriter(inW), r: bufio.NewReader(outR)}, nil
}

func (h *hashProc) call(op byte, pw, stored string) (answer, error) {
	return h.callWithin(callTimeout, op, pw, stored)
}

func (h *hashProc) callWithin(d time.Duration, op byte, pw, stored string) (answer, error) {
	deadline := time.Now().Add(d)
	_ = h.in.SetWriteDeadline(deadline)
	_ = h.out.SetReadDeadline(deadline)
	_ = h.w.WriteByte(op)
	writeField(h.w, pw)
	writeField(h.w, stored)
	if err := h.w.Flush(); err != nil {
		return answer{}, fmt.Errorf("password: hash process: %w", err)
	}
	a, err := readAnswer(h.r)
	if err != nil {
		return answer{}, fmt.Errorf("password: hash process: %w", err)
	}
	return a, nil
}

// retire closes the process's stdin, so it exits once idle; kill ends it
// at once. Either reaps it.
func (h *hashProc) retire() { h.end(false) }
func (h *hashProc) kill()   { h.end(true) }

func (h *hashProc) end(kill bool) {
	h.once.Do(func() {
		if kill {
			_ = h.cmd.Process.Kill()
		}
		h.in.Close()
		go func() {
			_ = h.cmd.Wait()
			h.out.Close()
			if h.onExit != nil {
				h.onExit()
			}
		}()
	})
}

package app

import (
	"context"
	"errors"
	"os"
	"runtime/debug"
	"time"

	"github.com/admit-idp/admit/cmd/admit/app/idletrim"
	"github.com/admit-idp/admit/login/password"
)

// DefaultMemoryLimit is the Go runtime's soft memory limit when GOMEMLIMIT
// is not set (see README "Footprint"). Under login load most of the heap is
// argon2id buffers (19 MiB each with OWASP parameters) that die with their
// request; with GOGC's default alone the heap grows to twice its peak live
// size before a collection returns them. The limit makes the collector run
// earlier instead. It is soft: a process that needs more (many hashes at
// once) gets it, and the runtime caps the collector's CPU share (50%), so
// it cannot spiral. Operators set GOMEMLIMIT (or GOGC) to override it.
const DefaultMemoryLimit = 128 << 20

// ApplyMemoryDefaults sets DefaultMemoryLimit unless GOMEMLIMIT is set.
// Only `admit serve` calls it; tests and operator commands keep the
// runtime's defaults.
func ApplyMemoryDefaults() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(DefaultMemoryLimit)
	}
}

// ReleaseStartupMemory returns to the OS, at once, the memory start-up used
// and no longer needs: migrations, key generation, and the development
// seeding's hashes when hash processes are off (with them on, the seeding
// hashes there). The runtime's background scavenger would return it only
// over minutes, so an idle node looked larger than it is. Call it once,
// right before serving.
func ReleaseStartupMemory() { debug.FreeOSMemory() }

// HashIdleRelease is how long the hash budget must stay idle before the
// hashes' memory is returned to the OS (ReleaseHashMemoryWhenIdle).
const HashIdleRelease = 2 * time.Second

// ReleaseHashMemoryWhenIdle returns the memory of finished password hashes
// to the OS once no hash has run or waited for HashIdleRelease. Each
// argon2id allocates 19 MiB that is garbage when it returns, but an idle
// process runs no collection to find that out (the runtime forces one only
// every two minutes) and its scavenger then returns freed pages only
// slowly: a node idle after one login kept about 20 MiB more than it
// needed. A forced collection after a busy spell costs a few milliseconds;
// logins that follow each other within HashIdleRelease (a surge) never
// trigger it. With hash processes the buffers are never in the server's
// heap, so there is nothing to release: the processes return their own
// (login/password.ProcessPool), and the rare hash that falls back to the
// server is released by the idle trim. Only `admit serve` calls it, after
// StartHashProcesses.
func (a *App) ReleaseHashMemoryWhenIdle() {
	if a.Hasher.Processes() == nil {
		a.Hasher.Budget().OnIdle(HashIdleRelease, debug.FreeOSMemory)
	}
}

// StartHashProcesses makes the server's password hashes run in child
// processes of its own binary at niceness hash_nice
// (login/password.ProcessPool), unless hash_processes is off. It starts
// one at once, so that a binary or system that refuses either is logged
// before the first sign-in; the hashes then run in the server. Only
// `admit serve` calls it; the returned stop retires the processes.
func (a *App) StartHashProcesses() (stop func()) {
	if !a.Config.Hash.Processes {
		return func() {}
	}
	exe, err := hashProcessBinary()
	if err != nil {
		a.Logger.Warn("password hashes run in the server: no executable to start as hash processes", "err", err)
		return func() {}
	}
	pool := password.NewProcessPool(exe, a.Hasher.Params(), a.Config.Hash.Nice, a.Logger)
	if a.Config.Hash.SchedIdle {
		pool.WithSchedIdle()
	}
	lowered, err := pool.Check()
	if err != nil {
		a.Logger.Warn("password hashes run in the server: the hash process did not start", "err", err)
		return func() {}
	}
	if !lowered && (a.Config.Hash.Nice > 0 || a.Config.Hash.SchedIdle) {
		a.Logger.Warn("password hash processes run at the server's priority: a login surge can slow the token endpoints", "hash_nice", a.Config.Hash.Nice, "hash_sched_idle", a.Config.Hash.SchedIdle)
	}
	a.Hasher.UseProcesses(pool)
	a.Metrics.observeHashProcesses(pool)
	return pool.Close
}

// hashProcessBinary is the binary to start as hash processes: this very
// one. On Linux that is /proc/self/exe, which still names it after an
// upgrade replaced the file on disk, when a process started from the
// path would run the new binary, whose protocol this server may not
// speak. Elsewhere, the path the server was started from.
func hashProcessBinary() (string, error) {
	const self = "/proc/self/exe"
	if _, err := os.Stat(self); err == nil {
		return self, nil
	}
	return os.Executable()
}

// idleTrimmer returns idle memory once the server has served no request
// but probes for idle_trim_after (cmd/admit/app/idletrim); nil when that
// is 0. Only `admit serve` runs it (RunIdleTrim); in tests its middleware
// only counts.
func (a *App) idleTrimmer() *idletrim.Trimmer {
	if a.Config.Footprint.IdleTrimAfter <= 0 {
		return nil
	}
	return idletrim.New(a.Config.Footprint.IdleTrimAfter, a.trimIdleMemory, healthzPath, readyzPath, metricsPath)
}

// RunIdleTrim trims idle memory until ctx ends; see idleTrimmer.
func (a *App) RunIdleTrim(ctx context.Context) {
	if a.idle != nil {
		a.idle.Run(ctx)
	}
}

// trimIdleMemory returns the heap the runtime has freed and asks the
// kernel to reclaim the pages of Admit's binary that start-up and the last
// requests read (idletrim.PageOutExecutable): about 40 MiB of RSS on a
// node whose binary the page cache holds in large folios, 25 in small
// pages (docs/benchmarks.md).
func (a *App) trimIdleMemory() {
	debug.FreeOSMemory()
	advised, err := idletrim.PageOutExecutable()
	switch {
	case errors.Is(err, idletrim.ErrUnsupported):
		a.Logger.Debug("idle: heap returned; this system cannot page out the binary", "err", err)
	case err != nil:
		a.Logger.Warn("idle: paging out the binary failed", "err", err)
	default:
		a.Logger.Debug("idle: heap returned and the binary's pages released", "mapped_mib", advised>>20)
	}
	a.Metrics.idleTrims.Inc()
}

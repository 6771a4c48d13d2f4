package password

import (
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// lowerThreadPriority raises the calling thread's niceness by `by` (to at
// most 19), as nice(1) does: relative, so that a server already running
// at a niceness keeps its hashes below itself, and one running as root
// never raises their priority. On Linux, setpriority(PRIO_PROCESS, tid)
// applies to that one thread, and a process the thread starts inherits it
// (sched(7)).
func lowerThreadPriority(by int) error {
	tid := unix.Gettid()
	// The raw system call answers 20 − niceness (getpriority(2), "C
	// library/kernel differences").
	raw, err := unix.Getpriority(unix.PRIO_PROCESS, tid)
	if err != nil {
		return err
	}
	return unix.Setpriority(unix.PRIO_PROCESS, tid, min(19, 20-raw+by))
}

// idleThreadPolicy puts the calling thread under SCHED_IDLE (sched(7)):
// the kernel runs it only when no task of the normal policy wants that
// CPU, and a waking normal task preempts it at once, where a niced task
// keeps the CPU to the end of its slice. A process the thread starts
// inherits the policy. An unprivileged thread may always move itself to
// SCHED_IDLE; it could not move back, which is one more reason the thread
// ends after starting the process.
func idleThreadPolicy() error {
	return unix.SchedSetAttr(0, &unix.SchedAttr{Policy: unix.SCHED_IDLE}, 0)
}

// onMainThread reports whether the caller runs on the process's main
// thread, which the runtime parks rather than ends when a goroutine
// locked to it exits.
func onMainThread() bool { return unix.Gettid() == unix.Getpid() }

// processCPU is this process's CPU time (user and system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

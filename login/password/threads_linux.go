package password

import "golang.org/x/sys/unix"

// lowerThreadPriority raises the calling thread's niceness to nice. On
// Linux, setpriority(PRIO_PROCESS, tid) applies to that one thread, and a
// process the thread starts inherits it (sched(7)).
func lowerThreadPriority(nice int) error {
	return unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), nice)
}

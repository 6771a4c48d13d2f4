//go:build !linux

package password

import (
	"errors"
	"time"
)

// lowerThreadPriority: only Linux lets one thread lower its priority (and
// pass it to the processes it starts); elsewhere the hash processes run
// at the server's priority.
func lowerThreadPriority(int) error {
	return errors.New("password: lowering one thread's priority needs Linux")
}

// idleThreadPolicy: SCHED_IDLE is Linux's.
func idleThreadPolicy() error {
	return errors.New("password: SCHED_IDLE needs Linux")
}

func onMainThread() bool { return false }

// processCPU is not measured outside Linux: the hash processes report no
// CPU time there.
func processCPU() time.Duration { return 0 }

//go:build !unix

package browsertest

import "os/exec"

// killProcessGroupOnCancel falls back to killing node alone; cmd.WaitDelay
// still bounds the wait for pipes a surviving browser keeps open.
func killProcessGroupOnCancel(*exec.Cmd) {}

// lockFile does not lock: the browser tests run on Linux, where
// proc_unix.go takes a real lock.
func lockFile(string) (func(), error) { return func() {}, nil }

package main

import (
	"errors"
	"io"
	"strings"
	"testing"
)

var errClosedPipe = errors.New("write: broken pipe")

// failingWriter accepts ok writes, then fails every one, like standard
// output piped into a process that has exited.
type failingWriter struct{ ok int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.ok == 0 {
		return 0, errClosedPipe
	}
	w.ok--
	return len(p), nil
}

// runFailingStdout runs the command with env and a standard output that
// fails after ok writes.
func runFailingStdout(t *testing.T, env map[string]string, ok int, args ...string) error {
	t.Helper()
	getenv := func(k string) string { return env[k] }
	return run(t.Context(), args, getenv, strings.NewReader(""), &failingWriter{ok: ok}, io.Discard)
}

// TestLostOutputIsAnError: a command whose output cannot be written fails,
// rather than exiting 0 with a secret shown once and never seen.
func TestLostOutputIsAnError(t *testing.T) {
	t.Run("master key", func(t *testing.T) {
		if err := runFailingStdout(t, map[string]string{}, 0, "keys", "master-key"); !errors.Is(err, errClosedPipe) {
			t.Fatalf("keys master-key: %v, want the write error", err)
		}
	})
	t.Run("client secret", func(t *testing.T) {
		c := newCLI(t)
		// "client lost created" is written, the secret is not.
		err := runFailingStdout(t, c.env, 1, "clients", "add", "--id", "lost", "--redirect-uri", "https://shop.example.com/cb")
		if !errors.Is(err, errClosedPipe) || !strings.Contains(err.Error(), "secret could not be printed") {
			t.Fatalf("clients add: %v, want the write error", err)
		}
	})
}

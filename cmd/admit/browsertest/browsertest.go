package browsertest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

const (
	// ChromiumPath is the only browser the scripts use (see scripts/lib.mjs).
	ChromiumPath = "/usr/bin/chromium"
	// ChromiumInstall is the command that provides ChromiumPath.
	ChromiumInstall = "apt-get install -y chromium"

	// scriptTimeout bounds one script run; the scripts' own waits are 30 s,
	// so this only fires when something hangs outside them.
	scriptTimeout = 2 * time.Minute
	// killGrace is how long Run waits for output pipes after killing the
	// script, in case a browser process escaped the process group.
	killGrace = 10 * time.Second
	// resultPrefix marks the stdout lines a script reports back with.
	resultPrefix = "RESULT "
)

// Dir returns the absolute path of the cmd/admit/browsertest directory, where
// package.json, node_modules and scripts/ live.
func Dir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("browsertest: runtime.Caller failed; cannot locate the package directory")
	}
	return filepath.Dir(file)
}

// Run runs node script (a path relative to Dir, e.g. "scripts/login.mjs")
// with env added to the process environment, failing t with the script's
// output on a non-zero exit or a timeout of 2 minutes. It first makes sure
// node, Chromium and node_modules are there, running `npm ci` if needed.
// SCREENSHOT_DIR defaults to t.ArtifactDir(). The JSON of every stdout line
// "RESULT {json}" is returned in order.
func Run(t testing.TB, script string, env map[string]string) []json.RawMessage {
	t.Helper()
	dir := Dir()
	if err := checkPrerequisites(t.Context(), dir); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	if _, ok := env["SCREENSHOT_DIR"]; !ok {
		env = withDefault(env, "SCREENSHOT_DIR", t.ArtifactDir())
	}

	start := time.Now()
	stdout, stderr, err := runNode(t.Context(), dir, script, env)
	if err != nil {
		t.Fatalf("browsertest: node %s: %v\n--- stdout ---\n%s\n--- stderr ---\n%s", script, err, stdout, stderr)
	}
	results, other, err := parseResults(stdout)
	if err != nil {
		t.Fatalf("browsertest: node %s: %v\n--- stdout ---\n%s\n--- stderr ---\n%s", script, err, stdout, stderr)
	}
	t.Logf("browsertest: %s finished in %s with %d result(s)", script, time.Since(start).Round(time.Millisecond), len(results))
	if out := strings.TrimSpace(other + stderr); out != "" {
		t.Logf("browsertest: %s output:\n%s", script, out)
	}
	return results
}

// checkPrerequisites fails with the fix for the first thing missing.
func checkPrerequisites(ctx context.Context, dir string) error {
	if _, err := exec.LookPath("node"); err != nil {
		return fmt.Errorf("node is not on PATH (install it with `apt-get install -y nodejs npm`): %w", err)
	}
	if _, err := os.Stat(ChromiumPath); err != nil {
		return fmt.Errorf("%s is missing; install it with `%s`: %w", ChromiumPath, ChromiumInstall, err)
	}
	if err := ensureNodeModules(ctx, dir); err != nil {
		return fmt.Errorf("install node_modules: %w", err)
	}
	return nil
}

// withDefault returns a copy of env with key set, leaving the caller's map alone.
func withDefault(env map[string]string, key, value string) map[string]string {
	out := make(map[string]string, len(env)+1)
	for k, v := range env {
		out[k] = v
	}
	out[key] = value
	return out
}

// runNode runs the script to completion and returns its output.
func runNode(ctx context.Context, dir, script string, env map[string]string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(ctx, scriptTimeout)
	defer cancel()

	cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, filepath.FromSlash(script)))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), envList(env)...)
	var outBuf, errBuf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outBuf, &errBuf
	// Chromium runs as node's children; killing only node would leave the
	// browser holding the output pipes open.
	killProcessGroupOnCancel(cmd)
	cmd.WaitDelay = killGrace

	err = cmd.Run()
	if ctxErr := ctx.Err(); errors.Is(ctxErr, context.DeadlineExceeded) {
		err = fmt.Errorf("timed out after %s: %w", scriptTimeout, ctxErr)
	} else if err != nil {
		err = fmt.Errorf("run: %w", err)
	}
	return outBuf.String(), errBuf.String(), err
}

// envList turns env into KEY=value entries in a stable order.
func envList(env map[string]string) []string {
	list := make([]string, 0, len(env))
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	sort.Strings(list)
	return list
}

// parseResults splits stdout into the JSON of its RESULT lines and the rest.
func parseResults(stdout string) (results []json.RawMessage, other string, err error) {
	var rest strings.Builder
	sc := bufio.NewScanner(strings.NewReader(stdout))
	// A result may carry a whole page's text; allow far more than the 64 KiB default.
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := sc.Text()
		payload, ok := strings.CutPrefix(line, resultPrefix)
		if !ok {
			rest.WriteString(line)
			rest.WriteByte('\n')
			continue
		}
		if !json.Valid([]byte(payload)) {
			return nil, "", fmt.Errorf("RESULT line is not valid JSON: %q", payload)
		}
		results = append(results, json.RawMessage(payload))
	}
	if err := sc.Err(); err != nil {
		return nil, "", fmt.Errorf("read script output: %w", err)
	}
	return results, rest.String(), nil
}

package browsertest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fatalRecorder is a testing.TB whose Fatal stops only the goroutine that
// called it, so a test can check that Run fails, and how.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (f *fatalRecorder) Fatal(args ...any) {
	f.msg = fmt.Sprint(args...)
	runtime.Goexit()
}

// expectFatal runs fn with a fatalRecorder and returns the fatal message,
// failing t if fn finished without one.
func expectFatal(t *testing.T, fn func(tb testing.TB)) string {
	t.Helper()
	rec := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(rec)
	}()
	<-done
	if rec.msg == "" {
		t.Fatal("Run did not fail the test")
	}
	return rec.msg
}

func TestDir(t *testing.T) {
	dir := Dir()
	if !filepath.IsAbs(dir) {
		t.Errorf("Dir() = %q is not absolute", dir)
	}
	for _, name := range []string{"package.json", "package-lock.json", "scripts/lib.mjs", "scripts/login.mjs"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("Dir() = %q lacks %s: %v", dir, name, err)
		}
	}
}

func TestRunParsesResultsAndPassesEnv(t *testing.T) {
	results := Run(t, "testdata/results.mjs", map[string]string{"GREETING": "hello there"})
	if len(results) != 2 {
		t.Fatalf("got %d results, want 2: %s", len(results), results)
	}
	var first struct {
		N        int    `json:"n"`
		Greeting string `json:"greeting"`
	}
	if err := json.Unmarshal(results[0], &first); err != nil {
		t.Fatal(err)
	}
	if first.N != 1 || first.Greeting != "hello there" {
		t.Errorf("first result = %+v", first)
	}
	var second struct {
		N           int    `json:"n"`
		Screenshots string `json:"screenshots"`
	}
	if err := json.Unmarshal(results[1], &second); err != nil {
		t.Fatal(err)
	}
	if second.N != 2 || second.Screenshots == "" {
		t.Errorf("second result = %+v; SCREENSHOT_DIR should default to the artifact dir", second)
	}
}

func TestRunFailsOnNonZeroExit(t *testing.T) {
	msg := expectFatal(t, func(tb testing.TB) { Run(tb, "testdata/exit3.mjs", nil) })
	for _, want := range []string{"exit status 3", "something broke on purpose", "testdata/exit3.mjs"} {
		if !strings.Contains(msg, want) {
			t.Errorf("failure message lacks %q:\n%s", want, msg)
		}
	}
}

func TestRunRejectsMalformedResult(t *testing.T) {
	msg := expectFatal(t, func(tb testing.TB) { Run(tb, "testdata/badresult.mjs", nil) })
	if !strings.Contains(msg, "not valid JSON") {
		t.Errorf("failure message does not name the bad RESULT:\n%s", msg)
	}
}

func TestParseResults(t *testing.T) {
	results, other, err := parseResults("a\nRESULT {\"x\":1}\nRESULTS are not results\nRESULT [2]\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 || string(results[0]) != `{"x":1}` || string(results[1]) != `[2]` {
		t.Errorf("results = %s", results)
	}
	if other != "a\nRESULTS are not results\n" {
		t.Errorf("other output = %q", other)
	}
}

func TestNodeModulesMatchLock(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("package-lock.json", `{"packages":{"":{"name":"x"},"node_modules/a":{"version":"1.2.3"},"node_modules/opt":{"version":"1.0.0","optional":true}}}`)

	if err := nodeModulesMatchLock(dir); err == nil || !strings.Contains(err.Error(), "not installed") {
		t.Errorf("missing package: err = %v", err)
	}
	write("node_modules/a/package.json", `{"version":"1.2.2"}`)
	if err := nodeModulesMatchLock(dir); err == nil || !strings.Contains(err.Error(), "wants 1.2.3") {
		t.Errorf("stale package: err = %v", err)
	}
	write("node_modules/a/package.json", `{"version":"1.2.3"}`)
	if err := nodeModulesMatchLock(dir); err != nil {
		t.Errorf("installed as locked (optional one skipped): err = %v", err)
	}
}

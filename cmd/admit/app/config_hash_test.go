package app_test

import (
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/admit-idp/admit/cmd/admit/app"
)

// TestHashSettings: the hash budget's size and queue wait come from the
// defaults, the YAML file and ADMIT_HASH_*; bad values are refused at start.
func TestHashSettings(t *testing.T) {
	file := settingsFile(t, "hash_concurrency: 3\nhash_queue_wait: 2s\n")
	for _, c := range []struct {
		name      string
		env       map[string]string
		args      []string
		slots     int
		wait      time.Duration
		procsOff  bool
		schedIdle bool
		nice      int // 0: app.DefaultHashNice
		wantError string
	}{
		{name: "defaults", slots: max(1, runtime.GOMAXPROCS(0)-1), wait: 5 * time.Second},
		{name: "hash processes off, own niceness", env: map[string]string{"ADMIT_HASH_PROCESSES": "false", "ADMIT_HASH_NICE": "3"}, slots: max(1, runtime.GOMAXPROCS(0)-1), wait: 5 * time.Second, procsOff: true, nice: 3},
		{name: "sched idle", env: map[string]string{"ADMIT_HASH_SCHED_IDLE": "true"}, slots: max(1, runtime.GOMAXPROCS(0)-1), wait: 5 * time.Second, schedIdle: true},
		{name: "sched idle not a boolean", env: map[string]string{"ADMIT_HASH_SCHED_IDLE": "sometimes"}, wantError: "ADMIT_HASH_SCHED_IDLE"},
		{name: "processes not a boolean", env: map[string]string{"ADMIT_HASH_PROCESSES": "maybe"}, wantError: "ADMIT_HASH_PROCESSES"},
		{name: "nice not a number", env: map[string]string{"ADMIT_HASH_NICE": "low"}, wantError: "ADMIT_HASH_NICE"},
		{name: "nice too high", env: map[string]string{"ADMIT_HASH_NICE": "20"}, wantError: "hash_nice 20"},
		{name: "nice negative", env: map[string]string{"ADMIT_HASH_NICE": "-5"}, wantError: "hash_nice -5"},
		{name: "environment", env: map[string]string{"ADMIT_HASH_CONCURRENCY": "4", "ADMIT_HASH_QUEUE_WAIT": "750ms"}, slots: 4, wait: 750 * time.Millisecond},
		{name: "file", args: []string{"--config", file}, slots: 3, wait: 2 * time.Second},
		{name: "environment over file", args: []string{"--config", file}, env: map[string]string{"ADMIT_HASH_CONCURRENCY": "1"}, slots: 1, wait: 2 * time.Second},
		{name: "not a number", env: map[string]string{"ADMIT_HASH_CONCURRENCY": "many"}, wantError: "ADMIT_HASH_CONCURRENCY"},
		{name: "negative", env: map[string]string{"ADMIT_HASH_CONCURRENCY": "-1"}, wantError: "hash_concurrency -1"},
		{name: "too many", env: map[string]string{"ADMIT_HASH_CONCURRENCY": "257"}, wantError: "hash_concurrency 257"},
		{name: "not a duration", env: map[string]string{"ADMIT_HASH_QUEUE_WAIT": "soon"}, wantError: "ADMIT_HASH_QUEUE_WAIT"},
		{name: "wait too short", env: map[string]string{"ADMIT_HASH_QUEUE_WAIT": "10ms"}, wantError: "hash_queue_wait 10ms"},
		{name: "wait too long", env: map[string]string{"ADMIT_HASH_QUEUE_WAIT": "2m"}, wantError: "hash_queue_wait 2m0s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, ok := loadSettings(t, c.args, c.env, c.wantError)
			if !ok {
				return
			}
			if cfg.Hash.Slots() != c.slots || cfg.Hash.QueueWait != c.wait {
				t.Fatalf("slots %d, wait %s; want %d, %s", cfg.Hash.Slots(), cfg.Hash.QueueWait, c.slots, c.wait)
			}
			wantNice := c.nice
			if wantNice == 0 {
				wantNice = app.DefaultHashNice
			}
			if cfg.Hash.Processes == c.procsOff || cfg.Hash.Nice != wantNice || cfg.Hash.SchedIdle != c.schedIdle {
				t.Fatalf("processes %v, nice %d, sched idle %v; want %v, %d, %v", cfg.Hash.Processes, cfg.Hash.Nice, cfg.Hash.SchedIdle, !c.procsOff, wantNice, c.schedIdle)
			}
		})
	}
}

// settingsFile writes a YAML configuration file for a settings test.
func settingsFile(t *testing.T, yaml string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "admit.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// loadSettings loads the configuration from args and env. With wantError
// set, loading must fail with an error containing it, and ok is false;
// otherwise it must succeed.
func loadSettings(t *testing.T, args []string, env map[string]string, wantError string) (cfg app.Config, ok bool) {
	t.Helper()
	cfg, err := app.LoadConfig(flag.NewFlagSet("t", flag.ContinueOnError), args, envMap(env))
	if wantError != "" {
		if err == nil || !strings.Contains(err.Error(), wantError) {
			t.Fatalf("error %v; want one naming %q", err, wantError)
		}
		return cfg, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return cfg, true
}

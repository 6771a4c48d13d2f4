package app_test

import (
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/cmd/admit/app"
)

// TestSignInHashesInAHashProcess: with hash processes on (as `admit serve`
// runs), a real sign-in's password check runs in a child process at the
// configured niceness, the metrics count it with its CPU time, and the
// sign-in completes as before.
func TestSignInHashesInAHashProcess(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnvWith(t, b, envOptions{configure: func(c *app.Config) { c.Hash.Processes, c.Hash.Nice = true, 5 }})
			stop := e.app.StartHashProcesses()
			t.Cleanup(stop)
			pool := e.app.Hasher.Processes()
			if pool == nil {
				t.Fatal("hash processes did not start")
			}
			before := pool.Stats()
			r := e.rp(app.DemoClientID, app.DemoClientSecret)
			ar := r.start()
			cb := e.browser().login(ar, app.DemoUserEmail, app.DemoUserPassword)
			if _, err := r.oauth.Exchange(t.Context(), cb.Query().Get("code"), oauth2.VerifierOption(ar.verifier)); err != nil {
				t.Fatal(err)
			}
			after := pool.Stats()
			if after.Runs != before.Runs+1 || after.CPU <= before.CPU || after.Failures != 0 {
				t.Fatalf("hash processes before %+v, after %+v: want the sign-in's one hash there", before, after)
			}
			if !after.Lowered {
				t.Fatal("the hash process runs at the server's priority")
			}
			resp, err := http.Get(e.issuer + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, m := range []string{"admit_hash_process_runs_total ", "admit_hash_process_cpu_seconds_total ", "admit_hash_process_low_priority 1"} {
				if !strings.Contains(string(body), m) {
					t.Errorf("/metrics lacks %q", m)
				}
			}
		})
	}
}

// TestHashProcessesOff: hash_processes off keeps the hashes in the server.
func TestHashProcessesOff(t *testing.T) {
	e := newEnvWith(t, memoryBackend, envOptions{configure: func(c *app.Config) { c.Hash.Processes = false }})
	e.app.StartHashProcesses()()
	if e.app.Hasher.Processes() != nil {
		t.Fatal("hash processes started with hash_processes off")
	}
}

// TestHashSchedIdle: hash_sched_idle reaches the pool: with hash_nice 0,
// only SCHED_IDLE can have lowered the processes' priority.
func TestHashSchedIdle(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("SCHED_IDLE is Linux's")
	}
	e := newEnvWith(t, memoryBackend, envOptions{configure: func(c *app.Config) { c.Hash.Processes, c.Hash.Nice, c.Hash.SchedIdle = true, 0, true }})
	t.Cleanup(e.app.StartHashProcesses())
	pool := e.app.Hasher.Processes()
	if pool == nil {
		t.Fatal("hash processes did not start")
	}
	if s := pool.Stats(); !s.Lowered || s.Starts != 1 {
		t.Fatalf("pool %+v: want the process its start-up check started under SCHED_IDLE", s)
	}
}

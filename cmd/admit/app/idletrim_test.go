package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/admit-idp/admit/cmd/admit/app"
)

// TestIdleTrimSettings: idle_trim_after comes from the default, the YAML
// file and ADMIT_IDLE_TRIM_AFTER; bad values are refused at start.
func TestIdleTrimSettings(t *testing.T) {
	file := settingsFile(t, "idle_trim_after: 2m\n")
	for _, c := range []struct {
		name      string
		env       map[string]string
		args      []string
		want      time.Duration
		wantError string
	}{
		{name: "default", want: app.DefaultIdleTrimAfter},
		{name: "file", args: []string{"--config", file}, want: 2 * time.Minute},
		{name: "environment over file", args: []string{"--config", file}, env: map[string]string{"ADMIT_IDLE_TRIM_AFTER": "45s"}, want: 45 * time.Second},
		{name: "off", env: map[string]string{"ADMIT_IDLE_TRIM_AFTER": "0"}, want: 0},
		{name: "not a duration", env: map[string]string{"ADMIT_IDLE_TRIM_AFTER": "later"}, wantError: `ADMIT_IDLE_TRIM_AFTER "later": want a duration such as 30s`},
		{name: "too short", env: map[string]string{"ADMIT_IDLE_TRIM_AFTER": "1s"}, wantError: "idle_trim_after 1s"},
		{name: "too long", env: map[string]string{"ADMIT_IDLE_TRIM_AFTER": "48h"}, wantError: "idle_trim_after 48h0m0s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, ok := loadSettings(t, c.args, c.env, c.wantError)
			if !ok {
				return
			}
			if cfg.Footprint.IdleTrimAfter != c.want {
				t.Fatalf("idle_trim_after %s, want %s", cfg.Footprint.IdleTrimAfter, c.want)
			}
		})
	}
}

// TestIdleTrim: a server busy with requests keeps its memory; once only
// probes (health checks, metrics scrapes) arrive for idle_trim_after, it
// returns its idle memory once, counted in admit_idle_trims_total.
func TestIdleTrim(t *testing.T) {
	const after = 5 * time.Second
	e := newEnvWith(t, memoryBackend, envOptions{configure: func(c *app.Config) { c.Footprint.IdleTrimAfter = after }})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go e.app.RunIdleTrim(ctx)

	trims := func() string { return metric(t, e, "admit_idle_trims_total") }
	if got := trims(); got != "admit_idle_trims_total 0" {
		t.Fatalf("at start: %q", got)
	}
	// Busy: a discovery request every second for twice idle_trim_after.
	for busyUntil := time.Now().Add(2 * after); time.Now().Before(busyUntil); time.Sleep(time.Second) {
		mustDo(t, mustRequest(t, e.issuer+"/.well-known/openid-configuration")).Body.Close()
		if got := trims(); got != "admit_idle_trims_total 0" {
			t.Fatalf("trimmed while busy: %q", got)
		}
	}
	// Quiet but probed: health checks and scrapes twice a second.
	quietSince := time.Now()
	for {
		mustDo(t, mustRequest(t, e.issuer+"/healthz")).Body.Close()
		got := trims()
		if got == "admit_idle_trims_total 1" {
			if waited := time.Since(quietSince); waited < after {
				t.Fatalf("trimmed %s after the last request, before idle_trim_after (%s)", waited, after)
			}
			break
		}
		if got != "admit_idle_trims_total 0" || time.Since(quietSince) > 4*after {
			t.Fatalf("%s after the last request: %q", time.Since(quietSince), got)
		}
		time.Sleep(500 * time.Millisecond)
	}
	// Once per quiet spell.
	time.Sleep(after / 2)
	if got := trims(); got != "admit_idle_trims_total 1" {
		t.Fatalf("a second trim in the same quiet spell: %q", got)
	}
	// The code paged out is read back: the next request is served.
	resp := mustDo(t, mustRequest(t, e.issuer+"/.well-known/openid-configuration"))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("discovery after the trim: %d", resp.StatusCode)
	}
}

package app_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/login/defence"
	"github.com/admit-idp/admit/storage"
)

// withoutRateLimits: throughput benchmarks send everything from one IP and
// one client, which the per-IP login limit (5/min) and the per-client
// token limits would refuse; BenchmarkLoginDefences measures the cost of
// the defences themselves.
func withoutRateLimits(e *env) *env {
	e.app.Defences.Policy.RateLimits = false
	return e
}

// BenchmarkLoginDefences times the password POST of a login (test argon2id
// parameters, so the defences' share is visible) with and without the
// defences (lockout check, rate limits per IP and identifier, CAPTCHA
// check, failure reset, audit record), and reports the p50 in µs:
//
//	go test ./cmd/admit/app -run '^$' -bench LoginDefences -benchtime 2000x
func BenchmarkLoginDefences(b *testing.B) {
	for _, be := range backends {
		for _, on := range []bool{false, true} {
			name := string(be) + "/without"
			if on {
				name = string(be) + "/with"
			}
			b.Run(name+"/new-device", func(b *testing.B) { benchLoginPOST(b, newEnv(b, be), on, false) })
			b.Run(name+"/known-device", func(b *testing.B) { benchLoginPOST(b, newEnv(b, be), on, true) })
		}
	}
}

// benchLoginPOST: a new browser per login (a new device every time, the
// slower path: the device is saved before the login goes on), or one
// browser signing in again with prompt=login (a known device).
func benchLoginPOST(b *testing.B, e *env, on, sameBrowser bool) {
	if on {
		lim := e.app.Defences.Policy.Rates[defence.ActionLogin]
		lim.PerIP, lim.PerIdentifier = storage.Rate{Limit: 1 << 30, Period: time.Minute}, storage.Rate{Limit: 1 << 30, Period: time.Minute}
		e.app.Defences.Policy.Rates[defence.ActionLogin] = lim
	} else {
		e.app.Engine.Defences, e.app.Engine.Audit, e.app.Engine.Devices = nil, nil, nil
	}
	markFirstParty(b, e)
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	client := e.inProcess()
	durations := make([]time.Duration, 0, b.N)
	br := e.browser()
	br.client.Transport = client.Transport
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		if !sameBrowser {
			br = e.browser()
			br.client.Transport = client.Transport
		}
		p := br.get(r.start(oauth2.SetAuthURLParam("prompt", "login")).url)
		b.StartTimer()
		start := time.Now()
		res := br.submitLogin(p, app.DemoUserEmail, app.DemoUserPassword)
		durations = append(durations, time.Since(start))
		if res.status != http.StatusSeeOther && res.location == nil {
			b.Fatalf("login POST: %d", res.status)
		}
	}
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(durations[len(durations)*99/100].Microseconds()), "p99-µs")
}

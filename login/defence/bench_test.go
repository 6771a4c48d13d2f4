package defence

import (
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/audit"
	"github.com/admit-idp/admit/storage/memory"
	redisstore "github.com/admit-idp/admit/storage/redis"
	"github.com/admit-idp/admit/storage/redis/redistest"
)

// BenchmarkLoginDefences is what the defences add to one successful
// password POST: Check (lock of identifier and IP, rate limits per IP and
// identifier), Succeeded (counter reset) and an audit Record (queued), on
// the in-process store and on real Redis. It reports the p50 in µs.
//
//	go test ./login/defence -run '^$' -bench . -benchtime 5000x
func BenchmarkLoginDefences(b *testing.B) {
	client, prefix := redistest.NewClient(b)
	for name, st := range map[string]Store{
		"memory": memory.New(time.Now),
		"redis":  redisstore.New(client, prefix, time.Now),
	} {
		b.Run(name, func(b *testing.B) {
			w := &audit.Writer{Store: memory.New(time.Now), Now: time.Now, Logger: slog.New(slog.DiscardHandler)}
			w.Start()
			defer w.Close(b.Context())
			g := &Guard{Store: st, Policy: DefaultPolicy(), Audit: w, Now: time.Now, Logger: slog.New(slog.DiscardHandler)}
			g.Policy.Rates[ActionLogin] = Limits{PerIP: storage.Rate{Limit: 1 << 30, Period: time.Minute}, PerIdentifier: storage.Rate{Limit: 1 << 30, Period: time.Minute}}
			a := login.Attempt{Action: ActionLogin, Identifier: "ada@example.com", Lockable: true}
			r := req("192.0.2.1")
			d := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				if v, err := g.Check(r, a); err != nil || v.Refused {
					b.Fatal(v, err)
				}
				if err := g.Succeeded(r, a); err != nil {
					b.Fatal(err)
				}
				w.Record(r.Context(), audit.Event{Event: "login", Outcome: audit.Success, UserID: "u1"})
				d = append(d, time.Since(start))
			}
			slices.Sort(d)
			b.ReportMetric(float64(d[len(d)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(d[len(d)*99/100].Microseconds()), "p99-µs")
		})
	}
}

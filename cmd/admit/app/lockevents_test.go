package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/login/defence"
	"github.com/admit-idp/admit/op/events"
	"github.com/admit-idp/admit/storage"
)

// TestLockEventsReachWebhook: five wrong passwords for a known user
// announce user.locked {user_id, until} to a webhook; five for an unknown
// address announce nothing; the e-mailed unlock link announces
// user.unlocked {how: "link"}; a second lock lifted through the admin API
// announces {how: "admin"}, and an unlock with nothing locked announces
// nothing.
func TestLockEventsReachWebhook(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEventsAdminEnv(t, b)
			e.app.Defences.Policy.RateLimits = false // TestLoginRateLimit covers them
			e.app.Defences.Policy.IPMax = 100        // every request comes from 127.0.0.1
			rcv := newHookReceiver(t)
			base := tenantPath(storage.DefaultTenantID)
			e.clock.Advance(time.Second) // the seeded data's events predate the webhook
			created := e.must(http.StatusCreated, e.call(e.platform, http.MethodPost, base+"/webhooks",
				map[string]any{"url": rcv.srv.URL + "/admit", "events": []string{storage.EventUserLocked, storage.EventUserUnlocked}}))
			secret, _ := created.body["secret"].(string)
			rcv.setSecret(secret)
			u, err := e.app.Stores.Durable.GetUserByEmail(context.Background(), storage.DefaultTenantID, app.DemoUserEmail)
			if err != nil {
				t.Fatal(err)
			}
			r := e.rp(app.DemoClientID, app.DemoClientSecret)
			lockOut := func(email string) *browser {
				br := e.browser()
				p := br.get(r.start().url)
				for range 5 {
					p = br.submitLogin(p, email, "wrong-password")
				}
				assertLockPage(t, p, email)
				return br
			}
			received := func(want int) []events.Envelope {
				t.Helper()
				e.env.deliver()
				got := rcv.envelopes()
				if len(got) != want {
					t.Fatalf("received %d events, want %d: %+v", len(got), want, got)
				}
				return got
			}
			payload := func(env events.Envelope) map[string]string {
				t.Helper()
				var d map[string]string
				if err := json.Unmarshal(env.Data, &d); err != nil {
					t.Fatalf("payload %s: %v", env.Data, err)
				}
				if env.TenantID != storage.DefaultTenantID || d["user_id"] != u.ID {
					t.Fatalf("event %s is not the demo user's in its tenant: %+v", env.Type, env)
				}
				return d
			}

			br := lockOut(app.DemoUserEmail)
			lockOut("nobody@example.com") // no user: no event
			got := received(1)
			if got[0].Type != storage.EventUserLocked {
				t.Fatalf("first event %s, want user.locked", got[0].Type)
			}
			until, err := time.Parse(time.RFC3339Nano, payload(got[0])["until"])
			if err != nil || !until.Equal(e.clock.Now().Add(15*time.Minute)) {
				t.Fatalf("until = %v (%v), want the lock's end %v", until, err, e.clock.Now().Add(15*time.Minute))
			}

			// The e-mailed link lifts it.
			link := ""
			for _, l := range mailTo(t, e.env, app.DemoUserEmail, "paused").Links {
				if strings.Contains(l, defence.UnlockPath) {
					link = l
				}
			}
			confirm := br.get(link)
			if p := br.post(defence.UnlockPath, url.Values{"t": {confirm.hidden("t")}, "csrf_token": {confirm.hidden("csrf_token")}}); p.status != http.StatusOK {
				t.Fatalf("unlock: %d %s", p.status, p.body)
			}
			got = received(2)
			if got[1].Type != storage.EventUserUnlocked || payload(got[1])["how"] != storage.UnlockByLink {
				t.Fatalf("after the link: %+v, want user.unlocked by link", got[1])
			}

			// Locked again, lifted by an administrator; a second unlock
			// lifts nothing and says nothing.
			lockOut(app.DemoUserEmail)
			for range 2 {
				e.must(http.StatusNoContent, e.call(e.platform, http.MethodPost, base+"/users/"+u.ID+"/unlock", nil))
			}
			got = received(4)
			if got[2].Type != storage.EventUserLocked || got[3].Type != storage.EventUserUnlocked || payload(got[3])["how"] != storage.UnlockByAdmin {
				t.Fatalf("after the second lock and the admin unlock: %+v", got[2:])
			}
		})
	}
}

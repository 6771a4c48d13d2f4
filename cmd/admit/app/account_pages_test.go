package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/login/account"
	"github.com/admit-idp/admit/storage"
)

// TestAccountListsArePaginated: a user with many sessions and devices sees
// the newest account.ListPageSize of each (the current session first) with
// a link to older ones; following the links shows every item exactly once.
// An edited cursor shows the newest page, and another user's session
// cannot be signed out by its ID.
func TestAccountListsArePaginated(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newAccountsEnv(t, b, nil, nil)
			ctx := context.Background()
			u, err := e.app.Stores.Durable.GetUserByEmail(ctx, storage.DefaultTenantID, app.DemoUserEmail)
			if err != nil {
				t.Fatal(err)
			}
			const extra = 23
			now := e.clock.Now()
			for i := range extra {
				at := now.Add(-time.Duration(i+1) * time.Hour)
				if err := e.app.Stores.Durable.CreateSession(ctx, storage.Session{
					ID: fmt.Sprintf("old-session-%02d", i), TokenHash: fmt.Sprintf("old-session-hash-%02d", i), UserID: u.ID,
					AuthTime: at, CreatedAt: at, LastSeenAt: at, ExpiresAt: now.Add(24 * time.Hour), UserAgent: "Firefox",
				}); err != nil {
					t.Fatal(err)
				}
				if err := e.app.Stores.Durable.SaveDevice(ctx, storage.Device{
					ID: fmt.Sprintf("old-device-%02d", i), UserID: u.ID, TokenHash: fmt.Sprintf("old-device-hash-%02d", i),
					UserAgent: "Firefox", FirstSeen: at, LastSeen: at,
				}); err != nil {
					t.Fatal(err)
				}
			}
			br, _ := e.signIn(app.DemoUserEmail, app.DemoUserPassword)
			first := br.get(e.abs("/account/devices")) // both lists are on the devices page

			sessions := walkList(t, br, e, first, "session", "sessions-older",
				`form[action="/account/sessions/revoke"] input[name="session"]`)
			// extra old sessions plus the current one (listed without a form).
			if len(sessions) != extra {
				t.Errorf("sessions over all pages: %d with a sign-out button, want %d", len(sessions), extra)
			}
			if first.testid("session").First().Find(`[data-testid="current-session"]`).Length() != 1 {
				t.Error("the current session is not listed first")
			}
			devices := walkList(t, br, e, first, "device-row", "devices-older",
				`form[action="/account/devices/forget"] input[name="device"]`)
			if len(devices) < extra { // plus the device this browser signed in from
				t.Errorf("devices over all pages: %d, want at least %d", len(devices), extra)
			}

			bogus := br.get(e.abs("/account/devices?sessions=not-a-cursor&devices=nor-this"))
			if bogus.status != http.StatusOK || bogus.testid("current-session").Length() != 1 || bogus.testid("device-row").Length() != account.ListPageSize {
				t.Errorf("edited cursors: status %d, current session shown %d, devices %d; want the newest pages",
					bogus.status, bogus.testid("current-session").Length(), bogus.testid("device-row").Length())
			}

			// Another user's session ID changes nothing.
			if err := e.app.Stores.Durable.CreateSession(ctx, storage.Session{ID: "someone-else", TokenHash: "someone-else-hash",
				UserID: "someone-else", AuthTime: now, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			br.post("/account/sessions/revoke", url.Values{"csrf_token": {first.hidden("csrf_token")}, "session": {"someone-else"}})
			if _, err := e.app.Stores.Durable.GetSessionByTokenHash(ctx, "someone-else-hash"); err != nil {
				t.Errorf("another user's session was signed out: %v", err)
			}
		})
	}
}

// walkList follows a list's "older" links from p and returns the values of
// the rows' inputs (selector), failing on a page longer than
// account.ListPageSize (+1 for the current session) or an item seen twice.
func walkList(t *testing.T, br *browser, e *env, p page, row, older, selector string) []string {
	t.Helper()
	seen := map[string]bool{}
	var all []string
	for range 10 {
		if n := p.testid(row).Length(); n > account.ListPageSize+1 {
			t.Fatalf("%d %s rows on one page, want at most %d", n, row, account.ListPageSize+1)
		}
		p.doc.Find(selector).Each(func(_ int, s *goquery.Selection) {
			v, _ := s.Attr("value")
			if seen[v] {
				t.Errorf("%s %s listed twice", row, v)
			}
			seen[v] = true
			all = append(all, v)
		})
		href, ok := p.testid(older).Attr("href")
		if !ok {
			return all
		}
		p = br.get(e.abs(href))
		if p.status != http.StatusOK {
			t.Fatalf("%s: %d", href, p.status)
		}
	}
	t.Fatalf("%s: more than 10 pages", row)
	return nil
}

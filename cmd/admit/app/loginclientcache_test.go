package app_test

import (
	"strings"
	"testing"

	"github.com/admit-idp/admit/cmd/admit/app"
)

// TestLoginPagesSeeAClientChangeAtOnce: the login pages read the flow's
// client through the node's row cache (op.Storage.CachedClients). A client
// changed through the durable store (which restamps it) shows on the very
// next login page of a flow started before the change, on every backend.
func TestLoginPagesSeeAClientChangeAtOnce(t *testing.T) {
	for _, be := range backends {
		t.Run(string(be), func(t *testing.T) {
			e := newEnv(t, be)
			r := e.rp(app.DemoClientID, app.DemoClientSecret)
			br := e.browser()
			ar := r.start()
			before := br.get(ar.url) // warms the cache with the client
			c, err := e.app.Stores.Durable.GetClient(t.Context(), app.DemoClientID)
			if err != nil {
				t.Fatal(err)
			}
			if c.Name == "" || !strings.Contains(before.body, c.Name) {
				t.Fatalf("login page does not name the client %q: %s", c.Name, before.body)
			}
			_ = e.app.Stores.Durable.DeleteClient(t.Context(), c.ID)
			c.Name = "Renamed Box Office"
			if err := e.app.Stores.Durable.CreateClient(t.Context(), c); err != nil {
				t.Fatal(err)
			}
			// A failed password attempt renders the login page again, for
			// the same flow: its client is read again.
			again := br.submitLogin(before, app.DemoUserEmail, "wrong password")
			if !strings.Contains(again.body, "Renamed Box Office") {
				t.Fatalf("status %d: login page still shows the old client: %s", again.status, again.body)
			}
		})
	}
}

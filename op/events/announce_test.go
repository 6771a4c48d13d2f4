package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/admit-idp/admit/op/events"
	"github.com/admit-idp/admit/storage"
)

// TestAnnouncingEmits: each change through the announcing store writes the
// catalogue's event (type, user, payload), and a change that fails or
// changes nothing writes none.
func TestAnnouncingEmits(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.createUser(t, "ann")
	now := f.clock.Now()
	sess := storage.Session{ID: "s1", TokenHash: "h1", UserID: "ann", AMR: []string{"pwd"}, AuthTime: now, CreatedAt: now,
		LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	a := f.ann
	cases := []struct {
		name   string
		change func() error
		want   []string // event types, in order
		data   string   // a field of the first event's payload
	}{
		{"profile", func() error { return a.UpdateProfile(ctx, "ann", storage.Profile{GivenName: "Ann"}, now) }, []string{storage.EventUserUpdated}, `"changed":["given_name"]`},
		{"profile unchanged", func() error { return a.UpdateProfile(ctx, "ann", storage.Profile{GivenName: "Ann"}, now) }, nil, ""},
		{"email verified", func() error { return a.SetEmail(ctx, "ann", "ann@example.com", true, now) }, []string{storage.EventUserEmailVerified}, `"user_id":"ann"`},
		{"email changed", func() error { return a.SetEmail(ctx, "ann", "new@example.com", false, now) }, []string{storage.EventUserUpdated}, `"changed":["email"]`},
		{"totp", func() error {
			return a.SaveTOTPCredential(ctx, storage.TOTPCredential{UserID: "ann", Secret: []byte("x"), CreatedAt: now})
		}, []string{storage.EventUserMFAEnrolled}, `"method":"totp"`},
		{"totp removed", func() error { return a.DeleteTOTPCredential(ctx, "ann") }, []string{storage.EventUserMFARemoved}, `"method":"totp"`},
		{"totp removed again", func() error { return a.DeleteTOTPCredential(ctx, "ann") }, nil, ""},
		{"disabled", func() error { return a.SetUserDisabled(ctx, storage.DefaultTenantID, "ann", true, now) }, []string{storage.EventUserDisabled}, `"user_id":"ann"`},
		{"enabled", func() error { return a.SetUserDisabled(ctx, storage.DefaultTenantID, "ann", false, now) }, []string{storage.EventUserEnabled}, `"user_id":"ann"`},
		{"disable nobody", func() error { return a.SetUserDisabled(ctx, storage.DefaultTenantID, "nobody", true, now) }, nil, ""},
		{"session", func() error { return a.CreateSession(ctx, sess) }, []string{storage.EventSessionStarted}, `"amr":["pwd"]`},
		{"sessions ended", func() error { return a.DeleteUserSessions(ctx, "ann") }, []string{storage.EventSessionEnded}, `"session_id":"s1"`},
		{"no session to end", func() error { return a.DeleteSession(ctx, "s1") }, nil, ""},
		{"grant", func() error {
			_, err := a.PutRoleGrant(ctx, storage.RoleGrant{ID: "g1", TenantID: storage.DefaultTenantID, UserID: "ann", Role: "admin", GrantedAt: now})
			return err
		}, []string{storage.EventRoleGranted}, `"role":"admin"`},
		{"revoke", func() error {
			_, err := a.RevokeRoleGrants(ctx, storage.GrantFilter{TenantID: storage.DefaultTenantID, UserID: "ann"}, "cli", now)
			return err
		}, []string{storage.EventRoleRevoked}, `"user_id":"ann"`},
		{"client", func() error { return a.CreateClient(ctx, storage.Client{ID: "c1", Name: "c", CreatedAt: now}) }, []string{storage.EventClientChanged}, `"change":"created"`},
		{"client deleted", func() error { return a.DeleteClient(ctx, "c1") }, []string{storage.EventClientChanged}, `"change":"deleted"`},
		{"deleted", func() error { return a.SoftDeleteUser(ctx, "ann", now) }, []string{storage.EventUserDeleted}, `"user_id":"ann"`},
	}
	before, _ := f.store.ListEvents(ctx, 0, 0)
	if len(before) != 1 || before[0].Type != storage.EventUserCreated {
		t.Fatalf("creating the user wrote %+v", before)
	}
	seen := before[0].Seq
	for _, tc := range cases {
		err := tc.change()
		evs, lerr := f.store.ListEvents(ctx, seen, 0)
		if lerr != nil {
			t.Fatal(lerr)
		}
		if len(evs) > 0 {
			seen = evs[len(evs)-1].Seq
		}
		var types []string
		for _, e := range evs {
			types = append(types, e.Type)
		}
		if !slices.Equal(types, tc.want) {
			t.Errorf("%s (err %v): events %v, want %v", tc.name, err, types, tc.want)
			continue
		}
		if len(evs) > 0 {
			if !json.Valid(evs[0].Data) || !strings.Contains(string(evs[0].Data), tc.data) || evs[0].TenantID != storage.DefaultTenantID {
				t.Errorf("%s: payload %s (tenant %q), want it to contain %s", tc.name, evs[0].Data, evs[0].TenantID, tc.data)
			}
			if evs[0].Type != storage.EventClientChanged && evs[0].UserID != "ann" {
				t.Errorf("%s: ordering key %q, want ann", tc.name, evs[0].UserID)
			}
		}
	}
}

// linksDown is a durable store whose session links cannot be read.
type linksDown struct{ storage.Durable }

var errLinksDown = errors.New("links down")

func (linksDown) SessionLinks(context.Context, string, string) ([]storage.SessionLink, error) {
	return nil, errLinksDown
}

// TestSessionEndNotLostWhenLinksUnreadable: when the clients of the
// sessions about to end cannot be read, the sessions are not deleted
// (the caller gets the error and may retry) — ending them unannounced
// would leave their clients without a logout token.
func TestSessionEndNotLostWhenLinksUnreadable(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.createUser(t, "ann")
	now := f.clock.Now()
	sess := storage.Session{ID: "s1", TokenHash: "h1", UserID: "ann", AuthTime: now, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := f.ann.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	down := events.Announcing{Durable: linksDown{f.store}, Now: f.clock.Now}
	for name, end := range map[string]func() error{
		"DeleteSession":      func() error { return down.DeleteSession(ctx, "s1") },
		"DeleteUserSession":  func() error { return down.DeleteUserSession(ctx, "ann", "s1") },
		"DeleteUserSessions": func() error { return down.DeleteUserSessions(ctx, "ann") },
	} {
		if err := end(); !errors.Is(err, errLinksDown) {
			t.Errorf("%s: %v, want the links' error", name, err)
		}
		if _, err := f.store.GetSessionByTokenHash(ctx, "h1"); err != nil {
			t.Fatalf("%s ended the session unannounced: %v", name, err)
		}
	}
}

package admin_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
	"github.com/admit-idp/admit/storage/memory"
	"github.com/admit-idp/admit/storage/roles"
)

// consoleFixture is a service on a memory store with a Console over it.
type consoleFixture struct {
	*fixture
	c     *admin.Console
	mem   *memory.Store
	mails []string
}

func newConsoleFixture(t *testing.T) *consoleFixture {
	f := newFixture(t)
	mem := f.s.Store.(*memory.Store)
	cf := &consoleFixture{fixture: f, mem: mem}
	f.s.Keys = rotator{}
	cf.c = &admin.Console{Service: f.s, Store: mem,
		MailVerification:  func(_ context.Context, u storage.User) error { cf.mails = append(cf.mails, "verify:"+u.ID); return nil },
		MailPasswordReset: func(_ context.Context, u storage.User) error { cf.mails = append(cf.mails, "reset:"+u.ID); return nil },
	}
	f.s.Unlock = func(context.Context, storage.User) error { return nil }
	return cf
}

type rotator struct{}

func (rotator) Rotate(context.Context) error { return nil }

// grant gives the user a role (venue set: at that venue).
func (cf *consoleFixture) grant(t *testing.T, u storage.User, role, venue string) {
	t.Helper()
	g := storage.RoleGrant{ID: "g-" + u.ID + "-" + role, TenantID: u.TenantID, UserID: u.ID, Role: role, GrantedBy: "cli", GrantedAt: cf.now}
	if venue != "" {
		g.ResourceType, g.ResourceID = storage.ResourceVenue, venue
	}
	if _, err := cf.mem.PutRoleGrant(cf.ctx, g); err != nil {
		t.Fatal(err)
	}
}

func (cf *consoleFixture) principal(t *testing.T, u storage.User) admin.Principal {
	t.Helper()
	p, err := cf.s.UserPrincipal(cf.ctx, u.TenantID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestConsoleRoleActionTable runs every console action as each kind of
// principal against the service itself (not the pages): the service must
// refuse exactly what the role table refuses, and Principal.May (what the
// console shows) must agree with what the service does.
func TestConsoleRoleActionTable(t *testing.T) {
	cf := newConsoleFixture(t)
	def := storage.DefaultTenantID
	a := cf.tenant(t, "acme")
	people := map[string]storage.User{
		"platform": cf.user(t, def, "root@platform.example"),
		"tenant":   cf.user(t, a.ID, "boss@acme.example"),
		"support":  cf.user(t, a.ID, "help@acme.example"),
		"venue":    cf.user(t, a.ID, "owner@acme.example"),
		"customer": cf.user(t, a.ID, "buyer@acme.example"),
	}
	cf.grant(t, people["platform"], roles.Admin, "")
	cf.grant(t, people["tenant"], roles.Admin, "")
	cf.grant(t, people["support"], roles.Support, "")
	cf.grant(t, people["venue"], "venue-owner", "v1")

	all, none := admin.Actions, []admin.Action(nil)
	support := []admin.Action{admin.ActReadUsers, admin.ActUnlock, admin.ActResendVerification, admin.ActPasswordReset,
		admin.ActRevokeSessions, admin.ActReadAudit}
	tenantAdmin := slices.DeleteFunc(slices.Clone(all), func(a admin.Action) bool {
		return a == admin.ActManageTenants || a == admin.ActManageKeys
	})
	want := map[string][]admin.Action{
		"platform": all, "tenant": tenantAdmin, "support": support,
		"venue": {admin.ActManageVenueRoles}, "customer": none,
	}
	for role, allowed := range want {
		p := cf.principal(t, people[role])
		for _, act := range admin.Actions {
			t.Run(role+"/"+string(act), func(t *testing.T) {
				// Each action works on a fresh user of tenant acme.
				target := cf.user(t, a.ID, "t-"+role+"-"+string(act)+"@acme.example")
				err := cf.run(t, p, a.ID, target, act)
				ok := slices.Contains(allowed, act)
				switch {
				case ok && err != nil:
					t.Fatalf("%s refused %s: %v", role, act, err)
				case !ok && !errors.Is(err, admin.ErrForbidden):
					t.Fatalf("%s did %s: err = %v, want ErrForbidden", role, act, err)
				}
				if p.May(act) != ok {
					t.Fatalf("May(%s) = %v for %s, the service says %v", act, p.May(act), role, ok)
				}
			})
		}
	}
}

// run takes the action through the service.
func (cf *consoleFixture) run(t *testing.T, p admin.Principal, tenantID string, u storage.User, act admin.Action) error {
	ctx := cf.ctx
	switch act {
	case admin.ActReadUsers:
		_, err := cf.c.UserDetail(ctx, p, tenantID, u.ID)
		if err == nil {
			_, err = cf.c.SearchUsers(ctx, p, admin.UserQuery{TenantID: tenantID, Q: u.Email}, admin.Page{})
		}
		return err
	case admin.ActUnlock:
		return cf.c.UnlockUser(ctx, p, tenantID, u.ID)
	case admin.ActResendVerification:
		return cf.c.ResendVerification(ctx, p, tenantID, u.ID)
	case admin.ActPasswordReset:
		return cf.c.SendPasswordReset(ctx, p, tenantID, u.ID)
	case admin.ActRevokeSessions:
		_, err := cf.c.RevokeSessions(ctx, p, tenantID, u.ID)
		return err
	case admin.ActDisableUser:
		_, err := cf.c.SetUserDisabled(ctx, p, tenantID, u.ID, true)
		return err
	case admin.ActResetMFA:
		_, err := cf.c.ResetMFA(ctx, p, tenantID, u.ID)
		return err
	case admin.ActEditProfile:
		_, err := cf.c.EditProfile(ctx, p, tenantID, u.ID, admin.ProfileEdit{GivenName: "New"})
		return err
	case admin.ActDeleteUser:
		return cf.c.DeleteUser(ctx, p, tenantID, u.ID)
	case admin.ActReadAudit:
		_, err := cf.c.ListAudit(ctx, p, tenantID, admin.AuditQuery{}, admin.Page{})
		return err
	case admin.ActManageClients:
		_, _, err := cf.c.CreateClient(ctx, p, tenantID, admin.ClientSpec{ID: "c-" + u.ID, Name: "App",
			RedirectURIs: []string{"https://app.example/cb"}, Grants: []string{"authorization_code"}, Scopes: []string{"openid"},
			AuthMethod: storage.AuthMethodBasic})
		return err
	case admin.ActManageTenants:
		_, err := cf.c.CreateTenant(ctx, p, admin.TenantInput{Slug: "t" + u.ID[:8], Name: "T"})
		return err
	case admin.ActManageKeys:
		_, err := cf.c.RotateKeys(ctx, p)
		return err
	case admin.ActManageVenueRoles:
		_, err := cf.c.GrantVenueRole(ctx, p, tenantID, "v1", u.ID, "door-staff", time.Time{})
		return err
	}
	t.Fatalf("no case for %s", act)
	return nil
}

// TestConsoleTenantIsolation: whoever asks in their own tenant, a user of
// another tenant is not found (the console answers 404, not 403).
func TestConsoleTenantIsolation(t *testing.T) {
	cf := newConsoleFixture(t)
	a, b := cf.tenant(t, "acme"), cf.tenant(t, "bolt")
	boss, help := cf.user(t, a.ID, "boss@acme.example"), cf.user(t, a.ID, "help@acme.example")
	cf.grant(t, boss, roles.Admin, "")
	cf.grant(t, help, roles.Support, "")
	other := cf.user(t, b.ID, "victim@bolt.example")
	for _, u := range []storage.User{boss, help} {
		p := cf.principal(t, u)
		if _, err := cf.c.UserDetail(cf.ctx, p, a.ID, other.ID); !errors.Is(err, admin.ErrNotFound) {
			t.Errorf("%s: UserDetail of another tenant's user = %v, want ErrNotFound", u.Email, err)
		}
		if err := cf.c.UnlockUser(cf.ctx, p, a.ID, other.ID); !errors.Is(err, admin.ErrNotFound) {
			t.Errorf("%s: UnlockUser of another tenant's user = %v, want ErrNotFound", u.Email, err)
		}
		l, err := cf.c.SearchUsers(cf.ctx, p, admin.UserQuery{TenantID: a.ID, Q: other.ID, By: admin.SearchID}, admin.Page{})
		if err != nil || len(l.Items) != 0 {
			t.Errorf("%s: search by another tenant's user ID = %v, %v; want nothing", u.Email, l.Items, err)
		}
		if _, err := cf.c.UserDetail(cf.ctx, p, b.ID, other.ID); !errors.Is(err, admin.ErrForbidden) {
			t.Errorf("%s: UserDetail in another tenant = %v, want ErrForbidden", u.Email, err)
		}
	}
}

func TestConsoleSearch(t *testing.T) {
	cf := newConsoleFixture(t)
	a := cf.tenant(t, "acme")
	ada := cf.user(t, a.ID, "ada@acme.example")
	bob := cf.user(t, a.ID, "bob@acme.example")
	if err := cf.mem.UpdateProfile(cf.ctx, ada.ID, storage.Profile{GivenName: "Ada", FamilyName: "Lovelace"}, cf.now); err != nil {
		t.Fatal(err)
	}
	if err := cf.mem.LinkWallet(cf.ctx, storage.Wallet{Namespace: "eip155", ChainRef: "1", Address: "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01", UserID: bob.ID, CreatedAt: cf.now}); err != nil {
		t.Fatal(err)
	}
	if err := cf.mem.CreateIdentity(cf.ctx, storage.Identity{ProviderID: "google", Subject: "1234", UserID: ada.ID, CreatedAt: cf.now, LastUsedAt: cf.now}); err != nil {
		t.Fatal(err)
	}
	if _, err := cf.c.SetUserDisabled(cf.ctx, admin.CLI(), a.ID, bob.ID, true); err != nil {
		t.Fatal(err)
	}
	p := admin.CLI()
	for _, tc := range []struct {
		name string
		q    admin.UserQuery
		want []string
	}{
		{"EmailAuto", admin.UserQuery{Q: "ADA@"}, []string{ada.ID}},
		{"EmailDomain", admin.UserQuery{Q: "@acme.example"}, []string{ada.ID, bob.ID}},
		{"NameAuto", admin.UserQuery{Q: "lovelace"}, []string{ada.ID}},
		{"IDAuto", admin.UserQuery{Q: bob.ID}, []string{bob.ID}},
		{"IDExact", admin.UserQuery{Q: ada.ID, By: admin.SearchID}, []string{ada.ID}},
		{"WalletAnyCase", admin.UserQuery{Q: "0xabcdef0123456789abcdef0123456789abcdef01"}, []string{bob.ID}},
		{"Linked", admin.UserQuery{Q: "google:1234"}, []string{ada.ID}},
		{"LinkedUnknown", admin.UserQuery{Q: "google:999"}, nil},
		{"StatusDisabled", admin.UserQuery{Q: "@acme.example", Status: "disabled"}, []string{bob.ID}},
		{"StatusActive", admin.UserQuery{Q: "@acme.example", Status: "active"}, []string{ada.ID}},
		{"ExactLookupHonoursStatus", admin.UserQuery{Q: bob.ID, By: admin.SearchID, Status: "active"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.q
			q.TenantID = a.ID
			l, err := cf.c.SearchUsers(cf.ctx, p, q, admin.Page{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range l.Items {
				got = append(got, u.ID)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(got, want) {
				t.Fatalf("SearchUsers(%+v) = %v, want %v", q, got, want)
			}
		})
	}
	for _, bad := range []admin.UserQuery{{Q: "x", Status: "gone"}, {Q: "x", By: "phone"}, {Q: "nope", By: admin.SearchWallet}} {
		bad.TenantID = a.ID
		var ve *admin.ValidationError
		if _, err := cf.c.SearchUsers(cf.ctx, p, bad, admin.Page{}); !errors.As(err, &ve) {
			t.Errorf("SearchUsers(%+v) = %v, want a validation error", bad, err)
		}
	}
}

// TestConsoleUserDetailLock: the user page says the user is locked, until
// when and why (the latest lockout event), and unlocking is audited with
// the console user as the actor.
func TestConsoleUserDetailLock(t *testing.T) {
	cf := newConsoleFixture(t)
	a := cf.tenant(t, "acme")
	u := cf.user(t, a.ID, "locked@acme.example")
	until := cf.now.Add(15 * time.Minute)
	cf.c.LockedUntil = func(_ context.Context, got storage.User) (time.Time, error) {
		if got.ID == u.ID {
			return until, nil
		}
		return time.Time{}, nil
	}
	why := storage.AuditEvent{ID: "e1", Time: cf.now.Add(-time.Minute), TenantID: a.ID, Event: "lockout", Outcome: "info",
		Reason: "too_many_failures", UserID: u.ID, Details: map[string]string{"scope": "account", "method": "password"}}
	if err := cf.mem.AppendAudit(cf.ctx, []storage.AuditEvent{why}); err != nil {
		t.Fatal(err)
	}
	d, err := cf.c.UserDetail(cf.ctx, admin.CLI(), a.ID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Lock.Locked || !d.Lock.Until.Equal(until) || d.Lock.Why.Reason != "too_many_failures" || d.Lock.Why.Details["scope"] != "account" {
		t.Fatalf("lock = %+v", d.Lock)
	}
	cf.now = until.Add(time.Second)
	if d, _ := cf.c.UserDetail(cf.ctx, admin.CLI(), a.ID, u.ID); d.Lock.Locked {
		t.Fatalf("a lock past its end still shows: %+v", d.Lock)
	}
}

// TestConsoleMailsAndRefusal: support agents may send the mails; a
// verified address gets no verification mail; each sent mail is audited.
func TestConsoleMails(t *testing.T) {
	cf := newConsoleFixture(t)
	a := cf.tenant(t, "acme")
	help := cf.user(t, a.ID, "help@acme.example")
	cf.grant(t, help, roles.Support, "")
	p := cf.principal(t, help)
	u := cf.user(t, a.ID, "new@acme.example")
	if err := cf.c.ResendVerification(cf.ctx, p, a.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := cf.c.SendPasswordReset(cf.ctx, p, a.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if want := []string{"verify:" + u.ID, "reset:" + u.ID}; !slices.Equal(cf.mails, want) {
		t.Fatalf("mails = %v, want %v", cf.mails, want)
	}
	names := cf.audit.names()
	if !slices.Contains(names, "admin.user.verification_sent") || !slices.Contains(names, "admin.user.password_reset_sent") {
		t.Fatalf("audit = %v", names)
	}
	for _, e := range cf.audit.got {
		if e.Event == "admin.user.password_reset_sent" && e.ActorID != help.ID {
			t.Fatalf("actor = %q, want the support agent %s", e.ActorID, help.ID)
		}
	}
	verified, err := cf.s.CreateUser(cf.ctx, admin.CLI(), a.ID, admin.NewUser{Email: "done@acme.example", EmailVerified: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := cf.c.ResendVerification(cf.ctx, p, a.ID, verified.ID); !errors.Is(err, admin.ErrConflict) {
		t.Fatalf("verification of a verified address = %v, want ErrConflict", err)
	}
	cf.c.MailPasswordReset = nil
	if err := cf.c.SendPasswordReset(cf.ctx, p, a.ID, u.ID); !errors.Is(err, admin.ErrUnsupported) {
		t.Fatalf("without mail = %v, want ErrUnsupported", err)
	}
}

func TestConsoleDashboard(t *testing.T) {
	cf := newConsoleFixture(t)
	a := cf.tenant(t, "acme")
	ev := func(id, tenant, event, outcome string, age time.Duration) storage.AuditEvent {
		return storage.AuditEvent{ID: id, Time: cf.now.Add(-age), TenantID: tenant, Event: event, Outcome: outcome}
	}
	if err := cf.mem.AppendAudit(cf.ctx, []storage.AuditEvent{
		ev("1", a.ID, "login", "success", time.Hour), ev("2", a.ID, "login", "failure", time.Hour),
		ev("3", a.ID, "login", "failure", 2*time.Hour), ev("4", a.ID, "lockout", "info", time.Hour),
		ev("5", a.ID, "login", "success", 25*time.Hour), // older than a day
		ev("6", storage.DefaultTenantID, "login", "success", time.Hour),
	}); err != nil {
		t.Fatal(err)
	}
	d, err := cf.c.Dashboard(cf.ctx, admin.CLI(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.SignIns != 1 || d.SignInFailures != 2 || d.Lockouts != 1 {
		t.Fatalf("tenant dashboard = %+v", d)
	}
	if d, _ := cf.c.Dashboard(cf.ctx, admin.CLI(), ""); d.SignIns != 2 {
		t.Fatalf("platform dashboard = %+v, want 2 sign-ins", d)
	}
	boss := cf.user(t, a.ID, "boss@acme.example")
	cf.grant(t, boss, roles.Admin, "")
	if _, err := cf.c.Dashboard(cf.ctx, cf.principal(t, boss), ""); !errors.Is(err, admin.ErrForbidden) {
		t.Fatalf("a tenant administrator's platform dashboard = %v, want ErrForbidden", err)
	}
}

// TestConsoleSearchLockAndMFAFilters: the Locked and MFA filters keep the
// matching users, page after page.
func TestConsoleSearchLockAndMFAFilters(t *testing.T) {
	cf := newConsoleFixture(t)
	a := cf.tenant(t, "acme")
	locked := map[string]bool{}
	var all []storage.User
	for i := range 7 {
		u := cf.user(t, a.ID, "u"+string(rune('a'+i))+"@acme.example")
		all = append(all, u)
		if i%2 == 0 {
			locked[u.ID] = true
		}
	}
	if err := cf.mem.SaveTOTPCredential(cf.ctx, storage.TOTPCredential{UserID: all[1].ID, Secret: []byte("s")}); err != nil {
		t.Fatal(err)
	}
	cf.c.LockedUntil = func(_ context.Context, u storage.User) (time.Time, error) {
		if locked[u.ID] {
			return cf.now.Add(time.Minute), nil
		}
		return time.Time{}, nil
	}
	yes, no := true, false
	collect := func(q admin.UserQuery, limit int) []string {
		var ids []string
		pg := admin.Page{Limit: limit}
		for range 20 {
			l, err := cf.c.SearchUsers(cf.ctx, admin.CLI(), q, pg)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range l.Items {
				ids = append(ids, u.ID)
			}
			if l.Next == "" {
				return ids
			}
			pg.Cursor = l.Next
		}
		t.Fatal("no end of pages")
		return nil
	}
	var wantLocked, wantUnlockedMFA []string
	for _, u := range all {
		if locked[u.ID] {
			wantLocked = append(wantLocked, u.ID)
		}
	}
	wantUnlockedMFA = []string{all[1].ID}
	got := collect(admin.UserQuery{TenantID: a.ID, Q: "@acme.example", Locked: &yes}, 2)
	if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(wantLocked))) {
		t.Fatalf("locked = %v, want %v", got, wantLocked)
	}
	got = collect(admin.UserQuery{TenantID: a.ID, Q: "@acme.example", Locked: &no, MFA: &yes}, 2)
	if !slices.Equal(got, wantUnlockedMFA) {
		t.Fatalf("not locked with MFA = %v, want %v", got, wantUnlockedMFA)
	}
	if got := collect(admin.UserQuery{TenantID: a.ID, Q: "@acme.example", MFA: &no}, 50); len(got) != 6 {
		t.Fatalf("without MFA: %d users, want 6", len(got))
	}
}

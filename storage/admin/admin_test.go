package admin_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
	"github.com/admit-idp/admit/storage/memory"
	"github.com/admit-idp/admit/storage/roles"
)

type plainHasher struct{}

func (plainHasher) Hash(pw string) (string, error) { return "plain:" + pw, nil }

type events struct {
	mu  sync.Mutex
	got []storage.AuditEvent
}

func (e *events) Record(_ context.Context, ev storage.AuditEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.got = append(e.got, ev)
}

func (e *events) names() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.got {
		out = append(out, ev.Event)
	}
	return out
}

type fixture struct {
	s     *admin.Service
	now   time.Time
	audit *events
	ctx   context.Context
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), audit: &events{}, ctx: context.Background()}
	clock := func() time.Time { return f.now }
	mem := memory.New(clock)
	f.s = &admin.Service{Store: mem, Revocations: mem, Catalogue: roles.Default(), Audit: f.audit, Hasher: plainHasher{}, Now: clock,
		PasswordPolicy: func(pw, _ string) string {
			if len(pw) < 8 {
				return "too short"
			}
			return ""
		}}
	return f
}

func (f *fixture) tenant(t *testing.T, slug string) storage.Tenant {
	t.Helper()
	tn, err := f.s.CreateTenant(f.ctx, admin.CLI(), admin.TenantInput{Slug: slug, Name: slug})
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

func (f *fixture) user(t *testing.T, tenantID, email string) storage.User {
	t.Helper()
	u, err := f.s.CreateUser(f.ctx, admin.CLI(), tenantID, admin.NewUser{Email: email, Password: "long-enough"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestTenantIsolationByConstruction(t *testing.T) {
	f := newFixture(t)
	a, b := f.tenant(t, "a"), f.tenant(t, "b")
	ua := f.user(t, a.ID, "x@a.example")
	adminB := admin.Principal{Kind: admin.KindClient, ClientID: "b-admin", TenantID: b.ID, Admin: true}
	if _, err := f.s.GetUser(f.ctx, adminB, b.ID, ua.ID); !errors.Is(err, admin.ErrNotFound) {
		t.Fatalf("another tenant's user under the own path: %v, want ErrNotFound", err)
	}
	if _, err := f.s.GetUser(f.ctx, adminB, a.ID, ua.ID); !errors.Is(err, admin.ErrForbidden) {
		t.Fatalf("another tenant's path: %v, want ErrForbidden", err)
	}
	if _, err := f.s.CreateGrant(f.ctx, adminB, b.ID, admin.GrantInput{User: "x@a.example", Role: roles.Admin}); !errors.Is(err, admin.ErrNotFound) {
		t.Fatalf("granting to another tenant's user by e-mail: %v", err)
	}
	if _, err := f.s.ListTenants(f.ctx, adminB, storage.TenantFilter{}, admin.Page{}); !errors.Is(err, admin.ErrForbidden) {
		t.Fatalf("tenant admin lists tenants: %v", err)
	}
	if _, err := f.s.GetUser(f.ctx, admin.CLI(), a.ID, ua.ID); err != nil {
		t.Fatalf("the platform operator: %v", err)
	}
}

func TestDelegatedVenueAdministration(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "venues")
	owner, staff := f.user(t, tn.ID, "owner@v.example"), f.user(t, tn.ID, "staff@v.example")
	if _, err := f.s.GrantVenueRole(f.ctx, admin.CLI(), tn.ID, "V1", owner.ID, "venue-owner", time.Time{}); err != nil {
		t.Fatal(err)
	}
	p, err := f.s.UserPrincipal(f.ctx, tn.ID, owner.ID)
	if err != nil || p.Admin {
		t.Fatalf("owner principal %+v %v", p, err)
	}
	// The account area passes "" for the principal's own tenant.
	g, err := f.s.GrantVenueRole(f.ctx, p, "", "V1", "staff@v.example", "box-office", f.now.Add(time.Hour))
	if err != nil || g.UserID != staff.ID || g.GrantedBy != owner.ID {
		t.Fatalf("grant at V1: %+v %v", g, err)
	}
	if _, err := f.s.GrantVenueRole(f.ctx, p, "", "V2", staff.ID, "box-office", time.Time{}); !errors.Is(err, admin.ErrForbidden) {
		t.Fatalf("grant at V2: %v", err)
	}
	var ve *admin.ValidationError
	if _, err := f.s.GrantVenueRole(f.ctx, p, "", "V1", staff.ID, roles.Admin, time.Time{}); !errors.As(err, &ve) {
		t.Fatalf("global role at a venue: %v", err)
	}
	if _, err := f.s.CreateGrant(f.ctx, p, tn.ID, admin.GrantInput{User: staff.ID, Role: roles.Admin}); !errors.Is(err, admin.ErrForbidden) {
		t.Fatalf("global grant by a venue owner: %v", err)
	}
	if _, err := f.s.GrantVenueRole(f.ctx, p, "", "V1", staff.ID, "door-staff", f.now.Add(-time.Second)); !errors.As(err, &ve) || ve.Errors[0].Field != "expires_at" {
		t.Fatalf("past expiry: %v", err)
	}
	l, err := f.s.ListVenueRoles(f.ctx, p, "", "V1", admin.Page{})
	if err != nil || len(l.Items) != 2 {
		t.Fatalf("venue roles: %+v %v", l, err)
	}
	f.now = f.now.Add(2 * time.Hour) // the box-office grant expires
	if l, _ = f.s.ListVenueRoles(f.ctx, p, "", "V1", admin.Page{}); len(l.Items) != 1 {
		t.Fatalf("venue roles after expiry: %+v", l.Items)
	}
	revoked, err := f.s.RevokeVenueRoles(f.ctx, p, "", "V1", owner.ID)
	if err != nil || len(revoked) != 1 {
		t.Fatalf("revoke: %v %v", revoked, err)
	}
	// The owner's rights are read live: revoked, it administers nothing.
	if p, err = f.s.UserPrincipal(f.ctx, tn.ID, owner.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.ListVenueRoles(f.ctx, p, "", "V1", admin.Page{}); !errors.Is(err, admin.ErrForbidden) {
		t.Fatalf("after revocation: %v", err)
	}
}

func TestUserLifecycleAndAudit(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "t")
	p := admin.Principal{Kind: admin.KindClient, ClientID: "ops", TenantID: tn.ID, Admin: true}
	var ve *admin.ValidationError
	if _, err := f.s.CreateUser(f.ctx, p, tn.ID, admin.NewUser{Email: "bad", Password: "short"}); !errors.As(err, &ve) || len(ve.Errors) != 2 {
		t.Fatalf("invalid user: %v", err)
	}
	u, err := f.s.CreateUser(f.ctx, p, tn.ID, admin.NewUser{Email: " Bob@Example.com"[1:]})
	if err != nil || u.Email != "bob@example.com" || u.PasswordHash != "" {
		t.Fatalf("user without password: %+v %v", u, err)
	}
	if _, err := f.s.CreateUser(f.ctx, p, tn.ID, admin.NewUser{Email: "bob@example.com"}); !errors.Is(err, admin.ErrConflict) || !errors.Is(err, storage.ErrAlreadyExists) {
		t.Fatalf("duplicate: %v", err)
	}
	if u, err = f.s.SetUserDisabled(f.ctx, p, tn.ID, u.ID, true); err != nil || !u.Disabled {
		t.Fatalf("disable: %+v %v", u, err)
	}
	if _, err := f.s.UserPrincipal(f.ctx, tn.ID, u.ID); !errors.Is(err, admin.ErrUnauthenticated) {
		t.Fatalf("a disabled user's principal: %v", err)
	}
	if _, err := f.s.SetUserDisabled(f.ctx, p, tn.ID, u.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.ResetMFA(f.ctx, p, tn.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.RevokeSessions(f.ctx, p, tn.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.GrantVenueRole(f.ctx, p, tn.ID, "V9", u.ID, "door-staff", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.DeleteUser(f.ctx, p, tn.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if l, err := f.s.ListVenueRoles(f.ctx, p, tn.ID, "V9", admin.Page{}); err != nil || len(l.Items) != 0 {
		t.Fatalf("a deleted user still holds venue roles: %+v %v", l.Items, err)
	}
	if _, err := f.s.GrantVenueRole(f.ctx, p, tn.ID, "V9", u.ID, "door-staff", time.Time{}); !errors.As(err, &ve) {
		t.Fatalf("granting a role to a deleted user: %v", err)
	}
	got := strings.Join(f.audit.names(), " ")
	for _, want := range []string{"admin.tenant.created", "admin.user.created", "admin.user.disabled", "admin.user.enabled",
		"admin.user.mfa_reset", "admin.user.sessions_revoked", "admin.user.deleted"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %s in %s", want, got)
		}
	}
	for _, ev := range f.audit.got[1:] {
		if ev.ActorID != "client:ops" || ev.TenantID != tn.ID {
			t.Errorf("event %+v: want actor client:ops in tenant %s", ev, tn.ID)
		}
	}
}

func TestClientsAndPagination(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "t")
	for _, id := range []string{"c-1", "c-2", "c-3", "c-4", "c-5"} {
		if _, _, err := f.s.CreateClient(f.ctx, admin.CLI(), tn.ID, admin.ClientSpec{ID: id, Grants: []string{"client_credentials"}}); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	pg := admin.Page{Limit: 2}
	for {
		l, err := f.s.ListClients(f.ctx, admin.CLI(), storage.ClientFilter{TenantID: tn.ID}, pg)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range l.Items {
			seen = append(seen, c.ID)
		}
		if l.Next == "" {
			break
		}
		pg.Cursor = l.Next
	}
	if strings.Join(seen, ",") != "c-1,c-2,c-3,c-4,c-5" {
		t.Fatalf("walked %v", seen)
	}
	if _, err := f.s.ListClients(f.ctx, admin.CLI(), storage.ClientFilter{TenantID: tn.ID}, admin.Page{Cursor: "c-2"}); err == nil {
		t.Fatal("a raw ID was accepted as a cursor")
	}
	secret, err := f.s.RotateClientSecret(f.ctx, admin.CLI(), tn.ID, "c-1")
	if err != nil || secret == "" {
		t.Fatalf("rotate: %v", err)
	}
	c, err := f.s.UpdateClient(f.ctx, admin.CLI(), tn.ID, "c-1", func(s *admin.ClientSpec) { s.Public = true })
	if err == nil {
		t.Fatalf("switched to public: %+v", c)
	}
	if err := f.s.DeleteClient(f.ctx, admin.CLI(), storage.DefaultTenantID, "c-1"); !errors.Is(err, admin.ErrNotFound) {
		t.Fatalf("deleting through another tenant: %v", err)
	}
}

// TestDelegatedGrantsAreBoundedByTheGrantersRights: a venue owner whose
// ownership expires cannot make it permanent by granting it to themselves,
// nor hand out a role that outlives their own right to manage the venue;
// re-granting a held role is audited as an update.
func TestDelegatedGrantsAreBoundedByTheGrantersRights(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "bounded")
	owner, staff := f.user(t, tn.ID, "owner@b.example"), f.user(t, tn.ID, "staff@b.example")
	ends := f.now.Add(24 * time.Hour)
	if _, err := f.s.GrantVenueRole(f.ctx, admin.CLI(), tn.ID, "V1", owner.ID, "venue-owner", ends); err != nil {
		t.Fatal(err)
	}
	p, err := f.s.UserPrincipal(f.ctx, tn.ID, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.GrantVenueRole(f.ctx, p, "", "V1", owner.ID, "venue-owner", time.Time{}); !errors.Is(err, admin.ErrForbidden) {
		t.Fatalf("self-grant: %v, want ErrForbidden", err)
	}
	var ve *admin.ValidationError
	for _, exp := range []time.Time{{}, ends.Add(time.Second)} {
		if _, err := f.s.GrantVenueRole(f.ctx, p, "", "V1", staff.ID, "venue-owner", exp); !errors.As(err, &ve) || ve.Errors[0].Field != "expires_at" {
			t.Fatalf("grant ending %v past the owner's own (%v): %v", exp, ends, err)
		}
	}
	g, err := f.s.GrantVenueRole(f.ctx, p, "", "V1", staff.ID, "box-office", ends.Add(-time.Hour))
	if err != nil {
		t.Fatalf("grant within the owner's rights: %v", err)
	}
	again, err := f.s.GrantVenueRole(f.ctx, p, "", "V1", staff.ID, "box-office", ends)
	if err != nil || again.ID != g.ID || !again.ExpiresAt.Equal(ends) {
		t.Fatalf("re-grant: %+v %v", again, err)
	}
	if n := f.audit.names(); n[len(n)-1] != "admin.grant.updated" {
		t.Fatalf("re-grant audited as %v", n[len(n)-1])
	}
	if _, err := f.s.GrantVenueRole(f.ctx, admin.CLI(), tn.ID, "V1", staff.ID, "door-staff", time.Time{}); err != nil {
		t.Fatalf("the operator is not bounded: %v", err)
	}
	// Staff holding a role at the venue may see its roles, not change them.
	sp, err := f.s.UserPrincipal(f.ctx, tn.ID, staff.ID)
	if err != nil {
		t.Fatal(err)
	}
	if l, err := f.s.ListVenueRoles(f.ctx, sp, "", "V1", admin.Page{}); err != nil || len(l.Items) != 3 {
		t.Fatalf("staff listing V1: %d grants, %v", len(l.Items), err)
	}
	if _, err := f.s.ListVenueRoles(f.ctx, sp, "", "V2", admin.Page{}); !errors.Is(err, admin.ErrForbidden) {
		t.Fatalf("staff listing a venue where they hold nothing: %v", err)
	}
	if _, err := f.s.GrantVenueRole(f.ctx, sp, "", "V1", owner.ID, "door-staff", ends); !errors.Is(err, admin.ErrForbidden) {
		t.Fatalf("staff granting: %v", err)
	}
}

// TestTokenPrincipalChecksTheIssuingClientLive: an admin token works only
// while the client that obtained it still exists in the token's tenant,
// is still registered for admit:admin and is not younger than the token
// (a deleted client's ID taken again); a user token acts as the user, in
// the client's tenant.
func TestTokenPrincipalChecksTheIssuingClientLive(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "tokens")
	u := f.user(t, tn.ID, "admin@t.example")
	spec := admin.ClientSpec{ID: "ops-bot", Grants: []string{"client_credentials", "authorization_code"},
		RedirectURIs: []string{"https://ops.example/cb"}, Scopes: []string{"openid", admin.Scope}}
	if _, _, err := f.s.CreateClient(f.ctx, admin.CLI(), tn.ID, spec); err != nil {
		t.Fatal(err)
	}
	spec.ID, spec.Scopes = "plain-bot", []string{"openid"}
	if _, _, err := f.s.CreateClient(f.ctx, admin.CLI(), tn.ID, spec); err != nil {
		t.Fatal(err)
	}
	issued := f.now
	cases := []struct {
		name string
		tok  admin.Token
		want error // nil: accepted
		kind string
	}{
		{"client token", admin.Token{ClientID: "ops-bot", Subject: "ops-bot", TenantID: tn.ID, IssuedAt: issued}, nil, admin.KindClient},
		{"user token", admin.Token{ClientID: "ops-bot", Subject: u.ID, TenantID: tn.ID, User: true, IssuedAt: issued}, nil, admin.KindUser},
		{"unknown client", admin.Token{ClientID: "gone", Subject: "gone", IssuedAt: issued}, admin.ErrUnauthenticated, ""},
		{"client not registered for the scope", admin.Token{ClientID: "plain-bot", Subject: "plain-bot", TenantID: tn.ID, IssuedAt: issued}, admin.ErrUnauthenticated, ""},
		{"token older than the client", admin.Token{ClientID: "ops-bot", Subject: "ops-bot", TenantID: tn.ID, IssuedAt: issued.Add(-time.Hour)}, admin.ErrUnauthenticated, ""},
		{"token of another tenant", admin.Token{ClientID: "ops-bot", Subject: "ops-bot", TenantID: storage.DefaultTenantID, IssuedAt: issued}, admin.ErrUnauthenticated, ""},
		{"client token about someone else", admin.Token{ClientID: "ops-bot", Subject: u.ID, TenantID: tn.ID, IssuedAt: issued}, admin.ErrUnauthenticated, ""},
	}
	for _, c := range cases {
		p, err := f.s.TokenPrincipal(f.ctx, c.tok)
		switch {
		case c.want != nil && !errors.Is(err, c.want):
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		case c.want == nil && (err != nil || p.Kind != c.kind || p.TenantID != tn.ID):
			t.Errorf("%s: %+v %v", c.name, p, err)
		}
	}
}

// TestClientUpdateAuditsWhatChanged: the audit event of an update names
// the changed fields and, when scopes change, the new scopes (a client
// gaining admit:admin must be visible in the log).
func TestClientUpdateAuditsWhatChanged(t *testing.T) {
	f := newFixture(t)
	spec := admin.ClientSpec{ID: "app-1", Grants: []string{"client_credentials"}, Scopes: []string{"openid"}}
	if _, _, err := f.s.CreateClient(f.ctx, admin.CLI(), storage.DefaultTenantID, spec); err != nil {
		t.Fatal(err)
	}
	_, err := f.s.UpdateClient(f.ctx, admin.CLI(), storage.DefaultTenantID, "app-1", func(s *admin.ClientSpec) {
		s.Scopes, s.Name = append(s.Scopes, admin.Scope), "Renamed"
	})
	if err != nil {
		t.Fatal(err)
	}
	ev := f.audit.got[len(f.audit.got)-1]
	if ev.Event != "admin.client.updated" || ev.Details["changed"] != "Name,Scopes" || ev.Details["scopes"] != "openid admit:admin" {
		t.Fatalf("update event %+v", ev)
	}
}

package storagetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

// grantStore is what the role-grant tests need: grants belong to tenants.
type grantStore interface {
	storage.Tenants
	storage.RoleGrants
	storage.Users
}

// member creates a user of the tenant and returns its ID: a grant must
// name a user of its own tenant (ErrNotFound otherwise).
func member(t *testing.T, s grantStore, c *Clock, tenantID string) string {
	t.Helper()
	u := sampleUser(c)
	u.TenantID = tenantID
	mustOK(t, s.CreateUser(t.Context(), u), "CreateUser")
	return u.ID
}

func grantTests() []testCase[grantStore] {
	return []testCase[grantStore]{
		{"PutRoundTrip", testGrantPutRoundTrip},
		{"PutAgainReplacesExpiry", testGrantPutAgain},
		{"PutOtherResourceIsNewGrant", testGrantPutOtherResource},
		{"Revoke", testGrantRevoke},
		{"RevokeFilters", testGrantRevokeFilters},
		{"PutAfterRevokeIsNewGrant", testGrantPutAfterRevoke},
		{"ListFilters", testGrantListFilters},
		{"ListPagination", testGrantListPagination},
		{"UserRoleGrantsInForce", testGrantUserRoleGrants},
		{"UserWithGrants", testGrantUserWithGrants},
		{"TenantIsolation", testGrantTenantIsolation},
	}
}

// sampleGrant returns an active venue-scoped grant expiring in a day.
func sampleGrant(c *Clock, tenantID, userID string) storage.RoleGrant {
	return storage.RoleGrant{
		ID:           randomID(),
		TenantID:     tenantID,
		UserID:       userID,
		Role:         "venue_staff",
		ResourceType: storage.ResourceVenue,
		ResourceID:   "venue-" + randomHex(4),
		GrantedBy:    "client:" + randomHex(4),
		GrantedAt:    c.Now(),
		ExpiresAt:    c.Now().Add(24 * time.Hour),
		Active:       true,
	}
}

// globalGrant returns an active unscoped grant that does not expire.
func globalGrant(c *Clock, tenantID, userID, role string) storage.RoleGrant {
	return storage.RoleGrant{ID: randomID(), TenantID: tenantID, UserID: userID, Role: role,
		GrantedBy: "cli", GrantedAt: c.Now(), Active: true}
}

// putGrant stores g and checks that it came back as given.
func putGrant(t *testing.T, s storage.RoleGrants, g storage.RoleGrant) storage.RoleGrant {
	t.Helper()
	got, err := s.PutRoleGrant(t.Context(), g)
	mustOK(t, err, "PutRoleGrant")
	assertEqual(t, "PutRoleGrant result", got, g)
	return got
}

// listGrants returns every grant matching f (one page of the maximum size).
func listGrants(t *testing.T, s storage.RoleGrants, f storage.GrantFilter) []storage.RoleGrant {
	t.Helper()
	page, err := s.ListRoleGrants(t.Context(), f, storage.PageRequest{})
	mustOK(t, err, "ListRoleGrants")
	if page.Next != "" {
		t.Fatalf("ListRoleGrants: Next = %q on the only page", page.Next)
	}
	return page.Items
}

// byID sorts grants by ID, the order every grant list is in.
func byID(gs ...storage.RoleGrant) []storage.RoleGrant {
	out := slices.Clone(gs)
	slices.SortFunc(out, func(a, b storage.RoleGrant) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out
}

func grantID(g storage.RoleGrant) string { return g.ID }

func testGrantPutRoundTrip(t *testing.T, s grantStore, c *Clock) {
	tn := newTenant(t, s, c)
	g := sampleGrant(c, tn.ID, member(t, s, c, tn.ID))
	assertFilled(t, g, "RevokedBy", "RevokedAt")
	putGrant(t, s, g)
	assertEqual(t, "ListRoleGrants", listGrants(t, s, storage.GrantFilter{TenantID: tn.ID}), []storage.RoleGrant{g})

	forever := globalGrant(c, tn.ID, g.UserID, "tenant_admin")
	putGrant(t, s, forever)
	got, err := s.UserRoleGrants(t.Context(), tn.ID, g.UserID, c.Now())
	mustOK(t, err, "UserRoleGrants")
	assertEqual(t, "UserRoleGrants", got, byID(g, forever))
	if !forever.Global() || g.Global() {
		t.Error("Global() wrong for the samples")
	}
}

// Putting the same (tenant, user, role, resource) again keeps the grant
// (its ID, GrantedBy and GrantedAt) and replaces only ExpiresAt.
func testGrantPutAgain(t *testing.T, s grantStore, c *Clock) {
	tn := newTenant(t, s, c)
	first := putGrant(t, s, sampleGrant(c, tn.ID, member(t, s, c, tn.ID)))
	for i, expires := range []time.Time{c.Now().Add(48 * time.Hour), {}, c.Now().Add(time.Hour)} {
		c.Advance(time.Minute)
		again := first
		again.ID = randomID()
		again.GrantedBy = "someone-else"
		again.GrantedAt = c.Now()
		again.ExpiresAt = expires
		got, err := s.PutRoleGrant(t.Context(), again)
		mustOK(t, err, fmt.Sprintf("PutRoleGrant again #%d", i))
		want := first
		want.ExpiresAt = expires
		assertEqual(t, fmt.Sprintf("grant after put #%d", i), got, want)
		assertEqual(t, fmt.Sprintf("list after put #%d", i),
			listGrants(t, s, storage.GrantFilter{TenantID: tn.ID}), []storage.RoleGrant{want})
	}
}

func testGrantPutOtherResource(t *testing.T, s grantStore, c *Clock) {
	tn := newTenant(t, s, c)
	a := putGrant(t, s, sampleGrant(c, tn.ID, member(t, s, c, tn.ID)))
	otherVenue := a
	otherVenue.ID, otherVenue.ResourceID = randomID(), "venue-"+randomHex(5)
	otherRole := a
	otherRole.ID, otherRole.Role = randomID(), "venue_manager"
	global := a
	global.ID, global.ResourceType, global.ResourceID = randomID(), "", ""
	otherUser := a
	otherUser.ID, otherUser.UserID = randomID(), member(t, s, c, tn.ID)
	for _, g := range []storage.RoleGrant{otherVenue, otherRole, global, otherUser} {
		putGrant(t, s, g)
	}
	assertEqual(t, "grants", listGrants(t, s, storage.GrantFilter{TenantID: tn.ID}),
		byID(a, otherVenue, otherRole, global, otherUser))
}

func testGrantRevoke(t *testing.T, s grantStore, c *Clock) {
	ctx := t.Context()
	tn := newTenant(t, s, c)
	user := member(t, s, c, tn.ID)
	g := putGrant(t, s, sampleGrant(c, tn.ID, user))
	keep := putGrant(t, s, globalGrant(c, tn.ID, user, "tenant_admin"))
	c.Advance(time.Minute)
	got, err := s.RevokeRoleGrants(ctx, storage.GrantFilter{TenantID: tn.ID, UserID: user,
		Role: g.Role, ResourceType: g.ResourceType, ResourceID: g.ResourceID}, "admin-1", c.Now())
	mustOK(t, err, "RevokeRoleGrants")
	revoked := g
	revoked.Active, revoked.RevokedBy, revoked.RevokedAt = false, "admin-1", c.Now()
	assertEqual(t, "revoked grants", got, []storage.RoleGrant{revoked})
	if revoked.InForce(c.Now()) {
		t.Error("a revoked grant is InForce")
	}

	inForce, err := s.UserRoleGrants(ctx, tn.ID, user, c.Now())
	mustOK(t, err, "UserRoleGrants")
	assertEqual(t, "grants in force after revoke", inForce, []storage.RoleGrant{keep})
	assertEqual(t, "all grants after revoke", listGrants(t, s, storage.GrantFilter{TenantID: tn.ID, UserID: user}),
		byID(revoked, keep))

	// Revoking again, or revoking nothing, is not an error and changes nothing.
	c.Advance(time.Minute)
	again, err := s.RevokeRoleGrants(ctx, storage.GrantFilter{TenantID: tn.ID, UserID: user,
		Role: g.Role, ResourceType: g.ResourceType, ResourceID: g.ResourceID}, "admin-2", c.Now())
	mustOK(t, err, "RevokeRoleGrants again")
	if len(again) != 0 {
		t.Errorf("second revoke returned %d grants", len(again))
	}
	none, err := s.RevokeRoleGrants(ctx, storage.GrantFilter{TenantID: tn.ID, UserID: randomID()}, "admin-2", c.Now())
	mustOK(t, err, "RevokeRoleGrants of a user without grants")
	if len(none) != 0 {
		t.Errorf("revoke of a user without grants returned %d grants", len(none))
	}
	assertEqual(t, "all grants after no-op revokes", listGrants(t, s, storage.GrantFilter{TenantID: tn.ID, UserID: user}),
		byID(revoked, keep))
}

func testGrantRevokeFilters(t *testing.T, s grantStore, c *Clock) {
	tn := newTenant(t, s, c)
	user := member(t, s, c, tn.ID)
	venue := "venue-" + randomHex(4)
	mk := func(role, resourceType, resourceID string) storage.RoleGrant {
		g := globalGrant(c, tn.ID, user, role)
		g.ResourceType, g.ResourceID = resourceType, resourceID
		return putGrant(t, s, g)
	}
	admin := mk("tenant_admin", "", "")
	support := mk("support", "", "")
	staffV := mk("venue_staff", storage.ResourceVenue, venue)
	staffW := mk("venue_staff", storage.ResourceVenue, "venue-other")
	managerV := mk("venue_manager", storage.ResourceVenue, venue)
	other := putGrant(t, s, globalGrant(c, tn.ID, member(t, s, c, tn.ID), "tenant_admin"))

	for _, tc := range []struct {
		name   string
		filter storage.GrantFilter
		want   []storage.RoleGrant
	}{
		{"Role", storage.GrantFilter{Role: "venue_staff"}, []storage.RoleGrant{staffV, staffW}},
		{"Resource", storage.GrantFilter{ResourceType: storage.ResourceVenue, ResourceID: venue}, []storage.RoleGrant{managerV}},
		{"Global", storage.GrantFilter{Global: true}, []storage.RoleGrant{admin, support}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.Advance(time.Minute)
			f := tc.filter
			f.TenantID, f.UserID = tn.ID, user
			got, err := s.RevokeRoleGrants(t.Context(), f, "admin-1", c.Now())
			mustOK(t, err, "RevokeRoleGrants")
			var want []storage.RoleGrant
			for _, g := range tc.want {
				g.Active, g.RevokedBy, g.RevokedAt = false, "admin-1", c.Now()
				want = append(want, g)
			}
			assertEqual(t, "revoked", got, byID(want...))
		})
	}
	left, err := s.UserRoleGrants(t.Context(), tn.ID, other.UserID, c.Now())
	mustOK(t, err, "UserRoleGrants of the other user")
	assertEqual(t, "other user's grants", left, []storage.RoleGrant{other})
}

// A revoked grant stays for the record; putting the same role again makes
// a new grant.
func testGrantPutAfterRevoke(t *testing.T, s grantStore, c *Clock) {
	tn := newTenant(t, s, c)
	g := putGrant(t, s, sampleGrant(c, tn.ID, member(t, s, c, tn.ID)))
	_, err := s.RevokeRoleGrants(t.Context(), storage.GrantFilter{TenantID: tn.ID, UserID: g.UserID}, "admin-1", c.Now())
	mustOK(t, err, "RevokeRoleGrants")
	c.Advance(time.Minute)
	again := g
	again.ID, again.GrantedAt = randomID(), c.Now()
	putGrant(t, s, again)
	all := listGrants(t, s, storage.GrantFilter{TenantID: tn.ID, UserID: g.UserID})
	if len(all) != 2 {
		t.Fatalf("got %d grants after revoke and put, want 2 (the revoked one kept)", len(all))
	}
	inForce := listGrants(t, s, storage.GrantFilter{TenantID: tn.ID, UserID: g.UserID, InForceAt: c.Now()})
	assertEqual(t, "grants in force", inForce, []storage.RoleGrant{again})
}

func testGrantListFilters(t *testing.T, s grantStore, c *Clock) {
	tn := newTenant(t, s, c)
	alice, bob := member(t, s, c, tn.ID), member(t, s, c, tn.ID)
	venue := "venue-" + randomHex(4)
	mk := func(user, role, resourceID string, expires time.Time) storage.RoleGrant {
		g := globalGrant(c, tn.ID, user, role)
		if resourceID != "" {
			g.ResourceType, g.ResourceID = storage.ResourceVenue, resourceID
		}
		g.ExpiresAt = expires
		return putGrant(t, s, g)
	}
	aliceAdmin := mk(alice, "tenant_admin", "", time.Time{})
	aliceStaff := mk(alice, "venue_staff", venue, c.Now().Add(time.Hour))
	bobStaff := mk(bob, "venue_staff", venue, c.Now().Add(2*time.Hour))
	bobOther := mk(bob, "venue_staff", "venue-other", time.Time{})
	mk(bob, "support", "", time.Time{}) // revoked below; RevokeRoleGrants returns it as stored
	rv, err := s.RevokeRoleGrants(t.Context(), storage.GrantFilter{TenantID: tn.ID, UserID: bob, Role: "support"}, "admin-1", c.Now())
	mustOK(t, err, "RevokeRoleGrants")
	if len(rv) != 1 {
		t.Fatalf("revoked %d grants, want 1", len(rv))
	}
	bobRevoked := rv[0]
	c.Advance(time.Hour) // aliceStaff expires now (ExpiresAt == now), bobStaff in an hour

	for _, tc := range []struct {
		name   string
		filter storage.GrantFilter
		want   []storage.RoleGrant
	}{
		{"All", storage.GrantFilter{}, []storage.RoleGrant{aliceAdmin, aliceStaff, bobStaff, bobOther, bobRevoked}},
		{"User", storage.GrantFilter{UserID: bob}, []storage.RoleGrant{bobStaff, bobOther, bobRevoked}},
		{"Role", storage.GrantFilter{Role: "venue_staff"}, []storage.RoleGrant{aliceStaff, bobStaff, bobOther}},
		{"ResourceType", storage.GrantFilter{ResourceType: storage.ResourceVenue}, []storage.RoleGrant{aliceStaff, bobStaff, bobOther}},
		{"Resource", storage.GrantFilter{ResourceType: storage.ResourceVenue, ResourceID: venue}, []storage.RoleGrant{aliceStaff, bobStaff}},
		{"Global", storage.GrantFilter{Global: true}, []storage.RoleGrant{aliceAdmin, bobRevoked}},
		{"InForceAt", storage.GrantFilter{InForceAt: c.Now()}, []storage.RoleGrant{aliceAdmin, bobStaff, bobOther}},
		{"InForceBefore", storage.GrantFilter{InForceAt: c.Now().Add(-time.Second)}, []storage.RoleGrant{aliceAdmin, aliceStaff, bobStaff, bobOther}},
		{"InForceLater", storage.GrantFilter{InForceAt: c.Now().Add(time.Hour)}, []storage.RoleGrant{aliceAdmin, bobOther}},
		{"UserRoleInForce", storage.GrantFilter{UserID: bob, Role: "venue_staff", InForceAt: c.Now()}, []storage.RoleGrant{bobStaff, bobOther}},
		{"GlobalInForce", storage.GrantFilter{Global: true, InForceAt: c.Now()}, []storage.RoleGrant{aliceAdmin}},
		{"NoMatch", storage.GrantFilter{Role: "nobody"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.filter
			f.TenantID = tn.ID
			assertEqual(t, "ListRoleGrants", listGrants(t, s, f), byID(tc.want...))
			for _, g := range listGrants(t, s, f) {
				if !f.InForceAt.IsZero() && !g.InForce(f.InForceAt) {
					t.Errorf("grant %s listed in force at %v but InForce says no", g.ID, f.InForceAt)
				}
			}
		})
	}
	t.Run("EmptyTenant", func(t *testing.T) {
		if got := listGrants(t, s, storage.GrantFilter{UserID: bob}); len(got) != 0 {
			t.Errorf("ListRoleGrants without a tenant returned %d grants", len(got))
		}
	})
}

func testGrantListPagination(t *testing.T, s grantStore, c *Clock) {
	tn, other := newTenant(t, s, c), newTenant(t, s, c)
	var want []string
	for i := range 5 {
		g := putGrant(t, s, sampleGrant(c, tn.ID, member(t, s, c, tn.ID)))
		want = append(want, g.ID)
		if i%2 == 0 {
			putGrant(t, s, sampleGrant(c, other.ID, member(t, s, c, other.ID)))
		}
	}
	slices.Sort(want)
	for _, size := range []int{1, 2, 5, 6, 0} {
		t.Run(fmt.Sprintf("Limit%d", size), func(t *testing.T) {
			got := walkPages(t, "ListRoleGrants", size, func(p storage.PageRequest) (storage.Page[storage.RoleGrant], error) {
				return s.ListRoleGrants(t.Context(), storage.GrantFilter{TenantID: tn.ID}, p)
			}, grantID)
			assertIDs(t, "ListRoleGrants", got, want, grantID)
		})
	}
}

// UserRoleGrants returns exactly the user's grants in force at `at`, by the
// caller's time: a grant stops counting at its ExpiresAt, no job needed.
func testGrantUserRoleGrants(t *testing.T, s grantStore, c *Clock) {
	ctx := t.Context()
	tn := newTenant(t, s, c)
	user := member(t, s, c, tn.ID)
	forever := putGrant(t, s, globalGrant(c, tn.ID, user, "tenant_admin"))
	short := sampleGrant(c, tn.ID, user)
	short.ExpiresAt = c.Now().Add(time.Hour)
	putGrant(t, s, short)
	long := sampleGrant(c, tn.ID, user)
	long.ExpiresAt = c.Now().Add(2 * time.Hour)
	putGrant(t, s, long)
	revoked := putGrant(t, s, globalGrant(c, tn.ID, user, "support"))
	_, err := s.RevokeRoleGrants(ctx, storage.GrantFilter{TenantID: tn.ID, UserID: user, Role: revoked.Role}, "admin-1", c.Now())
	mustOK(t, err, "RevokeRoleGrants")
	putGrant(t, s, globalGrant(c, tn.ID, member(t, s, c, tn.ID), "tenant_admin")) // another user

	check := func(what string, at time.Time, want ...storage.RoleGrant) {
		t.Helper()
		got, err := s.UserRoleGrants(ctx, tn.ID, user, at)
		mustOK(t, err, "UserRoleGrants")
		assertEqual(t, what, got, byID(want...))
	}
	check("now", c.Now(), forever, short, long)
	c.Advance(time.Hour - time.Second)
	check("a second before the short grant expires", c.Now(), forever, short, long)
	c.Advance(time.Second)
	check("when the short grant expires", c.Now(), forever, long)
	c.Advance(time.Hour)
	check("when the long grant expires", c.Now(), forever)
	check("asked about the past", c.Now().Add(-2*time.Hour), forever, short, long)

	none, err := s.UserRoleGrants(ctx, tn.ID, randomID(), c.Now())
	mustOK(t, err, "UserRoleGrants of a user without grants")
	if len(none) != 0 {
		t.Errorf("user without grants has %d", len(none))
	}
}

// Grants never cross tenants: a grant for a user of another tenant is
// refused (ErrNotFound), and listing, revoking and resolving in one tenant
// never touches the other's grants.
func testGrantTenantIsolation(t *testing.T, s grantStore, c *Clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, c), newTenant(t, s, c)
	ua, ub := member(t, s, c, a.ID), member(t, s, c, b.ID)
	if _, err := s.PutRoleGrant(ctx, globalGrant(c, b.ID, ua, "tenant_admin")); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("grant in B for A's user: %v, want ErrNotFound", err)
	}
	ga := putGrant(t, s, globalGrant(c, a.ID, ua, "tenant_admin"))
	gb := putGrant(t, s, globalGrant(c, b.ID, ub, "tenant_admin")) // same role and resource, other tenant

	assertEqual(t, "grants of A", listGrants(t, s, storage.GrantFilter{TenantID: a.ID}), []storage.RoleGrant{ga})
	got, err := s.UserRoleGrants(ctx, b.ID, ua, c.Now())
	mustOK(t, err, "UserRoleGrants of A's user in B")
	if len(got) != 0 {
		t.Errorf("A's user has %d grants in B", len(got))
	}
	revoked, err := s.RevokeRoleGrants(ctx, storage.GrantFilter{TenantID: a.ID, UserID: ub}, "admin-1", c.Now())
	mustOK(t, err, "RevokeRoleGrants in A of B's user")
	if len(revoked) != 0 {
		t.Fatalf("revoke in A of B's user revoked %+v", revoked)
	}
	got, err = s.UserRoleGrants(ctx, "", ub, c.Now())
	mustOK(t, err, "UserRoleGrants without a tenant")
	if len(got) != 0 {
		t.Errorf("UserRoleGrants without a tenant returned %d grants", len(got))
	}
	none, err := s.RevokeRoleGrants(ctx, storage.GrantFilter{UserID: ub}, "admin-1", c.Now())
	mustOK(t, err, "RevokeRoleGrants without a tenant")
	if len(none) != 0 {
		t.Errorf("RevokeRoleGrants without a tenant revoked %d grants", len(none))
	}
	got, err = s.UserRoleGrants(ctx, b.ID, ub, c.Now())
	mustOK(t, err, "UserRoleGrants in B")
	assertEqual(t, "UserRoleGrants in B after revokes elsewhere", got, []storage.RoleGrant{gb})
}

// GetUserWithGrants answers what GetUser and UserRoleGrants answer, in
// force at the given time: expired and revoked grants are left out, a user
// without grants has none, and an unknown user is ErrNotFound.
func testGrantUserWithGrants(t *testing.T, s grantStore, c *Clock) {
	ctx := t.Context()
	tn := newTenant(t, s, c)
	user := member(t, s, c, tn.ID)
	lone := member(t, s, c, tn.ID)
	short := sampleGrant(c, tn.ID, user)
	short.ExpiresAt = c.Now().Add(time.Hour)
	putGrant(t, s, short)
	forever := putGrant(t, s, globalGrant(c, tn.ID, user, "tenant_admin"))
	putGrant(t, s, globalGrant(c, tn.ID, user, "auditor")) // revoked next
	_, err := s.RevokeRoleGrants(ctx, storage.GrantFilter{TenantID: tn.ID, UserID: user, Role: "auditor"}, "admin-1", c.Now())
	mustOK(t, err, "RevokeRoleGrants")

	check := func(name string, at time.Time, want ...storage.RoleGrant) {
		t.Helper()
		u, got, err := s.GetUserWithGrants(ctx, user, at)
		mustOK(t, err, "GetUserWithGrants "+name)
		plain, err := s.GetUser(ctx, user)
		mustOK(t, err, "GetUser")
		assertEqual(t, "user "+name, u, plain)
		assertEqual(t, "grants "+name, got, byID(want...))
	}
	check("now", c.Now(), short, forever)
	check("after the short grant", c.Now().Add(time.Hour), forever)

	u, none, err := s.GetUserWithGrants(ctx, lone, c.Now())
	mustOK(t, err, "GetUserWithGrants without grants")
	if u.ID != lone || len(none) != 0 {
		t.Errorf("user without grants: %s with %d grants", u.ID, len(none))
	}
	if _, _, err := s.GetUserWithGrants(ctx, randomID(), c.Now()); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("unknown user: %v, want ErrNotFound", err)
	}
}

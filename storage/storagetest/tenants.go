package storagetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

// tenantStore is what the tenant tests need: tenants, and the users and
// clients whose e-mail scope and TenantStatus depend on them.
type tenantStore interface {
	storage.Tenants
	storage.Users
	storage.Clients
	storage.UserAdmin
	storage.Directory
}

func tenantTests() []testCase[tenantStore] {
	return []testCase[tenantStore]{
		{"RoundTrip", testTenantRoundTrip},
		{"DefaultTenant", testTenantDefault},
		{"DuplicateID", testTenantDuplicateID},
		{"DuplicateSlug", testTenantDuplicateSlug},
		{"NotFound", testTenantNotFound},
		{"Update", testTenantUpdate},
		{"UpdateSlugTaken", testTenantUpdateSlugTaken},
		{"ListPagination", testTenantListPagination},
		{"ListFilters", testTenantListFilters},
		{"EmailUniquePerTenant", testTenantEmailUnique},
		{"SetEmailPerTenant", testTenantSetEmail},
		{"EmailHeldPerTenant", testTenantEmailHeld},
		{"StatusFilledOnRead", testTenantStatusFilled},
	}
}

// sampleTenant returns an active tenant with every field set.
func sampleTenant(c *Clock) storage.Tenant {
	id := randomID()
	return storage.Tenant{
		ID:        id,
		Slug:      "t-" + id[:12],
		Name:      "Tenant " + id[:6],
		Status:    storage.TenantActive,
		CreatedAt: c.Now().Add(-time.Hour),
		UpdatedAt: c.Now(),
	}
}

// newTenant stores a sample tenant and returns it.
func newTenant(t *testing.T, s storage.Tenants, c *Clock) storage.Tenant {
	t.Helper()
	tn := sampleTenant(c)
	mustOK(t, s.CreateTenant(t.Context(), tn), "CreateTenant")
	return tn
}

// getTenant fetches a tenant that must exist.
func getTenant(t *testing.T, s storage.Tenants, id string) storage.Tenant {
	t.Helper()
	got, err := s.GetTenant(t.Context(), id)
	mustOK(t, err, "GetTenant")
	return got
}

// tenantUser returns a user of the tenant (no password, e-mail unique).
func tenantUser(c *Clock, tenantID string) storage.User {
	id := randomID()
	return storage.User{ID: id, TenantID: tenantID, TenantStatus: storage.TenantActive,
		Email: "user-" + id + "@example.com", CreatedAt: c.Now(), UpdatedAt: c.Now()}
}

// tenantClient returns a client of the tenant.
func tenantClient(c *Clock, tenantID string) storage.Client {
	cl := sampleClient(c)
	cl.TenantID = tenantID
	return cl
}

func testTenantRoundTrip(t *testing.T, s tenantStore, c *Clock) {
	tn := sampleTenant(c)
	assertFilled(t, tn)
	mustOK(t, s.CreateTenant(t.Context(), tn), "CreateTenant")
	assertEqual(t, "GetTenant", getTenant(t, s, tn.ID), tn)
	got, err := s.GetTenantBySlug(t.Context(), tn.Slug)
	mustOK(t, err, "GetTenantBySlug")
	assertEqual(t, "GetTenantBySlug", got, tn)
	if !got.Active() {
		t.Error("a tenant stored active is not Active()")
	}
}

// Every fresh store has the default tenant (the migration creates it, the
// memory backend seeds it): users and clients without a tenant live there.
func testTenantDefault(t *testing.T, s tenantStore, _ *Clock) {
	got := getTenant(t, s, storage.DefaultTenantID)
	if got.Slug != "default" || !got.Active() {
		t.Fatalf("default tenant = %+v, want slug default, active", got)
	}
	bySlug, err := s.GetTenantBySlug(t.Context(), "default")
	mustOK(t, err, "GetTenantBySlug(default)")
	if bySlug.ID != storage.DefaultTenantID {
		t.Fatalf("slug default belongs to %q", bySlug.ID)
	}
}

func testTenantDuplicateID(t *testing.T, s tenantStore, c *Clock) {
	tn := newTenant(t, s, c)
	dup := sampleTenant(c)
	dup.ID = tn.ID
	mustErr(t, s.CreateTenant(t.Context(), dup), storage.ErrAlreadyExists, "CreateTenant with a taken ID")
	assertEqual(t, "tenant after rejected duplicate", getTenant(t, s, tn.ID), tn)
	_, err := s.GetTenantBySlug(t.Context(), dup.Slug)
	mustErr(t, err, storage.ErrNotFound, "GetTenantBySlug of the rejected duplicate")
}

func testTenantDuplicateSlug(t *testing.T, s tenantStore, c *Clock) {
	tn := newTenant(t, s, c)
	dup := sampleTenant(c)
	dup.Slug = tn.Slug
	mustErr(t, s.CreateTenant(t.Context(), dup), storage.ErrAlreadyExists, "CreateTenant with a taken slug")
	_, err := s.GetTenant(t.Context(), dup.ID)
	mustErr(t, err, storage.ErrNotFound, "GetTenant of the rejected duplicate")
	mustErr(t, s.CreateTenant(t.Context(), storage.Tenant{ID: randomID(), Slug: "default", Name: "x",
		Status: storage.TenantActive, CreatedAt: c.Now(), UpdatedAt: c.Now()}),
		storage.ErrAlreadyExists, "CreateTenant with the default tenant's slug")
}

func testTenantNotFound(t *testing.T, s tenantStore, c *Clock) {
	newTenant(t, s, c)
	_, err := s.GetTenant(t.Context(), randomID())
	mustErr(t, err, storage.ErrNotFound, "GetTenant unknown")
	_, err = s.GetTenantBySlug(t.Context(), "t-"+randomID())
	mustErr(t, err, storage.ErrNotFound, "GetTenantBySlug unknown")
	mustErr(t, s.UpdateTenant(t.Context(), sampleTenant(c)), storage.ErrNotFound, "UpdateTenant unknown")
}

// UpdateTenant replaces slug, name, status and UpdatedAt, never CreatedAt.
func testTenantUpdate(t *testing.T, s tenantStore, c *Clock) {
	tn := newTenant(t, s, c)
	c.Advance(time.Minute)
	upd := tn
	upd.Slug = "renamed-" + randomHex(4)
	upd.Name = "Renamed"
	upd.Status = storage.TenantSuspended
	upd.UpdatedAt = c.Now()
	upd.CreatedAt = c.Now() // must be ignored
	mustOK(t, s.UpdateTenant(t.Context(), upd), "UpdateTenant")

	want := upd
	want.CreatedAt = tn.CreatedAt
	assertEqual(t, "tenant after UpdateTenant", getTenant(t, s, tn.ID), want)
	got, err := s.GetTenantBySlug(t.Context(), upd.Slug)
	mustOK(t, err, "GetTenantBySlug new slug")
	assertEqual(t, "by new slug", got, want)
	if got.Active() {
		t.Error("a suspended tenant is Active()")
	}
	_, err = s.GetTenantBySlug(t.Context(), tn.Slug)
	mustErr(t, err, storage.ErrNotFound, "GetTenantBySlug old slug")
}

func testTenantUpdateSlugTaken(t *testing.T, s tenantStore, c *Clock) {
	a, b := newTenant(t, s, c), newTenant(t, s, c)
	upd := b
	upd.Slug = a.Slug
	upd.Name = "Changed"
	mustErr(t, s.UpdateTenant(t.Context(), upd), storage.ErrAlreadyExists, "UpdateTenant to a taken slug")
	assertEqual(t, "tenant after rejected update", getTenant(t, s, b.ID), b)
	assertEqual(t, "slug owner after rejected update", getTenant(t, s, a.ID), a)
}

func testTenantListPagination(t *testing.T, s tenantStore, c *Clock) {
	want := []string{storage.DefaultTenantID}
	for range 6 {
		want = append(want, newTenant(t, s, c).ID)
	}
	slices.Sort(want)
	for _, size := range []int{1, 2, 3, 7, 8, 0} {
		t.Run(fmt.Sprintf("Limit%d", size), func(t *testing.T) {
			got := walkPages(t, "ListTenants", size, func(p storage.PageRequest) (storage.Page[storage.Tenant], error) {
				return s.ListTenants(t.Context(), storage.TenantFilter{}, p)
			}, func(tn storage.Tenant) string { return tn.ID })
			assertIDs(t, "ListTenants", got, want, func(tn storage.Tenant) string { return tn.ID })
		})
	}
	first, err := s.ListTenants(t.Context(), storage.TenantFilter{}, storage.PageRequest{Limit: 2})
	mustOK(t, err, "ListTenants")
	assertEqual(t, "first page's first tenant", first.Items[0], getTenant(t, s, want[0]))
}

func testTenantListFilters(t *testing.T, s tenantStore, c *Clock) {
	acme := sampleTenant(c)
	acme.Slug, acme.Name = "acme-"+randomHex(4), "ACME Corporation"
	beta := sampleTenant(c)
	beta.Slug, beta.Name, beta.Status = "beta-"+randomHex(4), "Beta Venues", storage.TenantSuspended
	gamma := sampleTenant(c)
	gamma.Slug, gamma.Name, gamma.Status = "gamma-"+randomHex(4), "Gamma Acmeish", storage.TenantSuspended
	for _, tn := range []storage.Tenant{acme, beta, gamma} {
		mustOK(t, s.CreateTenant(t.Context(), tn), "CreateTenant")
	}
	for _, tc := range []struct {
		name   string
		filter storage.TenantFilter
		want   []string
	}{
		{"Suspended", storage.TenantFilter{Status: storage.TenantSuspended}, []string{beta.ID, gamma.ID}},
		{"Active", storage.TenantFilter{Status: storage.TenantActive}, []string{storage.DefaultTenantID, acme.ID}},
		{"QuerySlugOrName", storage.TenantFilter{Query: "ACME"}, []string{acme.ID, gamma.ID}},
		{"QueryName", storage.TenantFilter{Query: "venues"}, []string{beta.ID}},
		{"QueryAndStatus", storage.TenantFilter{Query: "acme", Status: storage.TenantSuspended}, []string{gamma.ID}},
		{"NoMatch", storage.TenantFilter{Query: "zz-" + randomHex(4)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, err := s.ListTenants(t.Context(), tc.filter, storage.PageRequest{})
			mustOK(t, err, "ListTenants")
			if page.Next != "" {
				t.Errorf("Next = %q on the only page", page.Next)
			}
			want := slices.Sorted(slices.Values(tc.want))
			assertIDs(t, "ListTenants", page.Items, want, func(tn storage.Tenant) string { return tn.ID })
		})
	}
}

// The e-mail is unique per tenant: the same address may sign up in two
// tenants, and the lookup names the tenant.
func testTenantEmailUnique(t *testing.T, s tenantStore, c *Clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, c), newTenant(t, s, c)
	email := "same-" + randomID() + "@example.com"
	ua, ub := tenantUser(c, a.ID), tenantUser(c, b.ID)
	ua.Email, ub.Email = email, email
	mustOK(t, s.CreateUser(ctx, ua), "CreateUser in tenant A")
	mustOK(t, s.CreateUser(ctx, ub), "CreateUser with the same e-mail in tenant B")
	dup := tenantUser(c, a.ID)
	dup.Email = email
	mustErr(t, s.CreateUser(ctx, dup), storage.ErrAlreadyExists, "CreateUser with the e-mail taken in the tenant")
	_, err := s.GetUser(ctx, dup.ID)
	mustErr(t, err, storage.ErrNotFound, "GetUser of the rejected duplicate")

	got, err := s.GetUserByEmail(ctx, a.ID, email)
	mustOK(t, err, "GetUserByEmail in A")
	assertEqual(t, "GetUserByEmail in A", got, ua)
	got, err = s.GetUserByEmail(ctx, b.ID, email)
	mustOK(t, err, "GetUserByEmail in B")
	assertEqual(t, "GetUserByEmail in B", got, ub)
	_, err = s.GetUserByEmail(ctx, storage.DefaultTenantID, email)
	mustErr(t, err, storage.ErrNotFound, "GetUserByEmail in a tenant without the address")
	_, err = s.GetUserByEmail(ctx, randomID(), email)
	mustErr(t, err, storage.ErrNotFound, "GetUserByEmail in an unknown tenant")
}

func testTenantSetEmail(t *testing.T, s tenantStore, c *Clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, c), newTenant(t, s, c)
	ua, ub, ub2 := tenantUser(c, a.ID), tenantUser(c, b.ID), tenantUser(c, b.ID)
	for _, u := range []storage.User{ua, ub, ub2} {
		mustOK(t, s.CreateUser(ctx, u), "CreateUser")
	}
	mustOK(t, s.SetEmail(ctx, ub.ID, ua.Email, true, c.Now()), "SetEmail to an address taken in another tenant")
	mustErr(t, s.SetEmail(ctx, ub2.ID, ua.Email, true, c.Now()), storage.ErrAlreadyExists,
		"SetEmail to an address taken in the tenant")
	got, err := s.GetUserByEmail(ctx, b.ID, ua.Email)
	mustOK(t, err, "GetUserByEmail in B")
	if got.ID != ub.ID {
		t.Fatalf("GetUserByEmail in B = %q, want %q", got.ID, ub.ID)
	}
	got, err = s.GetUser(ctx, ub2.ID)
	mustOK(t, err, "GetUser")
	assertEqual(t, "user after refused SetEmail", got, ub2)
}

// A soft-deleted address is held only in its own tenant.
func testTenantEmailHeld(t *testing.T, s tenantStore, c *Clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, c), newTenant(t, s, c)
	u := tenantUser(c, a.ID)
	mustOK(t, s.CreateUser(ctx, u), "CreateUser")
	mustOK(t, s.SoftDeleteUser(ctx, u.ID, c.Now()), "SoftDeleteUser")
	since := c.Now().Add(-time.Hour)
	held, err := s.EmailHeld(ctx, a.ID, u.Email, since)
	mustOK(t, err, "EmailHeld in A")
	if !held {
		t.Error("address not held in its tenant")
	}
	held, err = s.EmailHeld(ctx, b.ID, u.Email, since)
	mustOK(t, err, "EmailHeld in B")
	if held {
		t.Error("address held in another tenant")
	}
}

// Every read of a user or client fills TenantStatus from its tenant, so a
// suspension is seen at once.
func testTenantStatusFilled(t *testing.T, s tenantStore, c *Clock) {
	ctx := t.Context()
	tn := newTenant(t, s, c)
	u, cl := tenantUser(c, tn.ID), tenantClient(c, tn.ID)
	mustOK(t, s.CreateUser(ctx, u), "CreateUser")
	mustOK(t, s.CreateClient(ctx, cl), "CreateClient")
	check := func(want string) {
		t.Helper()
		gu, err := s.GetUser(ctx, u.ID)
		mustOK(t, err, "GetUser")
		ge, err := s.GetUserByEmail(ctx, tn.ID, u.Email)
		mustOK(t, err, "GetUserByEmail")
		gt, err := s.GetTenantUser(ctx, tn.ID, u.ID)
		mustOK(t, err, "GetTenantUser")
		users, err := s.ListUsers(ctx, storage.UserFilter{TenantID: tn.ID}, storage.PageRequest{})
		mustOK(t, err, "ListUsers")
		gc, err := s.GetClient(ctx, cl.ID)
		mustOK(t, err, "GetClient")
		gtc, err := s.GetTenantClient(ctx, tn.ID, cl.ID)
		mustOK(t, err, "GetTenantClient")
		clients, err := s.ListTenantClients(ctx, storage.ClientFilter{TenantID: tn.ID}, storage.PageRequest{})
		mustOK(t, err, "ListTenantClients")
		all, err := s.ListClients(ctx)
		mustOK(t, err, "ListClients")
		if len(users.Items) != 1 || len(clients.Items) != 1 || len(all) != 1 {
			t.Fatalf("got %d users, %d tenant clients, %d clients; want 1 each",
				len(users.Items), len(clients.Items), len(all))
		}
		for what, got := range map[string]string{
			"GetUser": gu.TenantStatus, "GetUserByEmail": ge.TenantStatus, "GetTenantUser": gt.TenantStatus,
			"ListUsers": users.Items[0].TenantStatus, "GetClient": gc.TenantStatus,
			"GetTenantClient": gtc.TenantStatus, "ListTenantClients": clients.Items[0].TenantStatus,
			"ListClients": all[0].TenantStatus,
		} {
			if got != want {
				t.Errorf("%s: TenantStatus = %q, want %q", what, got, want)
			}
		}
		if gu.TenantSuspended() != (want == storage.TenantSuspended) || gc.TenantSuspended() != gu.TenantSuspended() {
			t.Errorf("TenantSuspended() = %v (user), %v (client) with status %q", gu.TenantSuspended(), gc.TenantSuspended(), want)
		}
		if gu.TenantID != tn.ID || gc.TenantID != tn.ID || all[0].TenantID != tn.ID {
			t.Errorf("TenantID = %q (user), %q (client), %q (ListClients), want %q", gu.TenantID, gc.TenantID, all[0].TenantID, tn.ID)
		}
	}
	check(storage.TenantActive)
	c.Advance(time.Minute)
	tn.Status, tn.UpdatedAt = storage.TenantSuspended, c.Now()
	mustOK(t, s.UpdateTenant(ctx, tn), "suspend tenant")
	check(storage.TenantSuspended)
	tn.Status, tn.UpdatedAt = storage.TenantActive, c.Now()
	mustOK(t, s.UpdateTenant(ctx, tn), "reactivate tenant")
	check(storage.TenantActive)
}

// walkPages follows Next from the first page to the last with the given
// page size and returns every item in order. It checks the page contract:
// no page exceeds the size, every page but the last is full, Next is the
// last item's ID, and the last page has no Next.
func walkPages[T any](t *testing.T, what string, size int, list func(storage.PageRequest) (storage.Page[T], error), id func(T) string) []T {
	t.Helper()
	effective := storage.PageRequest{Limit: size}.Size()
	var all []T
	req := storage.PageRequest{Limit: size}
	for n := 1; ; n++ {
		if n > 1000 {
			t.Fatalf("%s: more than 1000 pages; Next never ends", what)
		}
		page, err := list(req)
		mustOK(t, err, fmt.Sprintf("%s page %d", what, n))
		all = append(all, page.Items...)
		if len(page.Items) > effective {
			t.Fatalf("%s page %d: %d items, limit %d", what, n, len(page.Items), effective)
		}
		if page.Next == "" {
			return all
		}
		if len(page.Items) != effective {
			t.Fatalf("%s page %d: %d items with a Next, want a full page of %d", what, n, len(page.Items), effective)
		}
		if last := id(page.Items[len(page.Items)-1]); page.Next != last {
			t.Fatalf("%s page %d: Next = %q, want the last item's ID %q", what, n, page.Next, last)
		}
		req.After = page.Next
	}
}

// assertIDs checks that items are exactly the records with the given IDs,
// in that order.
func assertIDs[T any](t *testing.T, what string, items []T, want []string, id func(T) string) {
	t.Helper()
	got := make([]string, len(items))
	for i, it := range items {
		got[i] = id(it)
	}
	if !slices.Equal(got, want) && (len(got) != 0 || len(want) != 0) {
		t.Errorf("%s: got IDs\n\t%s\nwant\n\t%s", what, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

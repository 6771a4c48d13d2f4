package storagetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

func directoryTests() []testCase[tenantStore] {
	return []testCase[tenantStore]{
		{"GetTenantUser", testDirGetTenantUser},
		{"GetTenantClient", testDirGetTenantClient},
		{"WrongTenantChangesNothing", testDirWrongTenant},
		{"UpdateClient", testDirUpdateClient},
		{"SetClientSecretHash", testDirSetClientSecretHash},
		{"DeleteTenantClient", testDirDeleteTenantClient},
		{"SetUserDisabled", testDirSetUserDisabled},
		{"ListUsersPagination", testDirListUsersPagination},
		{"ListUsersFilters", testDirListUsersFilters},
		{"ListTenantClientsPagination", testDirListClientsPagination},
		{"ListTenantClientsFilters", testDirListClientsFilters},
		{"EmptyTenantMatchesNothing", testDirEmptyTenant},
	}
}

// twoTenants stores two tenants, each with one user and one client.
func twoTenants(t *testing.T, s tenantStore, c *Clock) (a, b storage.Tenant, ua, ub storage.User, ca, cb storage.Client) {
	t.Helper()
	a, b = newTenant(t, s, c), newTenant(t, s, c)
	ua, ub = tenantUser(c, a.ID), tenantUser(c, b.ID)
	ca, cb = tenantClient(c, a.ID), tenantClient(c, b.ID)
	for _, u := range []storage.User{ua, ub} {
		mustOK(t, s.CreateUser(t.Context(), u), "CreateUser")
	}
	for _, cl := range []storage.Client{ca, cb} {
		mustOK(t, s.CreateClient(t.Context(), cl), "CreateClient")
	}
	return a, b, ua, ub, ca, cb
}

func testDirGetTenantUser(t *testing.T, s tenantStore, c *Clock) {
	a, b, ua, _, _, _ := twoTenants(t, s, c)
	got, err := s.GetTenantUser(t.Context(), a.ID, ua.ID)
	mustOK(t, err, "GetTenantUser")
	assertEqual(t, "GetTenantUser", got, ua)
	_, err = s.GetTenantUser(t.Context(), b.ID, ua.ID)
	mustErr(t, err, storage.ErrNotFound, "GetTenantUser in another tenant")
	_, err = s.GetTenantUser(t.Context(), a.ID, randomID())
	mustErr(t, err, storage.ErrNotFound, "GetTenantUser unknown")
}

func testDirGetTenantClient(t *testing.T, s tenantStore, c *Clock) {
	a, b, _, _, ca, _ := twoTenants(t, s, c)
	got, err := s.GetTenantClient(t.Context(), a.ID, ca.ID)
	mustOK(t, err, "GetTenantClient")
	assertEqual(t, "GetTenantClient", got, ca)
	_, err = s.GetTenantClient(t.Context(), b.ID, ca.ID)
	mustErr(t, err, storage.ErrNotFound, "GetTenantClient in another tenant")
	_, err = s.GetTenantClient(t.Context(), a.ID, randomID())
	mustErr(t, err, storage.ErrNotFound, "GetTenantClient unknown")
}

// Every Directory write naming the wrong tenant is ErrNotFound and leaves
// the record as it was.
func testDirWrongTenant(t *testing.T, s tenantStore, c *Clock) {
	ctx := t.Context()
	_, b, ua, _, ca, _ := twoTenants(t, s, c)
	c.Advance(time.Minute)
	upd := ca
	upd.TenantID = b.ID
	upd.Name = "Hijacked"
	upd.RedirectURIs = []string{"https://evil.example.com/cb"}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"UpdateClient", s.UpdateClient(ctx, upd)},
		{"SetClientSecretHash", s.SetClientSecretHash(ctx, b.ID, ca.ID, randomHash())},
		{"DeleteTenantClient", s.DeleteTenantClient(ctx, b.ID, ca.ID)},
		{"SetUserDisabled", s.SetUserDisabled(ctx, b.ID, ua.ID, true, c.Now())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustErr(t, tc.err, storage.ErrNotFound, tc.name+" in another tenant")
		})
	}
	gotC, err := s.GetClient(ctx, ca.ID)
	mustOK(t, err, "GetClient")
	assertEqual(t, "client after writes in another tenant", gotC, ca)
	gotU, err := s.GetUser(ctx, ua.ID)
	mustOK(t, err, "GetUser")
	assertEqual(t, "user after writes in another tenant", gotU, ua)
}

// UpdateClient replaces every field but ID, TenantID, SecretHash and
// CreatedAt.
func testDirUpdateClient(t *testing.T, s tenantStore, c *Clock) {
	ctx := t.Context()
	a, _, _, _, ca, cb := twoTenants(t, s, c)
	c.Advance(time.Minute)
	upd := storage.Client{
		ID:                     ca.ID,
		TenantID:               a.ID,
		Name:                   "Renamed App",
		SecretHash:             randomHash(), // ignored
		Public:                 true,
		AuthMethod:             storage.AuthMethodNone,
		RedirectURIs:           []string{"https://new.example.com/cb"},
		PostLogoutRedirectURIs: []string{"https://new.example.com/bye"},
		GrantTypes:             []string{"authorization_code"},
		Scopes:                 []string{"openid"},
		FirstParty:             false,
		RequireMFA:             false,
		JWKS:                   []byte(`{"keys":[]}`),
		AccessTokenLifetime:    time.Minute,
		IDTokenLifetime:        2 * time.Minute,
		RefreshTokenLifetime:   3 * time.Minute,
		CreatedAt:              c.Now(), // ignored
	}
	mustOK(t, s.UpdateClient(ctx, upd), "UpdateClient")
	want := upd
	want.SecretHash, want.CreatedAt, want.TenantStatus = ca.SecretHash, ca.CreatedAt, storage.TenantActive
	got, err := s.GetTenantClient(ctx, a.ID, ca.ID)
	mustOK(t, err, "GetTenantClient")
	assertEqual(t, "client after UpdateClient", got, want)
	other, err := s.GetClient(ctx, cb.ID)
	mustOK(t, err, "GetClient")
	assertEqual(t, "other tenant's client", other, cb)
	unknown := upd
	unknown.ID = randomID()
	mustErr(t, s.UpdateClient(ctx, unknown), storage.ErrNotFound, "UpdateClient unknown")
}

func testDirSetClientSecretHash(t *testing.T, s tenantStore, c *Clock) {
	ctx := t.Context()
	a, _, _, _, ca, _ := twoTenants(t, s, c)
	hash := randomHash()
	mustOK(t, s.SetClientSecretHash(ctx, a.ID, ca.ID, hash), "SetClientSecretHash")
	want := ca
	want.SecretHash = hash
	got, err := s.GetClient(ctx, ca.ID)
	mustOK(t, err, "GetClient")
	assertEqual(t, "client after SetClientSecretHash", got, want)
	mustErr(t, s.SetClientSecretHash(ctx, a.ID, randomID(), hash), storage.ErrNotFound, "SetClientSecretHash unknown")
}

func testDirDeleteTenantClient(t *testing.T, s tenantStore, c *Clock) {
	ctx := t.Context()
	a, _, _, _, ca, cb := twoTenants(t, s, c)
	mustOK(t, s.DeleteTenantClient(ctx, a.ID, ca.ID), "DeleteTenantClient")
	_, err := s.GetClient(ctx, ca.ID)
	mustErr(t, err, storage.ErrNotFound, "GetClient after DeleteTenantClient")
	mustErr(t, s.DeleteTenantClient(ctx, a.ID, ca.ID), storage.ErrNotFound, "second DeleteTenantClient")
	all, err := s.ListClients(ctx)
	mustOK(t, err, "ListClients")
	assertEqual(t, "clients left", all, []storage.Client{cb})
}

func testDirSetUserDisabled(t *testing.T, s tenantStore, c *Clock) {
	ctx := t.Context()
	a, _, ua, ub, _, _ := twoTenants(t, s, c)
	c.Advance(time.Minute)
	mustOK(t, s.SetUserDisabled(ctx, a.ID, ua.ID, true, c.Now()), "SetUserDisabled true")
	want := ua
	want.Disabled, want.UpdatedAt = true, c.Now()
	got, err := s.GetTenantUser(ctx, a.ID, ua.ID)
	mustOK(t, err, "GetTenantUser")
	assertEqual(t, "user after SetUserDisabled(true)", got, want)

	c.Advance(time.Minute)
	mustOK(t, s.SetUserDisabled(ctx, a.ID, ua.ID, false, c.Now()), "SetUserDisabled false")
	want.Disabled, want.UpdatedAt = false, c.Now()
	got, err = s.GetTenantUser(ctx, a.ID, ua.ID)
	mustOK(t, err, "GetTenantUser")
	assertEqual(t, "user after SetUserDisabled(false)", got, want)

	other, err := s.GetUser(ctx, ub.ID)
	mustOK(t, err, "GetUser")
	assertEqual(t, "other tenant's user", other, ub)
	mustErr(t, s.SetUserDisabled(ctx, a.ID, randomID(), true, c.Now()), storage.ErrNotFound, "SetUserDisabled unknown")

	mustOK(t, s.SoftDeleteUser(ctx, ua.ID, c.Now()), "SoftDeleteUser")
	mustErr(t, s.SetUserDisabled(ctx, a.ID, ua.ID, false, c.Now()), storage.ErrNotFound, "SetUserDisabled of a deleted user")
}

func testDirListUsersPagination(t *testing.T, s tenantStore, c *Clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, c), newTenant(t, s, c)
	var want []string
	for i := range 6 {
		u := tenantUser(c, a.ID)
		mustOK(t, s.CreateUser(ctx, u), "CreateUser")
		want = append(want, u.ID)
		if i%2 == 0 {
			mustOK(t, s.CreateUser(ctx, tenantUser(c, b.ID)), "CreateUser in the other tenant")
			mustOK(t, s.CreateUser(ctx, tenantUser(c, storage.DefaultTenantID)), "CreateUser in the default tenant")
		}
	}
	slices.Sort(want)
	for _, size := range []int{1, 2, 3, 4, 6, 7, 0, -1, storage.MaxPageSize + 1} {
		t.Run(fmt.Sprintf("Limit%d", size), func(t *testing.T) {
			got := walkPages(t, "ListUsers", size, func(p storage.PageRequest) (storage.Page[storage.User], error) {
				return s.ListUsers(ctx, storage.UserFilter{TenantID: a.ID}, p)
			}, func(u storage.User) string { return u.ID })
			assertIDs(t, "ListUsers", got, want, func(u storage.User) string { return u.ID })
		})
	}
	first, err := s.ListUsers(ctx, storage.UserFilter{TenantID: a.ID}, storage.PageRequest{Limit: 1})
	mustOK(t, err, "ListUsers")
	full, err := s.GetUser(ctx, want[0])
	mustOK(t, err, "GetUser")
	assertEqual(t, "listed user", first.Items[0], full)
}

func testDirListUsersFilters(t *testing.T, s tenantStore, c *Clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, c), newTenant(t, s, c)
	mk := func(tenant, email string) storage.User {
		u := tenantUser(c, tenant)
		u.Email = email
		mustOK(t, s.CreateUser(ctx, u), "CreateUser")
		return u
	}
	tag := randomHex(4)
	ada := mk(a.ID, "ada."+tag+"@example.com")
	bob := mk(a.ID, "bob."+tag+"@example.org")
	eve := mk(a.ID, "eve."+tag+"@example.com")
	gone := mk(a.ID, "gone."+tag+"@example.com")
	mk(b.ID, "ada."+tag+"@example.com") // same address, other tenant
	ada.GivenName, ada.FamilyName = "Ada", "Lovelace_"+tag
	mustOK(t, s.UpdateProfile(ctx, ada.ID, storage.Profile{GivenName: ada.GivenName, FamilyName: ada.FamilyName}, c.Now()), "name ada")
	mustOK(t, s.SetUserDisabled(ctx, a.ID, bob.ID, true, c.Now()), "disable bob")
	mustOK(t, s.SoftDeleteUser(ctx, gone.ID, c.Now()), "delete gone")
	yes, no := true, false
	for _, tc := range []struct {
		name   string
		filter storage.UserFilter
		want   []string
	}{
		{"All", storage.UserFilter{}, []string{ada.ID, bob.ID, eve.ID}},
		{"IncludeDeleted", storage.UserFilter{IncludeDeleted: true}, []string{ada.ID, bob.ID, eve.ID, gone.ID}},
		{"EmailSubstringAnyCase", storage.UserFilter{Email: "ADA." + strings.ToUpper(tag)}, []string{ada.ID}},
		{"EmailDomain", storage.UserFilter{Email: "@example.com"}, []string{ada.ID, eve.ID}},
		{"Disabled", storage.UserFilter{Disabled: &yes}, []string{bob.ID}},
		{"DisabledWithDeleted", storage.UserFilter{Disabled: &yes, IncludeDeleted: true}, []string{bob.ID, gone.ID}},
		{"Enabled", storage.UserFilter{Disabled: &no}, []string{ada.ID, eve.ID}},
		{"NoMatch", storage.UserFilter{Email: "nobody-" + randomHex(4)}, nil},
		{"NameSubstringAnyCase", storage.UserFilter{Name: "a LOVELACE_" + tag}, []string{ada.ID}},
		{"NameNoMatch", storage.UserFilter{Name: "Babbage"}, nil},
		// LIKE wildcards in the query are literal characters.
		{"EmailPercentIsLiteral", storage.UserFilter{Email: "%@example.com"}, nil},
		{"NameUnderscoreIsLiteral", storage.UserFilter{Name: "lovelace_"}, []string{ada.ID}},
		{"NameUnderscoreNotAnyChar", storage.UserFilter{Name: "lovelac_"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.filter
			f.TenantID = a.ID
			page, err := s.ListUsers(ctx, f, storage.PageRequest{})
			mustOK(t, err, "ListUsers")
			if page.Next != "" {
				t.Errorf("Next = %q on the only page", page.Next)
			}
			want := slices.Sorted(slices.Values(tc.want))
			assertIDs(t, "ListUsers", page.Items, want, func(u storage.User) string { return u.ID })
		})
	}
}

func testDirListClientsPagination(t *testing.T, s tenantStore, c *Clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, c), newTenant(t, s, c)
	var want []string
	for i := range 5 {
		cl := tenantClient(c, a.ID)
		mustOK(t, s.CreateClient(ctx, cl), "CreateClient")
		want = append(want, cl.ID)
		if i%2 == 0 {
			mustOK(t, s.CreateClient(ctx, tenantClient(c, b.ID)), "CreateClient in the other tenant")
		}
	}
	slices.Sort(want)
	for _, size := range []int{1, 2, 5, 6, 0} {
		t.Run(fmt.Sprintf("Limit%d", size), func(t *testing.T) {
			got := walkPages(t, "ListTenantClients", size, func(p storage.PageRequest) (storage.Page[storage.Client], error) {
				return s.ListTenantClients(ctx, storage.ClientFilter{TenantID: a.ID}, p)
			}, func(cl storage.Client) string { return cl.ID })
			assertIDs(t, "ListTenantClients", got, want, func(cl storage.Client) string { return cl.ID })
		})
	}
	first, err := s.ListTenantClients(ctx, storage.ClientFilter{TenantID: a.ID}, storage.PageRequest{Limit: 1})
	mustOK(t, err, "ListTenantClients")
	full, err := s.GetClient(ctx, want[0])
	mustOK(t, err, "GetClient")
	assertEqual(t, "listed client", first.Items[0], full)
}

func testDirListClientsFilters(t *testing.T, s tenantStore, c *Clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, c), newTenant(t, s, c)
	mk := func(tenant, id, name string) storage.Client {
		cl := tenantClient(c, tenant)
		cl.ID, cl.Name = id, name
		mustOK(t, s.CreateClient(ctx, cl), "CreateClient")
		return cl
	}
	tag := randomHex(4)
	shop := mk(a.ID, "shop-"+tag, "Ticket Shop")
	door := mk(a.ID, "door-"+tag, "Door Scanner")
	mk(a.ID, "admin-"+tag, "Back Office")
	mk(b.ID, "shop2-"+tag, "Other Ticket Shop")
	for _, tc := range []struct {
		name  string
		query string
		want  []string
	}{
		{"ByID", "SHOP-" + strings.ToUpper(tag), []string{shop.ID}},
		{"ByName", "ticket", []string{shop.ID}},
		{"ByIDOrName", "o", []string{shop.ID, door.ID, "admin-" + tag}}, // shop (Shop), door, admin (Office)
		{"NoMatch", "zz-" + randomHex(4), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, err := s.ListTenantClients(ctx, storage.ClientFilter{TenantID: a.ID, Query: tc.query}, storage.PageRequest{})
			mustOK(t, err, "ListTenantClients")
			want := slices.Sorted(slices.Values(tc.want))
			assertIDs(t, "ListTenantClients", page.Items, want, func(cl storage.Client) string { return cl.ID })
		})
	}
}

// An empty tenant ID never means "every tenant".
func testDirEmptyTenant(t *testing.T, s tenantStore, c *Clock) {
	ctx := t.Context()
	_, _, ua, _, ca, _ := twoTenants(t, s, c)
	mustOK(t, s.CreateUser(ctx, tenantUser(c, storage.DefaultTenantID)), "CreateUser in the default tenant")
	mustOK(t, s.CreateClient(ctx, tenantClient(c, storage.DefaultTenantID)), "CreateClient in the default tenant")
	users, err := s.ListUsers(ctx, storage.UserFilter{}, storage.PageRequest{})
	mustOK(t, err, "ListUsers without a tenant")
	if len(users.Items) != 0 || users.Next != "" {
		t.Errorf("ListUsers without a tenant returned %d users, Next %q", len(users.Items), users.Next)
	}
	clients, err := s.ListTenantClients(ctx, storage.ClientFilter{}, storage.PageRequest{})
	mustOK(t, err, "ListTenantClients without a tenant")
	if len(clients.Items) != 0 || clients.Next != "" {
		t.Errorf("ListTenantClients without a tenant returned %d clients, Next %q", len(clients.Items), clients.Next)
	}
	_, err = s.GetTenantUser(ctx, "", ua.ID)
	mustErr(t, err, storage.ErrNotFound, "GetTenantUser without a tenant")
	_, err = s.GetTenantClient(ctx, "", ca.ID)
	mustErr(t, err, storage.ErrNotFound, "GetTenantClient without a tenant")
	mustErr(t, s.SetUserDisabled(ctx, "", ua.ID, true, c.Now()), storage.ErrNotFound, "SetUserDisabled without a tenant")
	mustErr(t, s.SetClientSecretHash(ctx, "", ca.ID, randomHash()), storage.ErrNotFound, "SetClientSecretHash without a tenant")
	mustErr(t, s.DeleteTenantClient(ctx, "", ca.ID), storage.ErrNotFound, "DeleteTenantClient without a tenant")
	upd := ca
	upd.TenantID = ""
	mustErr(t, s.UpdateClient(ctx, upd), storage.ErrNotFound, "UpdateClient without a tenant")
}

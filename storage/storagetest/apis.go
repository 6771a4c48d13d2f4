package storagetest

import (
	"cmp"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

// apiStore is what the API tests need: APIs and the tenants they belong to.
type apiStore interface {
	storage.APIs
	storage.Tenants
	storage.Clients
	storage.Outbox
}

func apiTests() []testCase[apiStore] {
	return []testCase[apiStore]{
		{"RoundTrip", testAPIRoundTrip},
		{"DefaultTenant", testAPIDefaultTenant},
		{"UnknownTenant", testAPIUnknownTenant},
		{"DuplicateID", testAPIDuplicateID},
		{"DuplicateIdentifier", testAPIDuplicateIdentifier},
		{"NotFound", testAPINotFound},
		{"ListByTenant", testAPIListByTenant},
		{"Update", testAPIUpdate},
		{"UpdateIdentifierTaken", testAPIUpdateIdentifierTaken},
		{"Delete", testAPIDelete},
		{"DeleteLeavesNoAllowlist", testAPIDeleteLeavesNoAllowlist},
		{"RenameCarriesAllowlists", testAPIRenameCarriesAllowlists},
		{"CallerCannotMutate", testAPICallerCannotMutate},
	}
}

// sampleAPI returns an API of tenant with every field set; scopes are
// unsorted so that order preservation is checked.
func sampleAPI(c *Clock, tenant string) storage.API {
	id := randomID()
	return storage.API{
		ID:                    "api-" + id[:10],
		TenantID:              tenant,
		Identifier:            "https://" + id[:12] + ".example/api",
		Name:                  "API " + id[:6],
		Scopes:                []string{"tickets:write", "tickets:read"},
		AccessTokenLifetime:   5 * time.Minute,
		SigningAlg:            "ES256",
		Opaque:                true,
		IntrospectionClientID: "rs-" + id[:8],
		CreatedAt:             c.Now(),
	}
}

func testAPIRoundTrip(t *testing.T, s apiStore, c *Clock) {
	tn := newTenant(t, s, c)
	a := sampleAPI(c, tn.ID)
	assertFilled(t, a)
	mustOK(t, s.CreateAPI(t.Context(), a), "CreateAPI")
	got, err := s.GetAPI(t.Context(), a.ID)
	mustOK(t, err, "GetAPI")
	assertEqual(t, "GetAPI", got, a)
	got, err = s.GetAPIByIdentifier(t.Context(), a.Identifier)
	mustOK(t, err, "GetAPIByIdentifier")
	assertEqual(t, "GetAPIByIdentifier", got, a)
}

func testAPIDefaultTenant(t *testing.T, s apiStore, c *Clock) {
	a := sampleAPI(c, "")
	mustOK(t, s.CreateAPI(t.Context(), a), "CreateAPI")
	got, err := s.GetAPI(t.Context(), a.ID)
	mustOK(t, err, "GetAPI")
	if got.TenantID != storage.DefaultTenantID {
		t.Fatalf("TenantID = %q, want the default tenant", got.TenantID)
	}
}

func testAPIUnknownTenant(t *testing.T, s apiStore, c *Clock) {
	mustErr(t, s.CreateAPI(t.Context(), sampleAPI(c, randomID())), storage.ErrNotFound, "CreateAPI in unknown tenant")
}

func testAPIDuplicateID(t *testing.T, s apiStore, c *Clock) {
	a := sampleAPI(c, "")
	mustOK(t, s.CreateAPI(t.Context(), a), "CreateAPI")
	b := sampleAPI(c, "")
	b.ID = a.ID
	mustErr(t, s.CreateAPI(t.Context(), b), storage.ErrAlreadyExists, "CreateAPI with taken ID")
}

// The identifier is unique across tenants: an audience names one API.
func testAPIDuplicateIdentifier(t *testing.T, s apiStore, c *Clock) {
	a := sampleAPI(c, "")
	mustOK(t, s.CreateAPI(t.Context(), a), "CreateAPI")
	b := sampleAPI(c, newTenant(t, s, c).ID)
	b.Identifier = a.Identifier
	mustErr(t, s.CreateAPI(t.Context(), b), storage.ErrAlreadyExists, "CreateAPI with taken identifier")
}

func testAPINotFound(t *testing.T, s apiStore, _ *Clock) {
	_, err := s.GetAPI(t.Context(), "nope")
	mustErr(t, err, storage.ErrNotFound, "GetAPI unknown")
	_, err = s.GetAPIByIdentifier(t.Context(), "https://nope.example/")
	mustErr(t, err, storage.ErrNotFound, "GetAPIByIdentifier unknown")
	_, err = s.DeleteAPI(t.Context(), "nope")
	mustErr(t, err, storage.ErrNotFound, "DeleteAPI unknown")
	_, err = s.UpdateAPI(t.Context(), storage.API{ID: "nope", Identifier: "https://x.example/"})
	mustErr(t, err, storage.ErrNotFound, "UpdateAPI unknown")
}

func testAPIListByTenant(t *testing.T, s apiStore, c *Clock) {
	tn := newTenant(t, s, c)
	a1, a2 := sampleAPI(c, tn.ID), sampleAPI(c, tn.ID)
	a1.ID, a2.ID = "b-api", "a-api"
	other := sampleAPI(c, "")
	for _, a := range []storage.API{a1, a2, other} {
		mustOK(t, s.CreateAPI(t.Context(), a), "CreateAPI")
	}
	got, err := s.ListAPIs(t.Context(), tn.ID)
	mustOK(t, err, "ListAPIs")
	assertEqual(t, "ListAPIs(tenant)", got, []storage.API{a2, a1})
	all, err := s.ListAPIs(t.Context(), "")
	mustOK(t, err, "ListAPIs(all)")
	if len(all) != 3 {
		t.Fatalf("ListAPIs(all) = %d APIs, want 3", len(all))
	}
	none, err := s.ListAPIs(t.Context(), newTenant(t, s, c).ID)
	mustOK(t, err, "ListAPIs(empty tenant)")
	if len(none) != 0 {
		t.Fatalf("ListAPIs(empty tenant) = %v, want none", none)
	}
}

// UpdateAPI replaces every field but ID, TenantID and CreatedAt.
func testAPIUpdate(t *testing.T, s apiStore, c *Clock) {
	a := sampleAPI(c, storage.DefaultTenantID)
	mustOK(t, s.CreateAPI(t.Context(), a), "CreateAPI")
	u := storage.API{
		ID: a.ID, TenantID: newTenant(t, s, c).ID, Identifier: "urn:example:moved", Name: "Renamed",
		Scopes: []string{"x"}, AccessTokenLifetime: time.Minute, SigningAlg: "EdDSA",
		CreatedAt: c.Now().Add(time.Hour),
	}
	changed, err := s.UpdateAPI(t.Context(), u)
	mustOK(t, err, "UpdateAPI")
	if len(changed) != 0 {
		t.Errorf("UpdateAPI of an API no client allows changed %v", changed)
	}
	got, err := s.GetAPI(t.Context(), a.ID)
	mustOK(t, err, "GetAPI")
	want := u
	want.TenantID, want.CreatedAt = a.TenantID, a.CreatedAt
	assertEqual(t, "GetAPI after update", got, want)
}

func testAPIUpdateIdentifierTaken(t *testing.T, s apiStore, c *Clock) {
	a, b := sampleAPI(c, ""), sampleAPI(c, "")
	mustOK(t, s.CreateAPI(t.Context(), a), "CreateAPI a")
	mustOK(t, s.CreateAPI(t.Context(), b), "CreateAPI b")
	b.Identifier = a.Identifier
	_, err := s.UpdateAPI(t.Context(), b)
	mustErr(t, err, storage.ErrAlreadyExists, "UpdateAPI to a taken identifier")
}

func testAPIDelete(t *testing.T, s apiStore, c *Clock) {
	a := sampleAPI(c, "")
	mustOK(t, s.CreateAPI(t.Context(), a), "CreateAPI")
	_, err := s.DeleteAPI(t.Context(), a.ID)
	mustOK(t, err, "DeleteAPI")
	_, err = s.GetAPI(t.Context(), a.ID)
	mustErr(t, err, storage.ErrNotFound, "GetAPI after delete")
	// The identifier is free again.
	b := sampleAPI(c, "")
	b.Identifier = a.Identifier
	mustOK(t, s.CreateAPI(t.Context(), b), "CreateAPI reusing the identifier")
}

func testAPICallerCannotMutate(t *testing.T, s apiStore, c *Clock) {
	a := sampleAPI(c, "")
	mustOK(t, s.CreateAPI(t.Context(), a), "CreateAPI")
	a.Scopes[0] = "changed"
	got, err := s.GetAPI(t.Context(), a.ID)
	mustOK(t, err, "GetAPI")
	got.Scopes[1] = "changed too"
	again, err := s.GetAPI(t.Context(), a.ID)
	mustOK(t, err, "GetAPI again")
	assertEqual(t, "Scopes", again.Scopes, []string{"tickets:write", "tickets:read"})
}

// Deleting an API takes its identifier out of every client's allowlist in
// the same change, and says whose: an API created later with the same
// identifier must not be allowed to the old API's clients unasked.
func testAPIDeleteLeavesNoAllowlist(t *testing.T, s apiStore, c *Clock) {
	a := sampleAPI(c, "")
	mustOK(t, s.CreateAPI(t.Context(), a), "CreateAPI")
	const other = "urn:example:other-api"
	both, only, unrelated := sampleClient(c), sampleClient(c), sampleClient(c)
	both.ID, only.ID, unrelated.ID = "b-"+both.ID, "a-"+only.ID, "c-"+unrelated.ID
	both.AllowedResources = []string{other, a.Identifier}
	only.AllowedResources = []string{a.Identifier}
	unrelated.AllowedResources = []string{other}
	for _, cl := range []storage.Client{both, only, unrelated} {
		mustOK(t, s.CreateClient(t.Context(), cl), "CreateClient")
	}
	changed, err := s.DeleteAPI(t.Context(), a.ID)
	mustOK(t, err, "DeleteAPI")
	assertEqual(t, "clients changed", changed, []string{only.ID, both.ID})
	assertClientsUpdated(t, s, a.TenantID, []string{both.ID, only.ID, unrelated.ID}, []string{only.ID, both.ID})
	for _, want := range []struct {
		id        string
		resources []string
	}{{both.ID, []string{other}}, {only.ID, nil}, {unrelated.ID, []string{other}}} {
		got, err := s.GetClient(t.Context(), want.id)
		mustOK(t, err, "GetClient")
		if len(got.AllowedResources) != len(want.resources) || (len(want.resources) > 0 && !slices.Equal(got.AllowedResources, want.resources)) {
			t.Errorf("client %s: AllowedResources = %v, want %v", want.id, got.AllowedResources, want.resources)
		}
	}
	// The identifier registered again is allowed to nobody.
	again := sampleAPI(c, "")
	again.Identifier = a.Identifier
	mustOK(t, s.CreateAPI(t.Context(), again), "CreateAPI again")
	for _, id := range []string{both.ID, only.ID} {
		got, err := s.GetClient(t.Context(), id)
		mustOK(t, err, "GetClient")
		if slices.Contains(got.AllowedResources, a.Identifier) {
			t.Errorf("client %s still allows the re-created %s", id, a.Identifier)
		}
	}
	// An API no client allows: nobody changed.
	lone := sampleAPI(c, "")
	mustOK(t, s.CreateAPI(t.Context(), lone), "CreateAPI lone")
	changed, err = s.DeleteAPI(t.Context(), lone.ID)
	mustOK(t, err, "DeleteAPI lone")
	if len(changed) != 0 {
		t.Errorf("DeleteAPI of an API no client allows changed %v", changed)
	}
}

// Renaming an API (a new identifier) carries its clients' permission over
// in the same change: a client that allowed the old identifier allows the
// new one, and each changed client is announced.
func testAPIRenameCarriesAllowlists(t *testing.T, s apiStore, c *Clock) {
	a := sampleAPI(c, "")
	mustOK(t, s.CreateAPI(t.Context(), a), "CreateAPI")
	const other = "urn:example:other-api"
	allows, unrelated := sampleClient(c), sampleClient(c)
	allows.AllowedResources = []string{other, a.Identifier}
	unrelated.AllowedResources = []string{other}
	for _, cl := range []storage.Client{allows, unrelated} {
		mustOK(t, s.CreateClient(t.Context(), cl), "CreateClient")
	}
	renamed := a
	renamed.Identifier = "https://renamed-" + randomID() + ".example.com/"
	changed, err := s.UpdateAPI(t.Context(), renamed)
	mustOK(t, err, "UpdateAPI (new identifier)")
	assertEqual(t, "clients changed", changed, []string{allows.ID})
	for _, want := range []struct {
		id        string
		resources []string
	}{{allows.ID, []string{other, renamed.Identifier}}, {unrelated.ID, []string{other}}} {
		got, err := s.GetClient(t.Context(), want.id)
		mustOK(t, err, "GetClient")
		assertEqual(t, "AllowedResources of "+want.id, got.AllowedResources, want.resources)
	}
	assertClientsUpdated(t, s, a.TenantID, []string{allows.ID, unrelated.ID}, []string{allows.ID})
	// The same identifier again (another field changed): no client changes.
	renamed.Name = "renamed"
	changed, err = s.UpdateAPI(t.Context(), renamed)
	mustOK(t, err, "UpdateAPI (same identifier)")
	if len(changed) != 0 {
		t.Errorf("UpdateAPI without a new identifier changed %v", changed)
	}
	assertClientsUpdated(t, s, a.TenantID, []string{allows.ID, unrelated.ID}, []string{allows.ID})
}

// assertClientsUpdated checks that, of the clients ids, exactly want have
// one client.changed "updated" event each, in tenant.
func assertClientsUpdated(t *testing.T, s storage.Outbox, tenant string, ids, want []string) {
	t.Helper()
	var got []string
	for _, e := range eventsOfType(t, s, storage.EventClientChanged) {
		var d storage.ClientChangedData
		mustOK(t, json.Unmarshal(e.Data, &d), "client.changed payload")
		if !slices.Contains(ids, d.ClientID) {
			continue
		}
		if d.Change != "updated" || e.TenantID != cmp.Or(tenant, storage.DefaultTenantID) {
			t.Errorf("client.changed %s: change %q in tenant %q, want updated in %q", d.ClientID, d.Change, e.TenantID, tenant)
		}
		got = append(got, d.ClientID)
	}
	slices.Sort(got)
	want = slices.Sorted(slices.Values(want))
	assertEqual(t, "clients announced", got, want)
}

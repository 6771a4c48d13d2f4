package storagetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

func clientTests() []testCase[storage.Clients] {
	return []testCase[storage.Clients]{
		{"RoundTrip", testClientRoundTrip},
		{"RoundTripPublic", testClientRoundTripPublic},
		{"DuplicateID", testClientDuplicateID},
		{"NotFound", testClientNotFound},
		{"ListOrderedByID", testClientListOrdered},
		{"ListEmpty", testClientListEmpty},
		{"Delete", testClientDelete},
		{"DeleteUnknown", testClientDeleteUnknown},
		{"CallerCannotMutate", testClientCallerCannotMutate},
	}
}

// sampleClient returns a confidential client with every field but Public set
// (testClientRoundTripPublic covers that one). Slices are deliberately
// unsorted so that order preservation is checked.
func sampleClient(c *Clock) storage.Client {
	cl := storage.Client{
		ID:                     randomID(),
		TenantID:               storage.DefaultTenantID,
		TenantStatus:           storage.TenantActive,
		Name:                   "Sample App",
		SecretHash:             randomHash(),
		AuthMethod:             storage.AuthMethodPrivateKeyJWT,
		RedirectURIs:           []string{"https://app.example.com/cb", "https://app.example.com/a/cb", "http://127.0.0.1:8080/cb"},
		PostLogoutRedirectURIs: []string{"https://app.example.com/bye", "https://app.example.com/"},
		GrantTypes:             []string{"refresh_token", "authorization_code"},
		Scopes:                 []string{"openid", "profile", "email", "offline_access"},
		FirstParty:             true,
		RequireMFA:             true,
		JWKS:                   []byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","kid":"k1"}]}`),
		AccessTokenLifetime:    5 * time.Minute,
		IDTokenLifetime:        time.Hour,
		RefreshTokenLifetime:   30 * 24 * time.Hour,
		CreatedAt:              c.Now(),
		// Logout notification (issue 19).
		BackchannelLogoutURI:              "https://app.example.com/backchannel-logout",
		BackchannelLogoutSessionRequired:  true,
		FrontchannelLogoutURI:             "https://app.example.com/frontchannel-logout",
		FrontchannelLogoutSessionRequired: true,
		LogoURI:                           "https://app.example.com/logo.png",
		PolicyURI:                         "https://app.example.com/privacy",
		TOSURI:                            "https://app.example.com/terms",
	}
	cl.DPoPBoundAccessTokens, cl.RequirePushedAuthorizationRequests = true, true
	cl.AllowedResources = []string{"https://tickets.example/api", "urn:example:payments"}
	cl.IDTokenSignedResponseAlg, cl.AccessTokenSignedResponseAlg = "ES256", "EdDSA"
	return cl
}

func testClientRoundTrip(t *testing.T, s storage.Clients, c *Clock) {
	cl := sampleClient(c)
	assertFilled(t, cl, "Public")
	mustOK(t, s.CreateClient(t.Context(), cl), "CreateClient")
	got, err := s.GetClient(t.Context(), cl.ID)
	mustOK(t, err, "GetClient")
	assertEqual(t, "GetClient", got, cl)
}

// A public client has no secret, no JWKS and default (zero) lifetimes; the
// zero values must survive, not turn into something else. Without a tenant
// it lands in the default tenant.
func testClientRoundTripPublic(t *testing.T, s storage.Clients, c *Clock) {
	cl := storage.Client{
		ID:           randomID(),
		Public:       true,
		AuthMethod:   storage.AuthMethodNone,
		RedirectURIs: []string{"com.example.app:/cb"},
		GrantTypes:   []string{"authorization_code"},
		CreatedAt:    c.Now(),
	}
	mustOK(t, s.CreateClient(t.Context(), cl), "CreateClient")
	got, err := s.GetClient(t.Context(), cl.ID)
	mustOK(t, err, "GetClient")
	assertEqual(t, "GetClient", got, storedClient(cl))
}

// storedClient is c as a backend returns it (see storedUser).
func storedClient(c storage.Client) storage.Client {
	if c.TenantID == "" {
		c.TenantID = storage.DefaultTenantID
	}
	if c.TenantStatus == "" {
		c.TenantStatus = storage.TenantActive
	}
	return c
}

func testClientDuplicateID(t *testing.T, s storage.Clients, c *Clock) {
	cl := sampleClient(c)
	mustOK(t, s.CreateClient(t.Context(), cl), "CreateClient")
	dup := sampleClient(c)
	dup.ID = cl.ID
	mustErr(t, s.CreateClient(t.Context(), dup), storage.ErrAlreadyExists, "CreateClient with a taken ID")
	got, err := s.GetClient(t.Context(), cl.ID)
	mustOK(t, err, "GetClient")
	assertEqual(t, "client after rejected duplicate", got, cl)
}

func testClientNotFound(t *testing.T, s storage.Clients, _ *Clock) {
	_, err := s.GetClient(t.Context(), randomID())
	mustErr(t, err, storage.ErrNotFound, "GetClient unknown")
}

func testClientListOrdered(t *testing.T, s storage.Clients, c *Clock) {
	want := []storage.Client{sampleClient(c), sampleClient(c), sampleClient(c)}
	slices.SortFunc(want, func(a, b storage.Client) int { return strings.Compare(a.ID, b.ID) })
	for _, i := range []int{1, 2, 0} { // insertion order differs from ID order
		mustOK(t, s.CreateClient(t.Context(), want[i]), "CreateClient")
	}
	got, err := s.ListClients(t.Context())
	mustOK(t, err, "ListClients")
	assertEqual(t, "ListClients", got, want)
}

func testClientListEmpty(t *testing.T, s storage.Clients, _ *Clock) {
	got, err := s.ListClients(t.Context())
	mustOK(t, err, "ListClients")
	if len(got) != 0 {
		t.Errorf("ListClients on an empty store returned %d clients", len(got))
	}
}

func testClientDelete(t *testing.T, s storage.Clients, c *Clock) {
	gone, kept := sampleClient(c), sampleClient(c)
	mustOK(t, s.CreateClient(t.Context(), gone), "CreateClient")
	mustOK(t, s.CreateClient(t.Context(), kept), "CreateClient")
	mustOK(t, s.DeleteClient(t.Context(), gone.ID), "DeleteClient")

	_, err := s.GetClient(t.Context(), gone.ID)
	mustErr(t, err, storage.ErrNotFound, "GetClient after delete")
	got, err := s.ListClients(t.Context())
	mustOK(t, err, "ListClients")
	assertEqual(t, "ListClients after delete", got, []storage.Client{kept})
	mustErr(t, s.DeleteClient(t.Context(), gone.ID), storage.ErrNotFound, "second DeleteClient")
}

func testClientDeleteUnknown(t *testing.T, s storage.Clients, _ *Clock) {
	mustErr(t, s.DeleteClient(t.Context(), randomID()), storage.ErrNotFound, "DeleteClient unknown")
}

// Mutating the slices passed in or handed out must not change what is
// stored (trivial for databases, a real risk for in-process stores).
func testClientCallerCannotMutate(t *testing.T, s storage.Clients, c *Clock) {
	cl := sampleClient(c)
	want := normalize(cl) // deep copy
	mustOK(t, s.CreateClient(t.Context(), cl), "CreateClient")
	cl.RedirectURIs[0] = "https://evil.example.com/cb"
	cl.JWKS[0] = 'X'

	got, err := s.GetClient(t.Context(), cl.ID)
	mustOK(t, err, "GetClient")
	got.Scopes[0] = "admin"
	got, err = s.GetClient(t.Context(), cl.ID)
	mustOK(t, err, "GetClient")
	assertEqual(t, "client after caller mutation", got, want)
}

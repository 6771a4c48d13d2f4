package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

// brandStore is what the brand tests need: brands belong to tenants, and
// the client metadata of the consent page is stored with the client.
type brandStore interface {
	storage.Brands
	storage.Tenants
	storage.Clients
	storage.Directory
}

func brandTests() []testCase[brandStore] {
	return []testCase[brandStore]{
		{"RoundTrip", testBrandRoundTrip},
		{"ClientOverrideIsSeparate", testBrandClientOverride},
		{"ReplaceAndDelete", testBrandReplaceDelete},
		{"UnknownTenant", testBrandUnknownTenant},
		{"ClientMetadata", testClientMetadata},
	}
}

func sampleBrand(c *Clock, tenantID, clientID string) storage.Brand {
	return storage.Brand{
		TenantID: tenantID, ClientID: clientID, DisplayName: "Venue One", PrimaryColor: "#0b5394",
		SupportURL: "https://help.example.com", PrivacyURL: "https://example.com/privacy", DefaultLocale: "de",
		Logo: []byte("\x89PNG\r\n\x1a\n" + randomID()), LogoType: "image/png", UpdatedAt: c.Now(),
	}
}

func testBrandRoundTrip(t *testing.T, s brandStore, c *Clock) {
	ctx := context.Background()
	ten := newTenant(t, s, c)
	want := sampleBrand(c, ten.ID, "")
	mustOK(t, s.PutBrand(ctx, want), "put")
	got, err := s.GetBrand(ctx, ten.ID, "")
	mustOK(t, err, "get")
	assertEqual(t, "brand", got, want)
	assertFilled(t, got, "ClientID")
	_, err = s.GetBrand(ctx, storage.DefaultTenantID, "")
	mustErr(t, err, storage.ErrNotFound, "another tenant's brand")
}

func testBrandClientOverride(t *testing.T, s brandStore, c *Clock) {
	ctx := context.Background()
	ten := newTenant(t, s, c)
	cl := tenantClient(c, ten.ID)
	mustOK(t, s.CreateClient(ctx, cl), "client")
	tb := sampleBrand(c, ten.ID, "")
	cb := sampleBrand(c, ten.ID, cl.ID)
	cb.DisplayName, cb.PrimaryColor, cb.Logo, cb.LogoType = "Festival", "#7a0000", nil, ""
	mustOK(t, s.PutBrand(ctx, tb), "tenant brand")
	mustOK(t, s.PutBrand(ctx, cb), "client brand")
	got, err := s.GetBrand(ctx, ten.ID, cl.ID)
	mustOK(t, err, "get client brand")
	if got.DisplayName != "Festival" || len(got.Logo) != 0 || got.LogoType != "" {
		t.Fatalf("client brand = %+v", got)
	}
	got, err = s.GetBrand(ctx, ten.ID, "")
	mustOK(t, err, "get tenant brand")
	assertEqual(t, "tenant brand after client put", got, tb)
}

func testBrandReplaceDelete(t *testing.T, s brandStore, c *Clock) {
	ctx := context.Background()
	ten := newTenant(t, s, c)
	b := sampleBrand(c, ten.ID, "")
	mustOK(t, s.PutBrand(ctx, b), "put")
	c.Advance(time.Minute)
	b.PrimaryColor, b.Logo, b.LogoType, b.UpdatedAt = "#00563f", nil, "", c.Now()
	mustOK(t, s.PutBrand(ctx, b), "replace")
	got, err := s.GetBrand(ctx, ten.ID, "")
	mustOK(t, err, "get")
	assertEqual(t, "replaced brand", got, b)
	mustOK(t, s.DeleteBrand(ctx, ten.ID, ""), "delete")
	_, err = s.GetBrand(ctx, ten.ID, "")
	mustErr(t, err, storage.ErrNotFound, "get deleted")
	mustErr(t, s.DeleteBrand(ctx, ten.ID, ""), storage.ErrNotFound, "delete twice")
}

func testBrandUnknownTenant(t *testing.T, s brandStore, c *Clock) {
	mustErr(t, s.PutBrand(context.Background(), sampleBrand(c, randomID(), "")), storage.ErrNotFound, "put for unknown tenant")
}

// testClientMetadata: logo_uri, policy_uri and tos_uri are stored on
// create and on update.
func testClientMetadata(t *testing.T, s brandStore, c *Clock) {
	ctx := context.Background()
	ten := newTenant(t, s, c)
	cl := tenantClient(c, ten.ID)
	cl.LogoURI, cl.PolicyURI, cl.TOSURI = "https://rp.example.com/logo.png", "https://rp.example.com/privacy", "https://rp.example.com/terms"
	mustOK(t, s.CreateClient(ctx, cl), "create")
	got, err := s.GetClient(ctx, cl.ID)
	mustOK(t, err, "get")
	if got.LogoURI != cl.LogoURI || got.PolicyURI != cl.PolicyURI || got.TOSURI != cl.TOSURI {
		t.Fatalf("client metadata after create: %q %q %q", got.LogoURI, got.PolicyURI, got.TOSURI)
	}
	got.PolicyURI, got.TOSURI = "https://rp.example.com/privacy-v2", ""
	mustOK(t, s.UpdateClient(ctx, got), "update")
	again, err := s.GetClient(ctx, cl.ID)
	mustOK(t, err, "get again")
	if again.PolicyURI != "https://rp.example.com/privacy-v2" || again.TOSURI != "" || again.LogoURI != cl.LogoURI {
		t.Fatalf("client metadata after update: %q %q %q", again.LogoURI, again.PolicyURI, again.TOSURI)
	}
}

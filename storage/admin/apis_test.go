package admin_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage/admin"
)

func TestAPISpecValidate(t *testing.T) {
	ok := admin.APISpec{ID: "tickets", Identifier: "https://tickets.example/api", Scopes: []string{"tickets:read"}}
	tests := []struct {
		name  string
		edit  func(*admin.APISpec)
		field string // "" = valid
	}{
		{"valid", func(*admin.APISpec) {}, ""},
		{"urn identifier", func(s *admin.APISpec) { s.Identifier = "urn:example:payments" }, ""},
		{"every alg", func(s *admin.APISpec) { s.SigningAlg = "EdDSA" }, ""},
		{"bad id", func(s *admin.APISpec) { s.ID = "a b" }, "id"},
		{"relative identifier", func(s *admin.APISpec) { s.Identifier = "/api" }, "identifier"},
		{"fragment", func(s *admin.APISpec) { s.Identifier = "https://x.example/#f" }, "identifier"},
		{"no scopes", func(s *admin.APISpec) { s.Scopes = nil }, "scopes"},
		{"user scope", func(s *admin.APISpec) { s.Scopes = []string{"openid"} }, "scopes[0]"},
		{"scope with space", func(s *admin.APISpec) { s.Scopes = []string{"a b"} }, "scopes[0]"},
		{"ttl too long", func(s *admin.APISpec) { s.AccessTTL = 25 * time.Hour }, "access_token_ttl"},
		{"alg none", func(s *admin.APISpec) { s.SigningAlg = "none" }, "access_token_signing_alg"},
		{"alg HS256", func(s *admin.APISpec) { s.SigningAlg = "HS256" }, "access_token_signing_alg"},
		{"opaque without introspection client", func(s *admin.APISpec) { s.Opaque = true }, "introspection_client_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := ok
			s.Scopes = append([]string(nil), ok.Scopes...)
			tc.edit(&s)
			err := s.Validate()
			var ve *admin.ValidationError
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("Validate = %v, want valid", err)
			case tc.field != "" && (!errors.As(err, &ve) || ve.Errors[0].Field != tc.field):
				t.Fatalf("Validate = %v, want a problem on %s", err, tc.field)
			}
		})
	}
}

// APIs are tenant-scoped like clients; a client's allowlist and
// algorithms are checked against the tenant and the instance's keys.
func TestAPIsTenancyAndClientTargets(t *testing.T) {
	f := newFixture(t)
	f.s.SigningAlgs = []string{"RS256", "ES256"}
	a, b := f.tenant(t, "a"), f.tenant(t, "b")
	if _, err := f.s.CreateAPI(f.ctx, admin.CLI(), a.ID, admin.APISpec{ID: "tickets", Identifier: "https://tickets.example/api", Scopes: []string{"t:r"}}); err != nil {
		t.Fatal(err)
	}
	adminB := admin.Principal{Kind: admin.KindClient, ClientID: "b-admin", TenantID: b.ID, Admin: true}
	if _, err := f.s.GetAPI(f.ctx, adminB, b.ID, "tickets"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("tenant a's API under tenant b: %v, want ErrNotFound", err)
	}
	if _, err := f.s.CreateAPI(f.ctx, adminB, b.ID, admin.APISpec{ID: "dup", Identifier: "https://tickets.example/api", Scopes: []string{"x"}}); !errors.Is(err, admin.ErrConflict) {
		t.Errorf("an identifier taken in another tenant: %v, want ErrConflict", err)
	}
	if _, err := f.s.CreateAPI(f.ctx, admin.CLI(), a.ID, admin.APISpec{ID: "ed", Identifier: "https://ed.example/", Scopes: []string{"x"}, SigningAlg: "EdDSA"}); err == nil || !strings.Contains(err.Error(), "signing_algs") {
		t.Errorf("EdDSA on an instance without EdDSA keys: %v", err)
	}
	if _, err := f.s.CreateAPI(f.ctx, admin.CLI(), a.ID, admin.APISpec{ID: "op", Identifier: "https://op.example/", Scopes: []string{"x"}, Opaque: true, IntrospectionClientID: "nobody"}); err == nil || !strings.Contains(err.Error(), "introspection client") {
		t.Errorf("unknown introspection client: %v", err)
	}
	spec := admin.ClientSpec{ID: "shop", Grants: []string{"client_credentials"}, AllowedResources: []string{"https://tickets.example/api"}}
	if _, _, err := f.s.CreateClient(f.ctx, adminB, b.ID, spec); err == nil || !strings.Contains(err.Error(), "no API of the tenant") {
		t.Errorf("allowlisting another tenant's API: %v", err)
	}
	c, _, err := f.s.CreateClient(f.ctx, admin.CLI(), a.ID, spec)
	if err != nil || len(c.AllowedResources) != 1 {
		t.Fatalf("allowlisting the tenant's API: %+v, %v", c, err)
	}
	if _, err := f.s.UpdateClient(f.ctx, admin.CLI(), a.ID, "shop", func(s *admin.ClientSpec) { s.IDTokenAlg = "EdDSA" }); err == nil {
		t.Error("an id_token alg the instance has no key of was accepted")
	}
	if _, err := f.s.UpdateClient(f.ctx, admin.CLI(), a.ID, "shop", func(s *admin.ClientSpec) { s.IDTokenAlg = "ES256" }); err != nil {
		t.Errorf("ES256 id tokens: %v", err)
	}
	if _, err := f.s.DeleteAPI(f.ctx, adminB, b.ID, "tickets"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("deleting another tenant's API: %v", err)
	}
	if names := f.audit.names(); !contains(names, "admin.api.created") {
		t.Errorf("audit = %v, want admin.api.created", names)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

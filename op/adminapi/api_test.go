package adminapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/admit-idp/admit/op"
	"github.com/admit-idp/admit/op/adminapi"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
	"github.com/admit-idp/admit/storage/memory"
	"github.com/admit-idp/admit/storage/roles"
)

type fakeTokens map[string]op.AccessToken

func (f fakeTokens) VerifyAccessToken(_ context.Context, tok string) (op.AccessToken, error) {
	if t, ok := f[tok]; ok {
		return t, nil
	}
	return op.AccessToken{}, op.ErrInvalidToken
}

// down fails every Directory read as an unreachable database would.
type down struct{ *memory.Store }

func (down) ListUsers(context.Context, storage.UserFilter, storage.PageRequest) (storage.Page[storage.User], error) {
	return storage.Page[storage.User]{}, fmt.Errorf("postgres: list users: %w", storage.ErrUnavailable)
}

func handler(t *testing.T) http.Handler {
	now := func() time.Time { return time.Now().UTC() }
	mem := memory.New(now)
	if err := mem.CreateClient(context.Background(), storage.Client{ID: "ops", Scopes: []string{adminapi.Scope}, GrantTypes: []string{"client_credentials"}, AuthMethod: storage.AuthMethodBasic}); err != nil {
		t.Fatal(err)
	}
	s := &admin.Service{Store: down{mem}, Catalogue: roles.Default(), Now: now}
	h := &adminapi.Handler{Service: s, Tokens: fakeTokens{
		"admin":   {ClientID: "ops", Subject: "ops", Scopes: []string{adminapi.Scope}},
		"noscope": {ClientID: "ops", Subject: "ops", Scopes: []string{"other"}},
	}, CheckResponses: func(r *http.Request, err error) {
		if err != nil {
			t.Errorf("%s %s: response does not match openapi.yaml: %v", r.Method, r.URL.Path, err)
		}
	}}
	return http.StripPrefix("/admin/v1", h.Routes())
}

func do(h http.Handler, token, method, path string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestStorageOutageIs503Problem(t *testing.T) {
	rec := do(handler(t), "admin", http.MethodGet, "/admin/v1/tenants/"+storage.DefaultTenantID+"/users")
	var p adminapi.Problem
	_ = json.Unmarshal(rec.Body.Bytes(), &p)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" ||
		rec.Header().Get("Content-Type") != "application/problem+json" || p.Status != 503 || strings.Contains(rec.Body.String(), "postgres") {
		t.Fatalf("outage: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
}

func TestBearerErrors(t *testing.T) {
	h := handler(t)
	path := "/admin/v1/tenants/" + storage.DefaultTenantID + "/clients"
	for _, tc := range []struct {
		token  string
		status int
		www    string
	}{
		{"", 401, `Bearer realm="admit-admin"`}, // no error code: RFC 6750 3.1
		{"forged", 401, `error="invalid_token"`},
		{"noscope", 403, `error="insufficient_scope"`},
	} {
		rec := do(h, tc.token, http.MethodGet, path)
		if tc.token == "" && strings.Contains(rec.Header().Get("WWW-Authenticate"), "error=") {
			t.Errorf("no token: %q carries an error code (RFC 6750 3.1: it should not)", rec.Header().Get("WWW-Authenticate"))
		}
		if rec.Code != tc.status || !strings.Contains(rec.Header().Get("WWW-Authenticate"), tc.www) ||
			rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("token %q: %d %v", tc.token, rec.Code, rec.Header())
		}
	}
	if rec := do(h, "admin", http.MethodGet, path); rec.Code != http.StatusOK {
		t.Fatalf("admin: %d %s", rec.Code, rec.Body)
	}
}

func TestSpecJSONMatchesYAML(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(adminapi.SpecJSON(), &doc); err != nil || doc["openapi"] != "3.0.3" {
		t.Fatalf("SpecJSON: %v", err)
	}
}

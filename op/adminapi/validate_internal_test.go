package adminapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/admit-idp/admit/storage"
)

// BenchmarkCheckRequest is the per-request cost of enforcing openapi.yaml
// (route lookup, body read, parameter and body validation) on valid
// requests, without the handler behind it.
func BenchmarkCheckRequest(b *testing.B) {
	d := "/tenants/" + storage.DefaultTenantID
	h := &Handler{}
	for _, bc := range []struct{ name, method, path, body string }{
		{"GET with query", http.MethodGet, d + "/grants?limit=10&in_force=true&user_id=u1", ""},
		{"POST client", http.MethodPost, d + "/clients", `{"id":"shop","name":"Shop","grant_types":["authorization_code","refresh_token"],` +
			`"redirect_uris":["https://shop.example.com/cb"],"scopes":["openid","profile"],"access_token_ttl":600}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(bc.method, bc.path, strings.NewReader(bc.body))
				req.Header.Set("Content-Type", "application/json")
				if _, _, ok := h.checkRequest(httptest.NewRecorder(), req); !ok {
					b.Fatal("a valid request was refused")
				}
			}
		})
	}
}

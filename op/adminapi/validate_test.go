package adminapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/admit-idp/admit/op/adminapi"
	"github.com/admit-idp/admit/storage"
)

func send(h http.Handler, method, path, contentType, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer admin")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestRequestsAreValidatedAgainstTheDocument: openapi.yaml decides what a
// request may hold, at run time, and its verdicts are the API's problem
// responses: 400 for what JSON decoding would refuse, 422 naming every
// field or parameter otherwise.
func TestRequestsAreValidatedAgainstTheDocument(t *testing.T) {
	d := "/admin/v1/tenants/" + storage.DefaultTenantID
	const js = "application/json"
	tests := []struct {
		name, method, path, ct, body string
		status                       int
		fields                       []string
		details                      []string
	}{
		{"valid", http.MethodPost, "/admin/v1/tenants", js, `{"slug":"box","name":"Box"}`, http.StatusCreated, nil, nil},
		{"required field missing", http.MethodPost, "/admin/v1/tenants", js, `{"slug":"box"}`, http.StatusUnprocessableEntity, []string{"name"}, nil},
		{"unknown field", http.MethodPost, "/admin/v1/tenants", js, `{"slug":"box","name":"Box","admin":true}`, http.StatusBadRequest, []string{"admin"}, nil},
		{"wrong JSON type", http.MethodPost, "/admin/v1/tenants", js, `{"slug":5,"name":"Box"}`, http.StatusBadRequest, []string{"slug"}, nil},
		{"not JSON", http.MethodPost, "/admin/v1/tenants", js, `{"slug":`, http.StatusBadRequest, nil, nil},
		{"no body", http.MethodPost, "/admin/v1/tenants", js, ``, http.StatusBadRequest, nil, nil},
		{"not application/json", http.MethodPost, "/admin/v1/tenants", "text/plain", `{"slug":"box","name":"Box"}`, http.StatusUnsupportedMediaType, nil, nil},
		{"enum in an array", http.MethodPost, d + "/clients", js, `{"id":"shop","grant_types":["password"]}`, http.StatusUnprocessableEntity, []string{"grant_types[0]"}, nil},
		{"integer out of range", http.MethodPost, d + "/clients", js, `{"id":"shop","access_token_ttl":86401}`, http.StatusUnprocessableEntity, []string{"access_token_ttl"}, nil},
		{"date-time format", http.MethodPost, d + "/grants", js, `{"user_id":"u","role":"admin","expires_at":"tomorrow"}`, http.StatusBadRequest, []string{"expires_at"}, nil},
		{"every query problem", http.MethodGet, d + "/users?limit=0&disabled=maybe", "", "", http.StatusUnprocessableEntity, []string{"limit", "disabled"}, []string{"disabled: want true or false"}},
		{"query enum", http.MethodGet, "/admin/v1/keys?state=lost", "", "", http.StatusUnprocessableEntity, []string{"state"}, nil},
		{"query date-time", http.MethodGet, d + "/audit?since=yesterday", "", "", http.StatusUnprocessableEntity, []string{"since"}, nil},
	}
	h := handler(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := send(h, tt.method, tt.path, tt.ct, tt.body)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status < 400 {
				return
			}
			var p adminapi.Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Header().Get("Content-Type") != "application/problem+json" || p.Status != tt.status {
				t.Fatalf("not a problem response: %v %s", err, rec.Body)
			}
			var fields []string
			for _, f := range p.Errors {
				fields = append(fields, f.Field)
				if f.Detail == "" {
					t.Errorf("field %q has no detail", f.Field)
				}
			}
			for _, want := range tt.fields {
				if !slices.Contains(fields, want) {
					t.Errorf("errors %v lack the field %q: %s", fields, want, rec.Body)
				}
			}
			for _, want := range tt.details {
				if !strings.Contains(rec.Body.String(), want) {
					t.Errorf("problem lacks %q: %s", want, rec.Body)
				}
			}
		})
	}
}

// TestValidationDoesNotEchoValues: a refused value (a password of the
// wrong type, an unknown field's value) is not repeated in the problem,
// which clients may log.
func TestValidationDoesNotEchoValues(t *testing.T) {
	rec := send(handler(t), http.MethodPost, "/admin/v1/tenants/"+storage.DefaultTenantID+"/users", "application/json",
		`{"email":"a@example.com","password":12345678901234,"secret":"hunter2-hunter2"}`)
	if rec.Code != http.StatusBadRequest || strings.Contains(rec.Body.String(), "12345678901234") || strings.Contains(rec.Body.String(), "hunter2") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

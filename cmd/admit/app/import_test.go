package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/admit-idp/admit/storage"
)

// JSON Lines bodies are validated as strings (the importer checks each
// line against its own JSON Schema); kin-openapi needs to be told how to
// read them.
func init() {
	lines := func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(r)
		return string(b), err
	}
	openapi3filter.RegisterBodyDecoder("application/x-ndjson", lines)
	openapi3filter.RegisterBodyDecoder("application/jsonl", lines)
}

// TestAdminImportUsers: the admin API streams Admit's import format into
// the shared importer for one tenant; every exchange is checked against
// the OpenAPI document.
func TestAdminImportUsers(t *testing.T) {
	e := newAdminEnv(t, postgresBackend)
	other, otherToken := e.newTenantWithAdmin("other")
	body := strings.Join([]string{
		`{"id":"imp-1","email":"imp1@example.com","created_at":"2024-01-01T00:00:00Z","password":{"hash":"$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"}}`,
		`{"id":"imp-2","tenant_id":"` + other + `","email":"imp2@example.com","created_at":"2024-01-01T00:00:00Z"}`,
		`{"id":"imp-3","email":"broken","created_at":"2024-01-01T00:00:00Z"}`,
	}, "\n")
	ndjson := []string{"Content-Type", "application/x-ndjson"}
	path := tenantPath(storage.DefaultTenantID) + "/import/users"

	dry := e.must(http.StatusOK, e.call(e.platform, http.MethodPost, path+"?dry_run=true", body, ndjson...))
	if dry.body["dry_run"] != true || dry.body["inserted"] != float64(1) {
		t.Fatalf("dry run: %s", dry.raw)
	}
	if _, err := e.app.Stores.Durable.GetUser(context.Background(), "imp-1"); err == nil {
		t.Fatal("the dry run wrote")
	}
	r := e.must(http.StatusOK, e.call(e.platform, http.MethodPost, path, body, ndjson...))
	if r.body["inserted"] != float64(1) || !strings.Contains(r.raw, `"reason":"record of another tenant"`) || !strings.Contains(r.raw, `"reason":"invalid e-mail"`) {
		t.Fatalf("report: %s", r.raw)
	}
	if u, err := e.app.Stores.Durable.GetUser(context.Background(), "imp-1"); err != nil || u.TenantID != storage.DefaultTenantID {
		t.Fatalf("imported user = %+v, %v", u, err)
	}
	// Another tenant's administrator may not import here.
	e.must(http.StatusForbidden, e.call(otherToken, http.MethodPost, path, body, ndjson...))
	e.must(http.StatusUnprocessableEntity, e.call(e.platform, http.MethodPost, path+"?dry_run=maybe", body, append(ndjson, skipRequestValidation, "1")...))
	// The body is streamed: well past the 64 KiB every other request is held to.
	var many strings.Builder
	for i := range 1500 {
		fmt.Fprintf(&many, `{"id":"bulk-%d","email":"bulk%d@example.com","given_name":"Bulk","created_at":"2024-01-01T00:00:00Z"}`+"\n", i, i)
	}
	if many.Len() < 128<<10 {
		t.Fatalf("body of %d bytes is too small to prove streaming", many.Len())
	}
	if bulk := e.must(http.StatusOK, e.call(e.platform, http.MethodPost, path, many.String(), ndjson...)); bulk.body["inserted"] != float64(1500) {
		t.Fatalf("bulk import: %.300s", bulk.raw)
	}
	// A line past the importer's limit is the client's error, not a 500.
	long := e.must(http.StatusUnprocessableEntity, e.call(e.platform, http.MethodPost, path, strings.Repeat("x", 5<<20), ndjson...))
	if !strings.Contains(long.raw, "unreadable input") {
		t.Fatalf("over-long line: %s", long.raw)
	}
}

// TestAdminImportUsersNeedsPostgres: development mode answers 501.
func TestAdminImportUsersNeedsPostgres(t *testing.T) {
	e := newAdminEnv(t, memoryBackend)
	r := e.call(e.platform, http.MethodPost, tenantPath(storage.DefaultTenantID)+"/import/users", `{"id":"x","created_at":"2024-01-01T00:00:00Z"}`, "Content-Type", "application/x-ndjson")
	if r.status != http.StatusNotImplemented {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
}

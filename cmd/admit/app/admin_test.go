package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/op/adminapi"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
)

// --- OpenAPI validation of every exchange

// loadSpec loads and validates the embedded OpenAPI document.
func loadSpec(t testing.TB) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(adminapi.Spec)
	if err != nil {
		t.Fatalf("openapi.yaml does not load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI 3 document: %v", err)
	}
	return doc
}

// skipRequestValidation marks a request that breaks the document on
// purpose (a negative test); its response is still validated.
const skipRequestValidation = "X-Test-Invalid-Request"

// validator is an http.RoundTripper that checks every request and response
// against the OpenAPI document (kin-openapi's openapi3filter).
type validator struct {
	t      testing.TB
	router routers.Router
	next   http.RoundTripper
	seen   map[string]bool // operation IDs exercised
}

func (v *validator) RoundTrip(req *http.Request) (*http.Response, error) {
	v.t.Helper()
	skip := req.Header.Get(skipRequestValidation) != ""
	req.Header.Del(skipRequestValidation)
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		v.t.Errorf("%s %s: not in the OpenAPI document: %v", req.Method, req.URL.Path, err)
		return v.next.RoundTrip(req)
	}
	v.seen[route.Operation.OperationID] = true
	check := req.Clone(req.Context())
	check.Body = io.NopCloser(bytes.NewReader(body))
	in := &openapi3filter.RequestValidationInput{Request: check, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil && !skip {
		v.t.Errorf("%s %s: request does not match the OpenAPI document: %v", req.Method, req.URL.Path, err)
	}
	resp, err := v.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	raw, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(raw)), Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	if err := openapi3filter.ValidateResponse(req.Context(), out); err != nil {
		v.t.Errorf("%s %s → %d: response does not match the OpenAPI document: %v\n%s", req.Method, req.URL.Path, resp.StatusCode, err, raw)
	}
	return resp, nil
}

// adminEnv is an Admit with an admin API client whose exchanges are
// validated against the document.
type adminEnv struct {
	*env
	doc  *openapi3.T
	http *http.Client
	val  *validator
	// platform is a token of an admin client of the default tenant.
	platform       string
	platformClient [2]string
}

func newAdminEnv(t *testing.T, b backend) *adminEnv {
	t.Helper()
	return adminEnvOn(t, newEnv(t, b))
}

// adminEnvOn is e with the OpenAPI-validating admin API client and the
// platform administrator's token.
func adminEnvOn(t *testing.T, e *env) *adminEnv {
	t.Helper()
	doc := loadSpec(t)
	doc.Servers = openapi3.Servers{{URL: e.issuer + app.AdminPath}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	val := &validator{t: t, router: router, next: http.DefaultTransport, seen: map[string]bool{}}
	ae := &adminEnv{env: e, doc: doc, http: &http.Client{Transport: val}, val: val}
	ae.platformClient = ae.adminClient(storage.DefaultTenantID, "platform-admin")
	ae.platform = ae.clientToken(ae.platformClient)
	return ae
}

// adminClient registers (through the service, as the CLI does) a
// client_credentials client with the admit:admin scope in the tenant and
// returns its id and secret.
func (e *adminEnv) adminClient(tenantID, id string) [2]string {
	e.t.Helper()
	_, secret, err := e.app.Admin.CreateClient(context.Background(), admin.CLI(), tenantID, admin.ClientSpec{
		ID: id, Grants: []string{"client_credentials"}, Scopes: []string{adminapi.Scope}})
	if err != nil {
		e.t.Fatalf("admin client %s: %v", id, err)
	}
	return [2]string{id, secret}
}

func (e *adminEnv) clientToken(c [2]string, scopes ...string) string {
	e.t.Helper()
	cc := clientcredentials.Config{ClientID: c[0], ClientSecret: c[1], TokenURL: e.issuer + "/oauth/token", Scopes: scopes}
	tok, err := cc.Token(context.Background())
	if err != nil {
		e.t.Fatalf("client_credentials for %s: %v", c[0], err)
	}
	return tok.AccessToken
}

// userToken signs the user in through an app registered with the
// admit:admin scope and returns the user's access token.
func (e *adminEnv) userToken(email, password string) string {
	e.t.Helper()
	const id = "admin-console"
	if _, err := e.app.Stores.Durable.GetClient(context.Background(), id); err != nil {
		_, _, err := e.app.Admin.CreateClient(context.Background(), admin.CLI(), storage.DefaultTenantID, admin.ClientSpec{
			ID: id, Grants: []string{"authorization_code", "refresh_token"}, RedirectURIs: []string{rpCallback},
			Scopes: []string{"openid", "profile", "email", adminapi.Scope}, FirstParty: true, Public: true})
		if err != nil {
			e.t.Fatalf("admin console client: %v", err)
		}
	}
	r := e.rp(id, "", "openid", adminapi.Scope)
	ar := r.start()
	cb := e.browser().login(ar, email, password)
	tok, err := r.exchange(cb.Query().Get("code"), ar)
	if err != nil {
		e.t.Fatalf("user token for %s: %v", email, err)
	}
	return tok.AccessToken
}

// response is one admin API answer.
type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (r response) items() []map[string]any {
	list, _ := r.body["items"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, it := range list {
		out = append(out, it.(map[string]any))
	}
	return out
}

func (r response) str(k string) string { s, _ := r.body[k].(string); return s }

// call sends one request (body marshalled as JSON unless it is a string).
func (e *adminEnv) call(token, method, path string, body any, hdr ...string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, e.issuer+app.AdminPath+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &out.body)
	return out
}

func (e *adminEnv) must(want int, r response) response {
	e.t.Helper()
	if r.status != want {
		e.t.Fatalf("status %d, want %d: %s", r.status, want, r.raw)
	}
	return r
}

func tenantPath(id string) string { return "/tenants/" + url.PathEscape(id) }

// --- tests

func TestAdminOpenAPIDocumentIsServedAndValid(t *testing.T) {
	e := newAdminEnv(t, memoryBackend)
	r := e.must(http.StatusOK, e.call("", http.MethodGet, "/openapi.json", nil))
	if r.header.Get("Content-Type") != "application/json" || r.body["openapi"] != "3.0.3" {
		t.Fatalf("openapi.json: %s %v", r.header.Get("Content-Type"), r.body["openapi"])
	}
	served, err := openapi3.NewLoader().LoadFromData([]byte(r.raw))
	if err != nil || served.Validate(context.Background()) != nil {
		t.Fatalf("the served JSON document does not load: %v", err)
	}
	if served.Paths.Len() != e.doc.Paths.Len() {
		t.Fatalf("JSON has %d paths, YAML %d", served.Paths.Len(), e.doc.Paths.Len())
	}
	y := e.must(http.StatusOK, e.call("", http.MethodGet, "/openapi.yaml", nil))
	if !strings.HasPrefix(y.raw, "openapi: 3.0.3") {
		t.Fatalf("openapi.yaml: %.40q", y.raw)
	}
}

// operations lists every secured operation of the document with a path
// whose parameters are filled in and a request body that matches it.
func securedOperations(doc *openapi3.T) []struct{ id, method, path string } {
	var ops []struct{ id, method, path string }
	for _, p := range doc.Paths.InMatchingOrder() {
		for method, op := range doc.Paths.Value(p).Operations() {
			if op.Security != nil && len(*op.Security) == 0 {
				continue // the document itself is public
			}
			path := p
			for _, name := range []string{"tenantId", "clientId", "userId", "venueId"} {
				path = strings.ReplaceAll(path, "{"+name+"}", "x-"+strings.ToLower(name))
			}
			path = strings.ReplaceAll(path, "x-tenantid", storage.DefaultTenantID)
			ops = append(ops, struct{ id, method, path string }{op.OperationID, method, path})
		}
	}
	return ops
}

var validBodies = map[string]any{
	"createTenant":      map[string]any{"slug": "acme", "name": "Acme"},
	"updateTenant":      map[string]any{"name": "Acme"},
	"createClient":      map[string]any{"id": "new-client", "redirect_uris": []string{"https://app.example.com/cb"}},
	"updateClient":      map[string]any{"name": "New"},
	"createAPI":         map[string]any{"id": "new-api", "identifier": "https://new.example/api", "scopes": []string{"new:read"}},
	"updateAPI":         map[string]any{"name": "New"},
	"putTenantBrand":    map[string]any{"display_name": "Acme"},
	"putClientBrand":    map[string]any{"display_name": "Acme"},
	"createUser":        map[string]any{"email": "new@example.com"},
	"createGrant":       map[string]any{"user_id": "x-userid", "role": "admin"},
	"revokeGrants":      map[string]any{"user_id": "x-userid"},
	"grantVenueRole":    map[string]any{"user_id": "x-userid", "role": "box-office"},
	"grantOwnVenueRole": map[string]any{"user_id": "x-userid", "role": "box-office"},
}

// TestAdminEndpointsRequireTheScopeAndARole: every secured operation of
// the document refuses a request without a token (401), a bad token (401
// invalid_token), a
// token without admit:admin (403 insufficient_scope) and a user token
// with the scope but no admin role or venue rights (403).
func TestAdminEndpointsRequireTheScopeAndARole(t *testing.T) {
	e := newAdminEnv(t, postgresBackend)
	noScope := e.clientToken([2]string{app.DemoClientID, app.DemoClientSecret})
	plainUser := e.userToken(app.DemoUserEmail, app.DemoUserPassword)
	ops := securedOperations(e.doc)
	if len(ops) < 30 {
		t.Fatalf("only %d secured operations in the document", len(ops))
	}
	for _, op := range ops {
		t.Run(op.id, func(t *testing.T) {
			body := validBodies[op.id]
			r := e.call("", op.method, op.path, body)
			if www := r.header.Get("WWW-Authenticate"); r.status != http.StatusUnauthorized || !strings.HasPrefix(www, "Bearer") || strings.Contains(www, "error=") {
				t.Errorf("no token: %d %q (want a challenge without an error code, RFC 6750 3.1)", r.status, www)
			}
			if r := e.call("not-a-token", op.method, op.path, body); r.status != http.StatusUnauthorized || !strings.Contains(r.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
				t.Errorf("garbage token: %d %q", r.status, r.header.Get("WWW-Authenticate"))
			}
			r = e.call(noScope, op.method, op.path, body)
			if r.status != http.StatusForbidden || !strings.Contains(r.header.Get("WWW-Authenticate"), `error="insufficient_scope"`) {
				t.Errorf("token without %s: %d %q", adminapi.Scope, r.status, r.header.Get("WWW-Authenticate"))
			}
			if r := e.call(plainUser, op.method, op.path, body); r.status != http.StatusForbidden {
				t.Errorf("user without an admin role: %d %s", r.status, r.raw)
			}
		})
	}
	for _, op := range ops {
		if !e.val.seen[op.id] {
			t.Errorf("operation %s was not exercised", op.id)
		}
	}
}

// newTenantWithAdmin creates a tenant through the API (as the platform
// admin) and an admin client in it; it returns the tenant ID and a token.
func (e *adminEnv) newTenantWithAdmin(slug string) (string, string) {
	e.t.Helper()
	tn := e.must(http.StatusCreated, e.call(e.platform, http.MethodPost, "/tenants", map[string]any{"slug": slug, "name": strings.ToUpper(slug)}))
	id := tn.str("id")
	c := e.must(http.StatusCreated, e.call(e.platform, http.MethodPost, tenantPath(id)+"/clients", map[string]any{
		"id": slug + "-admin", "grant_types": []string{"client_credentials"}, "scopes": []string{adminapi.Scope}}))
	secret := c.str("client_secret")
	if secret == "" {
		e.t.Fatalf("no secret returned: %s", c.raw)
	}
	return id, e.clientToken([2]string{slug + "-admin", secret})
}

func TestAdminTenantIsolation(t *testing.T) {
	e := newAdminEnv(t, postgresBackend)
	a, tokA := e.newTenantWithAdmin("tenant-a")
	b, tokB := e.newTenantWithAdmin("tenant-b")
	u := e.must(http.StatusCreated, e.call(tokA, http.MethodPost, tenantPath(a)+"/users", map[string]any{"email": "alice@a.example"}))
	uid := u.str("id")
	if u.str("tenant_id") != a {
		t.Fatalf("user tenant %q, want %q", u.str("tenant_id"), a)
	}

	// Under its own tenant's path, tenant B cannot see A's user: 404.
	e.must(http.StatusNotFound, e.call(tokB, http.MethodGet, tenantPath(b)+"/users/"+uid, nil))
	e.must(http.StatusNotFound, e.call(tokB, http.MethodPost, tenantPath(b)+"/users/"+uid+"/disable", nil))
	e.must(http.StatusNotFound, e.call(tokB, http.MethodPost, tenantPath(b)+"/grants", map[string]any{"user_id": uid, "role": "admin"}))
	e.must(http.StatusNotFound, e.call(tokB, http.MethodGet, tenantPath(b)+"/clients/tenant-a-admin", nil))
	if list := e.must(http.StatusOK, e.call(tokB, http.MethodGet, tenantPath(b)+"/users", nil)).items(); len(list) != 0 {
		t.Fatalf("tenant B lists users of A: %v", list)
	}
	// Under A's path: 403, whatever the resource.
	for _, p := range []string{"/users/" + uid, "/users", "/clients", "/grants", "/audit", ""} {
		r := e.call(tokB, http.MethodGet, tenantPath(a)+p, nil)
		if r.status != http.StatusForbidden {
			t.Errorf("tenant B admin GET tenant A %q: %d", p, r.status)
		}
	}
	// Tenant admins are not platform admins.
	e.must(http.StatusForbidden, e.call(tokB, http.MethodGet, "/tenants", nil))
	e.must(http.StatusForbidden, e.call(tokB, http.MethodPost, "/tenants", map[string]any{"slug": "evil", "name": "Evil"}))
	e.must(http.StatusForbidden, e.call(tokB, http.MethodPost, tenantPath(b)+"/suspend", nil))
	e.must(http.StatusForbidden, e.call(tokB, http.MethodGet, "/keys", nil))
	// B's administrators see B's client probing: refusals are audited in B.
	deadline := time.Now().Add(5 * time.Second)
	for {
		refused := e.must(http.StatusOK, e.call(tokB, http.MethodGet, tenantPath(b)+"/audit?event=admin.refused", nil)).items()
		if len(refused) >= 6 {
			if refused[0]["actor_id"] != "client:tenant-b-admin" || refused[0]["outcome"] != "failure" {
				t.Fatalf("refusal event %v", refused[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("refusals audited in B: %d, want at least 6", len(refused))
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The platform admin acts in any tenant.
	e.must(http.StatusOK, e.call(e.platform, http.MethodGet, tenantPath(a)+"/users/"+uid, nil))
	e.must(http.StatusNotFound, e.call(e.platform, http.MethodGet, tenantPath("no-such-tenant")+"/users", nil))
}

func TestAdminDelegatedVenueAdministration(t *testing.T) {
	e := newAdminEnv(t, postgresBackend)
	d := tenantPath(storage.DefaultTenantID)
	owner := e.must(http.StatusCreated, e.call(e.platform, http.MethodPost, d+"/users", map[string]any{
		"email": "owner@example.com", "password": "stage-lights-tuesday-9", "email_verified": true})).str("id")
	staff := e.must(http.StatusCreated, e.call(e.platform, http.MethodPost, d+"/users", map[string]any{"email": "staff@example.com"})).str("id")
	e.must(http.StatusCreated, e.call(e.platform, http.MethodPost, d+"/venues/V1/roles", map[string]any{"user_id": owner, "role": "venue-owner"}))

	tok := e.userToken("owner@example.com", "stage-lights-tuesday-9")
	g := e.must(http.StatusCreated, e.call(tok, http.MethodPost, d+"/venues/V1/roles", map[string]any{"user_id": "staff@example.com", "role": "box-office"}))
	if g.str("user_id") != staff || g.str("venue_id") != "V1" || g.str("granted_by") != owner || g.body["in_force"] != true {
		t.Fatalf("grant: %s", g.raw)
	}
	e.must(http.StatusForbidden, e.call(tok, http.MethodPost, d+"/venues/V2/roles", map[string]any{"user_id": staff, "role": "box-office"}))
	e.must(http.StatusForbidden, e.call(tok, http.MethodPost, d+"/grants", map[string]any{"user_id": staff, "role": "admin"}))
	r := e.must(http.StatusUnprocessableEntity, e.call(tok, http.MethodPost, d+"/venues/V1/roles", map[string]any{"user_id": staff, "role": "admin"}))
	if r.header.Get("Content-Type") != "application/problem+json" || !strings.Contains(r.raw, `"field":"role"`) {
		t.Fatalf("global role at a venue: %s", r.raw)
	}
	// Only users of the tenant: another tenant's user is not found.
	other, tokOther := e.newTenantWithAdmin("other")
	outsider := e.must(http.StatusCreated, e.call(tokOther, http.MethodPost, tenantPath(other)+"/users", map[string]any{"email": "out@example.com"})).str("id")
	e.must(http.StatusNotFound, e.call(tok, http.MethodPost, d+"/venues/V1/roles", map[string]any{"user_id": outsider, "role": "door-staff"}))
	e.must(http.StatusForbidden, e.call(tok, http.MethodPost, tenantPath(other)+"/venues/V1/roles", map[string]any{"user_id": outsider, "role": "door-staff"}))
	// Nothing else of the tenant.
	e.must(http.StatusForbidden, e.call(tok, http.MethodGet, d+"/users", nil))
	e.must(http.StatusForbidden, e.call(tok, http.MethodGet, d+"/venues/V2/roles", nil))
	e.must(http.StatusOK, e.call(tok, http.MethodGet, "/roles?resource=venue", nil))

	list := e.must(http.StatusOK, e.call(tok, http.MethodGet, d+"/venues/V1/roles", nil)).items()
	if len(list) != 2 {
		t.Fatalf("venue V1 roles: %v", list)
	}
	rev := e.must(http.StatusOK, e.call(tok, http.MethodDelete, d+"/venues/V1/roles/"+staff, nil)).items()
	if len(rev) != 1 || rev[0]["role"] != "box-office" || rev[0]["revoked_by"] != owner {
		t.Fatalf("revoked: %v", rev)
	}
	e.must(http.StatusForbidden, e.call(tok, http.MethodDelete, d+"/venues/V2/roles/"+staff, nil))

	// The old service's routes, without a tenant in the path: the caller's.
	g = e.must(http.StatusCreated, e.call(tok, http.MethodPost, "/venues/V1/roles", map[string]any{"user_id": staff, "role": "door-staff"}))
	if g.str("tenant_id") != storage.DefaultTenantID || g.str("venue_id") != "V1" {
		t.Fatalf("grant by the old route: %s", g.raw)
	}
	if l := e.must(http.StatusOK, e.call(tok, http.MethodGet, "/venues/V1/roles", nil)).items(); len(l) != 2 {
		t.Fatalf("venue V1 roles by the old route: %v", l)
	}
	e.must(http.StatusForbidden, e.call(tok, http.MethodPost, "/venues/V2/roles", map[string]any{"user_id": staff, "role": "door-staff"}))
	e.must(http.StatusNotFound, e.call(tok, http.MethodPost, "/venues/V1/roles", map[string]any{"user_id": outsider, "role": "door-staff"}))
	if l := e.must(http.StatusOK, e.call(tok, http.MethodDelete, "/venues/V1/roles/"+staff, nil)).items(); len(l) != 1 {
		t.Fatalf("revoke by the old route: %v", l)
	}
}

func TestAdminGrantExpiryAndValidation(t *testing.T) {
	e := newAdminEnv(t, postgresBackend)
	d := tenantPath(storage.DefaultTenantID)
	uid := e.must(http.StatusCreated, e.call(e.platform, http.MethodPost, d+"/users", map[string]any{"email": "temp@example.com"})).str("id")
	now := e.clock.Now()
	r := e.must(http.StatusUnprocessableEntity, e.call(e.platform, http.MethodPost, d+"/grants", map[string]any{
		"user_id": uid, "role": "door-staff", "venue_id": "V1", "expires_at": now.Add(-time.Minute).Format(time.RFC3339)}))
	if !strings.Contains(r.raw, `"field":"expires_at"`) {
		t.Fatalf("past expiry: %s", r.raw)
	}
	r = e.must(http.StatusUnprocessableEntity, e.call(e.platform, http.MethodPost, d+"/grants", map[string]any{"user_id": uid, "role": "door-staff"}))
	if !strings.Contains(r.raw, `"field":"venue_id"`) {
		t.Fatalf("venue role without a venue: %s", r.raw)
	}
	r = e.must(http.StatusUnprocessableEntity, e.call(e.platform, http.MethodPost, d+"/grants", map[string]any{"user_id": uid, "role": "no-such-role"}))
	if !strings.Contains(r.raw, `"field":"role"`) {
		t.Fatalf("unknown role: %s", r.raw)
	}
	g := e.must(http.StatusCreated, e.call(e.platform, http.MethodPost, d+"/grants", map[string]any{
		"user_id": uid, "role": "door-staff", "venue_id": "V1", "expires_at": now.Add(time.Hour).Format(time.RFC3339)}))
	if g.body["in_force"] != true {
		t.Fatalf("grant: %s", g.raw)
	}
	inForce := func() int {
		return len(e.must(http.StatusOK, e.call(e.platform, http.MethodGet, d+"/grants?in_force=true&user_id="+uid, nil)).items())
	}
	if n := inForce(); n != 1 {
		t.Fatalf("in force now: %d", n)
	}
	e.clock.Advance(2 * time.Hour)
	e.platform = e.clientToken(e.platformClient) // the old token expired too
	if n := inForce(); n != 0 {
		t.Fatalf("expired grant still in force: %d", n)
	}
	all := e.must(http.StatusOK, e.call(e.platform, http.MethodGet, d+"/grants?user_id="+uid, nil)).items()
	if len(all) != 1 || all[0]["in_force"] != false || all[0]["active"] != true {
		t.Fatalf("expired grant listed as %v", all)
	}
}

func TestAdminValidationProblems(t *testing.T) {
	e := newAdminEnv(t, postgresBackend)
	d := tenantPath(storage.DefaultTenantID)
	r := e.must(http.StatusUnprocessableEntity, e.call(e.platform, http.MethodPost, d+"/clients", map[string]any{
		"id": "x", "redirect_uris": []string{"http://app.example.com/cb"}}))
	var p struct {
		Type, Title string
		Status      int
		Errors      []struct{ Field, Detail string }
	}
	_ = json.Unmarshal([]byte(r.raw), &p)
	fields := []string{}
	for _, f := range p.Errors {
		fields = append(fields, f.Field)
	}
	if r.header.Get("Content-Type") != "application/problem+json" || p.Status != 422 || p.Type == "" ||
		!slices.Contains(fields, "id") || !slices.Contains(fields, "redirect_uris[0]") {
		t.Fatalf("problem: %s", r.raw)
	}
	r = e.must(http.StatusBadRequest, e.call(e.platform, http.MethodPost, d+"/users", `{"email":`, skipRequestValidation, "1"))
	if r.header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("malformed JSON: %s", r.raw)
	}
	e.must(http.StatusBadRequest, e.call(e.platform, http.MethodPost, d+"/users", map[string]any{"email": "a@example.com", "admin": true}, skipRequestValidation, "1"))
	r = e.must(http.StatusUnprocessableEntity, e.call(e.platform, http.MethodPost, d+"/users", map[string]any{"email": "not an address", "password": "password"}))
	if !strings.Contains(r.raw, `"field":"email"`) || !strings.Contains(r.raw, `"field":"password"`) {
		t.Fatalf("user problems: %s", r.raw)
	}
	r = e.must(http.StatusUnprocessableEntity, e.call(e.platform, http.MethodGet, d+"/users?limit=0&disabled=maybe", nil, skipRequestValidation, "1"))
	if !strings.Contains(r.raw, `"field":"limit"`) || !strings.Contains(r.raw, `"field":"disabled"`) {
		t.Fatalf("query problems: %s", r.raw)
	}
	e.must(http.StatusUnprocessableEntity, e.call(e.platform, http.MethodGet, d+"/users?cursor=bogus", nil))
	// Text Postgres cannot store (a NUL character) is a 400 problem, not a
	// database error.
	r = e.must(http.StatusBadRequest, e.call(e.platform, http.MethodPost, d+"/users", `{"email":"nul@example.com","given_name":"A\u0000B"}`, skipRequestValidation, "1"))
	if !strings.Contains(r.raw, `"field":"given_name"`) {
		t.Fatalf("NUL in a field: %s", r.raw)
	}
	e.must(http.StatusConflict, e.call(e.platform, http.MethodPost, d+"/users", map[string]any{"email": app.DemoUserEmail}))
}

func TestAdminPaginationWalksEveryItem(t *testing.T) {
	e := newAdminEnv(t, postgresBackend)
	tid, tok := e.newTenantWithAdmin("paged")
	want := map[string]bool{}
	for i := range 7 {
		id := e.must(http.StatusCreated, e.call(tok, http.MethodPost, tenantPath(tid)+"/users", map[string]any{"email": fmt.Sprintf("u%d@paged.example", i)})).str("id")
		want[id] = true
	}
	got := map[string]bool{}
	next, pages := "", 0
	for {
		q := "?limit=3"
		if next != "" {
			q += "&cursor=" + url.QueryEscape(next)
		}
		r := e.must(http.StatusOK, e.call(tok, http.MethodGet, tenantPath(tid)+"/users"+q, nil))
		pages++
		for _, u := range r.items() {
			if got[u["id"].(string)] {
				t.Fatalf("user %s listed twice", u["id"])
			}
			got[u["id"].(string)] = true
		}
		if next = r.str("next"); next == "" {
			break
		}
	}
	if len(got) != len(want) || pages != 3 {
		t.Fatalf("walked %d users in %d pages, want %d in 3", len(got), pages, len(want))
	}
	if f := e.must(http.StatusOK, e.call(tok, http.MethodGet, tenantPath(tid)+"/users?email=u3%40", nil)).items(); len(f) != 1 {
		t.Fatalf("email filter: %v", f)
	}
}

func TestAdminUsersClientsAndAudit(t *testing.T) {
	e := newAdminEnv(t, postgresBackend)
	tid, tok := e.newTenantWithAdmin("ops")
	tp := tenantPath(tid)
	// Clients: create, use, rotate, update, delete.
	c := e.must(http.StatusCreated, e.call(tok, http.MethodPost, tp+"/clients", map[string]any{
		"id": "ops-worker", "name": "Worker", "grant_types": []string{"client_credentials"}, "scopes": []string{"jobs"}}))
	old := c.str("client_secret")
	e.clientToken([2]string{"ops-worker", old})
	rot := e.must(http.StatusOK, e.call(tok, http.MethodPost, tp+"/clients/ops-worker/secret", nil))
	if _, err := (&clientcredentials.Config{ClientID: "ops-worker", ClientSecret: old, TokenURL: e.issuer + "/oauth/token"}).Token(context.Background()); err == nil {
		t.Fatal("the old secret still works")
	}
	e.clientToken([2]string{"ops-worker", rot.str("client_secret")})
	up := e.must(http.StatusOK, e.call(tok, http.MethodPatch, tp+"/clients/ops-worker", map[string]any{"name": "Night worker"}))
	if up.str("name") != "Night worker" || up.body["grant_types"].([]any)[0] != "client_credentials" {
		t.Fatalf("patched: %s", up.raw)
	}
	if l := e.must(http.StatusOK, e.call(tok, http.MethodGet, tp+"/clients?q=worker", nil)).items(); len(l) != 1 {
		t.Fatalf("clients q=worker: %v", l)
	}
	e.must(http.StatusNoContent, e.call(tok, http.MethodDelete, tp+"/clients/ops-worker", nil))
	e.must(http.StatusNotFound, e.call(tok, http.MethodGet, tp+"/clients/ops-worker", nil))

	// Users: create, disable/enable, unlock, MFA reset, sessions, delete.
	u := e.must(http.StatusCreated, e.call(tok, http.MethodPost, tp+"/users", map[string]any{"email": "bob@ops.example", "password": "bob-long-password-7"}))
	uid := u.str("id")
	if u.body["has_password"] != true {
		t.Fatalf("user: %s", u.raw)
	}
	if d := e.must(http.StatusOK, e.call(tok, http.MethodPost, tp+"/users/"+uid+"/disable", nil)); d.body["disabled"] != true {
		t.Fatalf("disable: %s", d.raw)
	}
	if l := e.must(http.StatusOK, e.call(tok, http.MethodGet, tp+"/users?disabled=true", nil)).items(); len(l) != 1 {
		t.Fatalf("disabled filter: %v", l)
	}
	e.must(http.StatusOK, e.call(tok, http.MethodPost, tp+"/users/"+uid+"/enable", nil))
	e.must(http.StatusNoContent, e.call(tok, http.MethodPost, tp+"/users/"+uid+"/unlock", nil))
	m := e.must(http.StatusOK, e.call(tok, http.MethodPost, tp+"/users/"+uid+"/mfa/reset", nil))
	if m.body["totp_removed"] != false {
		t.Fatalf("mfa reset: %s", m.raw)
	}
	e.must(http.StatusOK, e.call(tok, http.MethodPost, tp+"/users/"+uid+"/sessions/revoke", nil))
	e.must(http.StatusNoContent, e.call(tok, http.MethodDelete, tp+"/users/"+uid, nil))

	// Every action is in the tenant's audit log, by the admin client.
	want := []string{"admin.client.created", "admin.client.secret_rotated", "admin.client.updated", "admin.client.deleted",
		"admin.user.created", "admin.user.disabled", "admin.user.enabled", "admin.user.unlocked", "admin.user.mfa_reset",
		"admin.user.sessions_revoked", "admin.user.deleted"}
	var events []map[string]any
	deadline := time.Now().Add(5 * time.Second)
	for {
		events = e.must(http.StatusOK, e.call(tok, http.MethodGet, tp+"/audit?actor_id=client:ops-admin&limit=200", nil)).items()
		seen := map[string]bool{}
		for _, ev := range events {
			seen[ev["event"].(string)] = true
		}
		missing := slices.DeleteFunc(slices.Clone(want), func(w string) bool { return seen[w] })
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("audit events missing %v in %v", missing, events)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, ev := range events {
		if ev["tenant_id"] != tid || ev["actor_id"] != "client:ops-admin" {
			t.Fatalf("event %v: want tenant %s and actor client:ops-admin", ev, tid)
		}
	}
	// Paging the audit log and its filters.
	first := e.must(http.StatusOK, e.call(tok, http.MethodGet, tp+"/audit?limit=2", nil))
	if len(first.items()) != 2 || first.str("next") == "" {
		t.Fatalf("audit page: %s", first.raw)
	}
	second := e.must(http.StatusOK, e.call(tok, http.MethodGet, tp+"/audit?limit=2&cursor="+url.QueryEscape(first.str("next")), nil)).items()
	if len(second) != 2 || second[0]["id"] == first.items()[1]["id"] {
		t.Fatalf("second audit page: %v", second)
	}
	if l := e.must(http.StatusOK, e.call(tok, http.MethodGet, tp+"/audit?event=admin.user.deleted&user_id="+uid, nil)).items(); len(l) != 1 {
		t.Fatalf("audit filters: %v", l)
	}
	future := e.clock.Now().Add(time.Hour).Format(time.RFC3339)
	if l := e.must(http.StatusOK, e.call(tok, http.MethodGet, tp+"/audit?since="+url.QueryEscape(future), nil)).items(); len(l) != 0 {
		t.Fatalf("audit since the future: %v", l)
	}
}

func TestAdminTenantsAndKeys(t *testing.T) {
	e := newAdminEnv(t, postgresBackend)
	tid, tok := e.newTenantWithAdmin("shop")
	e.must(http.StatusConflict, e.call(e.platform, http.MethodPost, "/tenants", map[string]any{"slug": "shop", "name": "Again"}))
	up := e.must(http.StatusOK, e.call(e.platform, http.MethodPatch, tenantPath(tid), map[string]any{"slug": "shop-2", "name": "Shop Two"}))
	if up.str("slug") != "shop-2" || up.str("name") != "Shop Two" {
		t.Fatalf("patched tenant: %s", up.raw)
	}
	if l := e.must(http.StatusOK, e.call(e.platform, http.MethodGet, "/tenants?q=shop", nil)).items(); len(l) != 1 {
		t.Fatalf("tenants q=shop: %v", l)
	}
	e.must(http.StatusOK, e.call(tok, http.MethodGet, tenantPath(tid), nil))
	s := e.must(http.StatusOK, e.call(e.platform, http.MethodPost, tenantPath(tid)+"/suspend", nil))
	if s.str("status") != "suspended" {
		t.Fatalf("suspend: %s", s.raw)
	}
	if l := e.must(http.StatusOK, e.call(e.platform, http.MethodGet, "/tenants?status=suspended", nil)).items(); len(l) != 1 {
		t.Fatalf("suspended tenants: %v", l)
	}
	// A suspended tenant's admin client loses access.
	if r := e.call(tok, http.MethodGet, tenantPath(tid)+"/users", nil); r.status != http.StatusForbidden && r.status != http.StatusUnauthorized {
		t.Fatalf("suspended tenant's admin: %d", r.status)
	}
	e.must(http.StatusOK, e.call(e.platform, http.MethodPost, tenantPath(tid)+"/activate", nil))
	e.must(http.StatusConflict, e.call(e.platform, http.MethodPost, tenantPath(storage.DefaultTenantID)+"/suspend", nil))

	keys := e.must(http.StatusOK, e.call(e.platform, http.MethodGet, "/keys", nil)).items()
	rotated := e.must(http.StatusOK, e.call(e.platform, http.MethodPost, "/keys/rotate", nil)).items()
	// One new next key per algorithm kept active (RS256, ES256, EdDSA by
	// default: signing_algs), all rotated together.
	if len(rotated) != len(keys)+3 {
		t.Fatalf("keys before %d, after rotation %d, want one more per algorithm", len(keys), len(rotated))
	}
	active := e.must(http.StatusOK, e.call(e.platform, http.MethodGet, "/keys?state=active", nil)).items()
	algs := map[any]bool{}
	for _, k := range active {
		algs[k["alg"]] = true
	}
	if len(active) != 3 || len(algs) != 3 {
		t.Fatalf("active keys: %v, want one per algorithm", active)
	}
	roles := e.must(http.StatusOK, e.call(e.platform, http.MethodGet, "/roles?limit=2", nil))
	if len(roles.items()) != 2 || roles.str("next") == "" {
		t.Fatalf("roles page: %s", roles.raw)
	}
}

// TestAdminUserWithAdminRole: a user whose grants give admit:admin
// administers the tenant with their own token; revoking the role takes
// effect at once (grants are read live, not from the token).
func TestAdminUserWithAdminRole(t *testing.T) {
	e := newAdminEnv(t, postgresBackend)
	d := tenantPath(storage.DefaultTenantID)
	e.must(http.StatusCreated, e.call(e.platform, http.MethodPost, d+"/grants", map[string]any{"user_id": app.DemoUserEmail, "role": "admin"}))
	tok := e.userToken(app.DemoUserEmail, app.DemoUserPassword)
	e.must(http.StatusOK, e.call(tok, http.MethodGet, d+"/users", nil))
	e.must(http.StatusOK, e.call(tok, http.MethodGet, "/tenants", nil)) // an admin of the default tenant runs the platform
	e.must(http.StatusOK, e.call(e.platform, http.MethodPost, d+"/grants/revoke", map[string]any{"user_id": app.DemoUserEmail, "role": "admin"}))
	e.must(http.StatusForbidden, e.call(tok, http.MethodGet, d+"/users", nil))
}

// TestDemoAdminClientReachesTheAdminAPI: development mode's seeded admin
// client gets a token with admit:admin and administers the platform, as
// the README's quick start shows.
func TestDemoAdminClientReachesTheAdminAPI(t *testing.T) {
	e := newAdminEnv(t, memoryBackend)
	if err := e.app.SeedDemoAdmin(context.Background()); err != nil {
		t.Fatal(err)
	}
	tok := e.clientToken([2]string{app.DemoAdminID, app.DemoAdminSecret}, adminapi.Scope)
	if l := e.must(http.StatusOK, e.call(tok, http.MethodGet, "/tenants", nil)).items(); len(l) != 1 || l[0]["slug"] != "default" {
		t.Fatalf("tenants: %v", l)
	}
}

package adminapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/storage/admin"
)

// contract is openapi.yaml, loaded and validated once, with a router that
// finds an operation by the request's path below the API root. It is the
// one statement of what a request may contain: every request is checked
// against it before a handler runs (see validate), so handlers keep only
// the business rules.
type contract struct {
	doc    *openapi3.T
	router routers.Router
}

// loadContract parses and validates Spec. The document's server (/admin/v1)
// is dropped: the router matches paths relative to wherever the API is
// mounted.
func loadContract() (*contract, error) {
	doc, err := openapi3.NewLoader().LoadFromData(Spec)
	if err != nil {
		return nil, fmt.Errorf("admin api: openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("admin api: openapi.yaml is not valid OpenAPI 3: %w", err)
	}
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("admin api: openapi.yaml routes: %w", err)
	}
	return &contract{doc: doc, router: router}, nil
}

// theContract is loaded on the first admin API request, not at start (it
// costs about 170 ms of CPU and 4 MB of allocations, and most nodes never
// serve the admin API). An invalid embedded document is a build defect:
// the first request panics (the recoverer answers 500) rather than serve
// unchecked, and the package's tests load it.
var theContract = sync.OnceValue(mustContract)

func mustContract() *contract {
	c, err := loadContract()
	if err != nil {
		panic(err)
	}
	return c
}

// requestOptions: authentication is the authenticate middleware's job
// (RFC 6750), and every problem is reported, not just the first.
var requestOptions = &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}

// streamedOptions: for an operation marked x-admit-streamed-body the
// parameters are checked and the body is left to the handler, which reads
// it as a stream and validates each record itself (the user import).
var streamedOptions = &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true,
	ExcludeRequestBody: true}

// streamedBody reports whether the operation's body is a stream the
// handler validates (x-admit-streamed-body: true in openapi.yaml).
func streamedBody(route *routers.Route) bool {
	v, ok := route.Operation.Extensions["x-admit-streamed-body"].(bool)
	return ok && v
}

// validate checks the request against the document and answers with the
// problem response the API has always used when it does not match:
//
//   - 413 when the body is over the server's limit;
//   - 415 when a body operation is not sent application/json;
//   - 400 ("malformed") when the body is not JSON, is missing, has a field
//     the operation does not know, or a value of the wrong JSON type or
//     format, as decoding it would have found;
//   - 422 ("validation") with every field or query parameter in errors
//     otherwise (required fields, enums, ranges, parameter values).
func (h *Handler) validate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, body, ok := h.checkRequest(w, r)
		if !ok {
			return
		}
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		if h.CheckResponses == nil {
			next.ServeHTTP(w, r)
			return
		}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		h.CheckResponses(r, checkResponse(r.Context(), in, rec))
	})
}

// checkRequest validates r; on failure it has answered and ok is false.
// It returns the validation input (for the response check) and the body.
func (h *Handler) checkRequest(w http.ResponseWriter, r *http.Request) (_ *openapi3filter.RequestValidationInput, body []byte, ok bool) {
	route, params, err := theContract().router.FindRoute(withRelativePath(r))
	if err != nil {
		// Routed by chi but not in the document: the document is the
		// contract, so the operation does not exist.
		h.logger().ErrorContext(r.Context(), "admin api: route missing from openapi.yaml", "method", r.Method, "path", r.URL.Path)
		writeProblem(w, http.StatusNotFound, "not-found", "Not Found", "no such endpoint", nil)
		return nil, nil, false
	}
	if streamedBody(route) {
		in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: streamedOptions}
		if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
			writeRequestProblem(w, err)
			return nil, nil, false
		}
		return in, nil, true
	}
	if r.Body != nil {
		var tooBig *http.MaxBytesError
		if body, err = io.ReadAll(r.Body); errors.As(err, &tooBig) {
			writeProblem(w, http.StatusRequestEntityTooLarge, "too-large", "Content Too Large", "the request body is too large", nil)
			return nil, nil, false
		} else if err != nil {
			writeProblem(w, http.StatusBadRequest, "malformed", "Bad Request", "the request body could not be read", nil)
			return nil, nil, false
		}
	}
	if route.Operation.RequestBody != nil && !isJSON(r.Header.Get("Content-Type")) {
		writeProblem(w, http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported Media Type", "send application/json", nil)
		return nil, nil, false
	}
	check := r.Clone(r.Context())
	check.Body = io.NopCloser(bytes.NewReader(body))
	in := &openapi3filter.RequestValidationInput{Request: check, PathParams: params, Route: route, Options: requestOptions}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		writeRequestProblem(w, err)
		return nil, nil, false
	}
	return in, body, true
}

// withRelativePath returns r addressed by its path below the API root: the
// rest of the path under a chi Mount, or the whole path where the API is
// served at the root (or behind http.StripPrefix).
func withRelativePath(r *http.Request) *http.Request {
	rel := r.URL.Path
	if rctx := chi.RouteContext(r.Context()); rctx != nil && rctx.RoutePath != "" {
		rel = rctx.RoutePath
	}
	if rel == r.URL.Path {
		return r
	}
	c := r.Clone(r.Context())
	c.URL.Path, c.URL.RawPath = rel, ""
	return c
}

func isJSON(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/json")
}

// writeRequestProblem maps kin-openapi's errors to the problem responses.
func writeRequestProblem(w http.ResponseWriter, err error) {
	var fields []admin.FieldError
	malformed := false
	for _, e := range flatten(err) {
		f, bad := fieldError(e)
		fields = append(fields, f)
		malformed = malformed || bad
	}
	if malformed {
		writeProblem(w, http.StatusBadRequest, "malformed", "Bad Request", "the body is not valid JSON for this operation", fields)
		return
	}
	writeProblem(w, http.StatusUnprocessableEntity, "validation", "Validation Failed", "the request has invalid fields", fields)
}

// flatten unpacks MultiErrors (request level, and one per request body)
// into single errors, each still wrapped in its RequestError.
func flatten(err error) []error {
	var me openapi3.MultiError
	if !errors.As(err, &me) {
		return []error{err}
	}
	var out []error
	for _, e := range me {
		var re *openapi3filter.RequestError
		var inner openapi3.MultiError
		if errors.As(e, &re) && errors.As(re.Err, &inner) {
			for _, ie := range inner {
				out = append(out, &openapi3filter.RequestError{Parameter: re.Parameter, RequestBody: re.RequestBody, Err: ie})
			}
			continue
		}
		out = append(out, flatten(e)...)
	}
	return out
}

// fieldError names the field of one validation error and reports whether
// it makes the body malformed (400) rather than invalid (422).
func fieldError(err error) (admin.FieldError, bool) {
	var re *openapi3filter.RequestError
	if !errors.As(err, &re) {
		return admin.FieldError{Detail: "the request does not match the API description"}, false
	}
	var se *openapi3.SchemaError
	hasSchema := errors.As(re.Err, &se)
	if re.Parameter != nil {
		reason := re.Reason
		if hasSchema {
			reason = se.Reason
		} else if re.Err != nil {
			reason = parseReason(re.Parameter)
		}
		return admin.FieldError{Field: re.Parameter.Name, Detail: re.Parameter.Name + ": " + reason}, false
	}
	if !hasSchema {
		// Not JSON, or no body where one is required.
		return admin.FieldError{Detail: "the body is not valid JSON for this operation"}, true
	}
	ptr := se.JSONPointer()
	unknown, isUnknown := unknownProperty(se)
	if isUnknown {
		ptr = append(ptr, unknown)
	}
	field := pointerField(ptr)
	detail := se.Reason
	if field != "" {
		detail = field + ": " + detail
	}
	// What decoding JSON into the handler's types would have refused
	// before the document was enforced stays a malformed body.
	malformed := isUnknown || se.SchemaField == "type" || se.SchemaField == "format"
	return admin.FieldError{Field: field, Detail: detail}, malformed
}

// parseReason describes a parameter value that does not parse as its
// schema's type, without repeating the value.
func parseReason(p *openapi3.Parameter) string {
	if p.Schema == nil || p.Schema.Value == nil || p.Schema.Value.Type == nil {
		return "invalid value"
	}
	switch t := p.Schema.Value.Type; {
	case t.Is(openapi3.TypeBoolean):
		return "want true or false"
	case t.Is(openapi3.TypeInteger):
		return "want an integer"
	case t.Is(openapi3.TypeNumber):
		return "want a number"
	}
	return "invalid value"
}

// unknownProperty returns the name of a property additionalProperties:
// false refused. kin-openapi reports it only in the reason, with the
// pointer at the enclosing object.
func unknownProperty(se *openapi3.SchemaError) (string, bool) {
	if se.SchemaField != "properties" {
		return "", false
	}
	quoted, prefixed := strings.CutPrefix(se.Reason, "property ")
	quoted, suffixed := strings.CutSuffix(quoted, " is unsupported")
	name, err := strconv.Unquote(quoted)
	return name, prefixed && suffixed && err == nil
}

// pointerField spells a JSON pointer the way the API names fields:
// redirect_uris[0], details.key.
func pointerField(ptr []string) string {
	var b strings.Builder
	for _, p := range ptr {
		if p != "" && strings.Trim(p, "0123456789") == "" && b.Len() > 0 {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// recorder passes a response through and keeps a copy for checkResponse.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	r.body.Write(p)
	return r.ResponseWriter.Write(p)
}

// checkResponse validates a recorded response against the operation
// (status, headers, body).
func checkResponse(ctx context.Context, in *openapi3filter.RequestValidationInput, rec *recorder) error {
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.status, Header: rec.Header(),
		Body: io.NopCloser(bytes.NewReader(rec.body.Bytes())), Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	return openapi3filter.ValidateResponse(ctx, out)
}

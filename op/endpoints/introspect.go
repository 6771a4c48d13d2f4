package endpoints

import (
	"context"
	"encoding/json"
	"net/http"

	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/admit-idp/admit/op"
)

// Introspecter answers introspection requests (op.Storage).
type Introspecter interface {
	Introspect(ctx context.Context, token, callerID string) (*op.Introspection, error)
}

// Introspection serves the introspection endpoint (RFC 7662) in place of
// op's handler, with the same answers: the client authenticates through
// op (zop.ParseTokenIntrospectionRequest: 401 when it does not, which
// ClientAuthErrors turns into invalid_client), an active token gets its
// claims (op.Introspection, encoded once) and anything else
// {"active":false} (§2.2), which UnavailableAs503 turns into 503 when a
// backend was unavailable. auth is op's provider.
func (p *Protocol) Introspection(auth zop.Introspector) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(p.issuerContext(r.Context()))
		token, clientID, err := zop.ParseTokenIntrospectionRequest(r, auth)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		in, err := p.Introspections.Introspect(r.Context(), token, clientID)
		if err != nil {
			_, _ = w.Write([]byte(`{"active":false}` + "\n"))
			return
		}
		_ = json.NewEncoder(w).Encode(in)
	})
}

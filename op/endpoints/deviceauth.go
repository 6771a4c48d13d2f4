package endpoints

import (
	"net/http"

	zop "github.com/zitadel/oidc/v3/pkg/op"
)

// DeviceClientAuth makes confidential clients authenticate at the device
// authorization endpoint, as RFC 8628 3.1 requires (RFC 6749 3.2.1): op
// reads only the client_id there. HTTP Basic and private_key_jwt are
// checked by op's ClientIDFromRequest, client_secret_post here.
func (p *Protocol) DeviceClientAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		if _, err := p.exchangeClient(r.WithContext(p.issuerContext(r.Context()))); err != nil {
			zop.RequestError(w, r, err, nil)
			return
		}
		next.ServeHTTP(w, r)
	})
}

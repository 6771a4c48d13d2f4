package endpoints

import (
	"net/http"
	"net/url"

	"github.com/zitadel/oidc/v3/pkg/oidc"
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

// DeviceTokenClientAuth authenticates the client of a device_code grant
// at the token endpoint before op sees the request. op's device token
// handler reads only HTTP Basic (or a client assertion), so a
// client_secret_post client could never get its tokens, and it checks and
// consumes the device authorization before its confidential-client check,
// so anyone holding the device code and client_id could burn an approval.
// Here a confidential client must authenticate (RFC 8628 3.4, RFC 6749
// 3.2.1) or is answered 401 invalid_client (RFC 6749 5.2) without the
// authorization being touched; a posted secret, once checked, is handed on
// as Basic (RFC 6749 2.3.1) for op.
func (p *Protocol) DeviceTokenClientAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.ParseForm() != nil || r.PostForm.Get("grant_type") != string(oidc.GrantTypeDeviceCode) {
			next.ServeHTTP(w, r)
			return
		}
		if _, err := p.exchangeClient(r.WithContext(p.issuerContext(r.Context()))); err != nil {
			zop.RequestError(w, r, err, nil)
			return
		}
		if _, _, basic := r.BasicAuth(); !basic && r.PostForm.Has("client_secret") {
			r.SetBasicAuth(url.QueryEscape(r.PostForm.Get("client_id")), url.QueryEscape(r.PostForm.Get("client_secret")))
			r.Form.Del("client_secret")
			r.PostForm.Del("client_secret")
		}
		next.ServeHTTP(w, r)
	})
}

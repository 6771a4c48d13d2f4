package app

import (
	"net/http"

	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/admit-idp/admit/login/devicegrant"
	"github.com/admit-idp/admit/op"
)

// deviceGrant is the op side of the device authorization grant.
func (a *App) deviceGrant() *op.DeviceGrant {
	return &op.DeviceGrant{
		Store: a.Stores.Ephemeral, Lifetime: a.Config.Device.CodeLifetime, PollInterval: a.Config.Device.PollInterval,
		UserFormPath: devicegrant.Path,
	}
}

// devicePages is the user's side: /device.
func (a *App) devicePages() *devicegrant.Pages {
	return &devicegrant.Pages{
		Engine: a.Engine, Sessions: a.Engine.Sessions, Cookies: a.Engine.Cookies,
		Store: a.Stores.Ephemeral, Dir: a.Stores.Durable, Limiter: a.Stores.Ephemeral,
		Audit: a.Audit, Logger: a.Logger,
	}
}

// deviceAuthorizationPath is op's device authorization endpoint.
var deviceAuthorizationPath = zop.DefaultEndpoints.DeviceAuthorization.Relative()

// deviceClientAuth makes confidential clients authenticate at the device
// authorization endpoint, as RFC 8628 3.1 requires (RFC 6749 3.2.1): op
// reads only the client_id there. HTTP Basic and private_key_jwt are
// checked by op's ClientIDFromRequest, client_secret_post here.
func (a *App) deviceClientAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		if _, err := a.exchangeClient(r.WithContext(a.issuerContext(r.Context()))); err != nil {
			zop.RequestError(w, r, err, nil)
			return
		}
		next.ServeHTTP(w, r)
	})
}

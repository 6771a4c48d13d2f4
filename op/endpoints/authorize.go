package endpoints

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/admit-idp/admit/storage"
)

// AuthorizeParams answers, before op parses the request, the parameters op
// would misreport or silently ignore: a max_age that is not a whole number
// of seconds (op answers a form decoder's message as plain text), and
// request or request_uri, which discovery says Admit does not support (OIDC
// Core 6.1/6.2: request_not_supported, request_uri_not_supported). With a
// registered redirect URI the error goes back to the client (OIDC Core
// 3.1.2.6, in the response mode asked for); otherwise the browser gets a
// page, since an unverified URI must never be redirected to.
func (p *Protocol) AuthorizeParams(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() != nil {
			next.ServeHTTP(w, r) // op reports unreadable requests
			return
		}
		oerr := authorizeParamError(r.Form)
		if oerr == nil {
			next.ServeHTTP(w, r)
			return
		}
		req := storage.AuthRequest{ClientID: r.Form.Get("client_id"), RedirectURI: r.Form.Get("redirect_uri"),
			ResponseType: r.Form.Get("response_type"), ResponseMode: r.Form.Get("response_mode"), State: r.Form.Get("state")}
		if p.redirectable(r.Context(), req) {
			p.RedirectError(w, r, req, oerr)
			return
		}
		p.page(w, r, func(w http.ResponseWriter, r *http.Request) {
			p.Pages.ErrorPage(w, r, http.StatusBadRequest, "Invalid sign-in request",
				"The application sent a sign-in request Admit cannot accept: "+oerr.Description+". Go back to the application and try again.")
		})
	})
}

func authorizeParamError(q url.Values) *oidc.Error {
	// RFC 6749 §4.1.2.1: without a client and its redirect URI the user is
	// told, never redirected (op would answer plain text).
	for _, p := range []string{"client_id", "redirect_uri"} {
		if q.Get(p) == "" {
			return oidc.ErrInvalidRequest().WithDescription("%s is missing", p)
		}
	}
	if v, ok := q["max_age"]; ok && len(v) > 0 {
		if _, err := strconv.ParseUint(v[0], 10, 32); err != nil {
			return oidc.ErrInvalidRequest().WithDescription("max_age must be a whole number of seconds, 0 or more")
		}
	}
	if v := q.Get("dpop_jkt"); v != "" && !validDPoPJKT(v) { // RFC 9449 §10
		return oidc.ErrInvalidRequest().WithDescription("dpop_jkt must be the base64url SHA-256 thumbprint of a JWK")
	}
	if q.Get("request_uri") != "" {
		e := oidc.ErrInvalidRequest().WithDescription("request_uri is not supported: send the parameters in the request itself")
		e.ErrorType = "request_uri_not_supported"
		return e
	}
	if q.Get("request") != "" {
		e := oidc.ErrInvalidRequest().WithDescription("request objects are not supported: send the parameters in the request itself")
		e.ErrorType = "request_not_supported"
		return e
	}
	return nil
}

// redirectable reports whether the error may go to the request's redirect
// URI: exactly one the client registered (loopback ports not varied here:
// such requests get the page).
func (p *Protocol) redirectable(ctx context.Context, req storage.AuthRequest) bool {
	c, err := p.Clients.GetClient(ctx, req.ClientID)
	return err == nil && !c.TenantSuspended() && slices.Contains(c.RedirectURIs, req.RedirectURI) &&
		storage.CheckRedirectURI(req.RedirectURI, c.Public) == nil
}

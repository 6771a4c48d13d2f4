package endpoints

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"

	httphelper "github.com/zitadel/oidc/v3/pkg/http"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"
)

// withIss is op's authorizer whose authorization responses carry the
// issuer: RFC 9207 §2 ("iss" in every authorization response, success and
// error, in the parameters of the response mode), so a client talking to
// several providers can tell which one answered (mix-up attacks). op builds
// every authorization response's parameters with its Encoder (query
// redirect, form_post, errors) and has no option for iss; the issuer is
// static (zop.StaticIssuer).
func withIss(p Provider, issuer string) zop.Authorizer {
	return issAuthorizer{Provider: p, enc: issEncoder{Encoder: p.Encoder(), issuer: issuer}}
}

type issAuthorizer struct {
	Provider
	enc issEncoder
}

func (a issAuthorizer) Encoder() httphelper.Encoder { return a.enc }

type issEncoder struct {
	httphelper.Encoder
	issuer string
}

func (e issEncoder) Encode(src any, dst map[string][]string) error {
	if err := e.Encoder.Encode(src, dst); err != nil {
		return err
	}
	dst["iss"] = []string{e.issuer}
	return nil
}

// Authorize is op's authorization endpoint with iss in its responses.
func (p *Protocol) Authorize() http.Handler {
	authorizer := withIss(p.Provider, p.Issuer)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		zop.Authorize(w, r.WithContext(p.issuerContext(r.Context())), authorizer)
	})
}

// respondWithIss sends the code for a completed authorization request, with
// iss. op's own form_post page lists a fixed set of fields that lacks iss,
// so for response_mode=form_post Admit renders the same auto-submitting
// form with every response parameter (OAuth 2.0 Form Post Response Mode §2).
func (p *Protocol) respondWithIss(w http.ResponseWriter, r *http.Request, req zop.AuthRequest) {
	authorizer := withIss(p.Provider, p.Issuer)
	if req.GetResponseMode() != oidc.ResponseModeFormPost {
		zop.AuthResponse(req, authorizer, w, r)
		return
	}
	resp, err := zop.BuildAuthResponseCodeResponsePayload(r.Context(), req, authorizer)
	if err != nil {
		zop.AuthRequestError(w, r, req, err, authorizer)
		return
	}
	params := url.Values{}
	if err := authorizer.Encoder().Encode(resp, params); err != nil {
		zop.AuthRequestError(w, r, req, oidc.ErrServerError().WithParent(err), authorizer)
		return
	}
	var page bytes.Buffer
	if err := formPostPage.Execute(&page, struct {
		RedirectURI string
		Params      url.Values
	}{req.GetRedirectURI(), params}); err != nil {
		zop.AuthRequestError(w, r, req, oidc.ErrServerError().WithParent(err), authorizer)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = page.WriteTo(w)
}

// formPostPage is op's form_post page (same markup, so the CSP
// login.DeliverToClient gives op's page fits) with every parameter.
var formPostPage = template.Must(template.New("form_post").Parse(`<!doctype html>
<html>
<head><meta charset="UTF-8" /></head>
<body onload="javascript:document.forms[0].submit()">
<form method="post" action="{{ .RedirectURI }}">
{{range $name, $values := .Params}}<input type="hidden" name="{{ $name }}" value="{{ index $values 0 }}"/>
{{end}}</form>
</body>
</html>
`))

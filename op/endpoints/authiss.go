package endpoints

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	httphelper "github.com/zitadel/oidc/v3/pkg/http"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/admit-idp/admit/templates/i18n"
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
//
// An error op cannot send back to the client (an unregistered redirect_uri,
// an unknown client: RFC 6749 §4.1.2.1 forbids redirecting to an
// unverified URI) op answers as a plain-text 400. The browser gets the
// styled error page with its request id instead (plainErrorPage).
func (p *Protocol) Authorize() http.Handler {
	authorizer := withIss(p.Provider, p.Issuer)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &plainErrorCatcher{ResponseWriter: w}
		zop.Authorize(c, r.WithContext(p.issuerContext(r.Context())), authorizer)
		if c.caught {
			p.plainErrorPage(w, r, c.status, c.body.String())
		}
	})
}

// plainErrorCatcher holds back an error answer written as text/plain (op's
// http.Error) so that it can be answered as a page; any other answer
// passes through untouched.
type plainErrorCatcher struct {
	http.ResponseWriter
	caught bool
	status int
	body   bytes.Buffer
}

func (c *plainErrorCatcher) WriteHeader(status int) {
	if status >= 400 && strings.HasPrefix(c.Header().Get("Content-Type"), "text/plain") {
		c.caught, c.status = true, status
		return
	}
	c.ResponseWriter.WriteHeader(status)
}

func (c *plainErrorCatcher) Write(b []byte) (int, error) {
	if c.caught {
		if c.body.Len() < 1024 { // op's descriptions are one sentence
			c.body.Write(b)
		}
		return len(b), nil
	}
	return c.ResponseWriter.Write(b)
}

// plainErrorPage answers op's plain-text authorize error as the login
// pages' error page (styled, with the request id to quote to support).
func (p *Protocol) plainErrorPage(w http.ResponseWriter, r *http.Request, status int, desc string) {
	w.Header().Del("Content-Type")
	ctx := r.Context()
	title, msg := i18n.T(ctx, "pages.error.redirect_uri_title"), i18n.T(ctx, "pages.error.redirect_uri")
	if !strings.Contains(desc, "redirect_uri") {
		title, msg = "Invalid sign-in request", "The application sent a sign-in request Admit cannot accept: "+
			strings.TrimSpace(desc)+" Go back to the application and try again."
	}
	p.page(w, r, func(w http.ResponseWriter, r *http.Request) {
		p.Pages.ErrorPage(w, r, status, title, msg)
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

package login

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
	"github.com/admit-idp/admit/templates/i18n"
)

// dataUILocales keeps the authorization request's ui_locales with the login
// flow, so that every page of the flow (password, second factor, consent,
// errors) speaks the language the client asked for.
const dataUILocales = "engine.ui_locales"

// Localize is the middleware that puts the negotiated locale
// (i18n.WithLocale) and the brand (templates.WithBrand: the flow's client's
// over its tenant's, see Branding) into the context of every hosted page
// request. The language's order is i18n.Negotiate's:
//  1. ui_locales (OpenID Connect Core §3.1.2.1): of the login flow the
//     request names (query or form "flow", or /login?id=<auth request>),
//     else a ui_locales query parameter (end_session, a restart link);
//  2. the user's saved preference: the flow's user, else the signed-in
//     session's;
//  3. Accept-Language (RFC 9110 §12.5.4);
//  4. the brand's default language (the client's, else the tenant's).
//
// Lookups that fail (a flow that is gone, a backend outage) only skip their
// source: the handler answers those itself, in the language found so far.
// They share a short deadline (lookupBudget) and stop at the first backend
// error, so an outage does not add the store's whole timeout to every page
// before the handler meets it.
func (e *Engine) Localize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), lookupBudget)
		p := e.localePrefs(r.WithContext(ctx))
		b := Brand{}
		if !p.failed {
			b = e.Brands.Resolve(ctx, p.tenantID, p.clientID)
		}
		cancel()
		l := i18n.Negotiate(p.ui, p.saved, r.Header.Get("Accept-Language"), b.DefaultLocale)
		page := templates.WithBrand(i18n.WithLocale(r.Context(), l), b.View())
		next.ServeHTTP(w, r.WithContext(page))
	})
}

// lookupBudget bounds the middleware's reads: the language and brand are
// worth a little latency, never an outage's timeout.
const lookupBudget = 300 * time.Millisecond

type localePrefs struct {
	ui, saved, tenantID, clientID string
	failed                        bool // a backend error: skip the rest
}

// gone: the lookup found nothing (not an outage).
func gone(err error) bool { return errors.Is(err, storage.ErrNotFound) }

func (e *Engine) localePrefs(r *http.Request) localePrefs {
	ctx := r.Context()
	var p localePrefs
	userID, tenantID := "", ""
	note := func(err error) bool {
		if err != nil && !gone(err) {
			p.failed = true
		}
		return err == nil
	}
	if id := r.FormValue("flow"); id != "" {
		if f, err := e.Flows.GetLoginFlow(ctx, id); note(err) {
			p.ui, userID, tenantID = f.Data[dataUILocales], f.UserID, f.TenantID
			if f.AuthRequestID != "" {
				if req, err := e.AuthRequests.GetAuthRequest(ctx, f.AuthRequestID); note(err) {
					p.clientID = req.ClientID
				}
			}
		}
	} else if id := r.URL.Query().Get("id"); id != "" && strings.HasPrefix(r.URL.Path, StartPath) {
		if req, err := e.AuthRequests.GetAuthRequest(ctx, id); note(err) {
			p.ui = strings.Join(req.UILocales, " ")
			if c, err := e.Clients.GetClient(ctx, req.ClientID); note(err) {
				tenantID, p.clientID = c.TenantID, c.ID
			}
		}
	}
	if p.failed {
		p.tenantID = cmpTenant(tenantID)
		return p
	}
	if p.ui == "" {
		p.ui = r.URL.Query().Get("ui_locales")
	}
	if userID == "" && e.Sessions != nil {
		if s, ok, err := e.Sessions.Peek(r); note(err) && ok {
			userID = s.UserID
		}
	}
	if userID != "" && !p.failed {
		if u, err := e.Users.GetUser(ctx, userID); note(err) {
			p.saved = u.Locale
			if tenantID == "" {
				tenantID = u.TenantID
			}
		}
	}
	p.tenantID = cmpTenant(tenantID)
	return p
}

func cmpTenant(id string) string {
	if id == "" {
		return storage.DefaultTenantID
	}
	return id
}

// UserLocale is the locale of a mail to u outside a page request's flow:
// the user's saved language, else the one of the request ctx carries.
func UserLocale(ctx context.Context, u storage.User) context.Context {
	if u.Locale != "" {
		return i18n.WithLocale(ctx, i18n.Negotiate("", u.Locale, "", ""))
	}
	return ctx
}

package login

import (
	"context"
	"net/http"
	"strings"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates/i18n"
)

// dataUILocales keeps the authorization request's ui_locales with the login
// flow, so that every page of the flow (password, second factor, consent,
// errors) speaks the language the client asked for.
const dataUILocales = "engine.ui_locales"

// TenantLocales gives the tenant's default language (its brand's), "" for
// none. It is optional: without it the tenant default is skipped.
type TenantLocales interface {
	TenantLocale(ctx context.Context, tenantID string) string
}

// Localize is the middleware that puts the negotiated locale
// (i18n.WithLocale) into the context of every hosted page request. The
// order is i18n.Negotiate's:
//  1. ui_locales (OpenID Connect Core §3.1.2.1): of the login flow the
//     request names (query or form "flow", or /login?id=<auth request>),
//     else a ui_locales query parameter (end_session, a restart link);
//  2. the user's saved preference: the flow's user, else the signed-in
//     session's;
//  3. Accept-Language (RFC 9110 §12.5.4);
//  4. the tenant's default language.
//
// Lookups that fail (a flow that is gone, a backend outage) only skip their
// source: the handler answers those itself, in the language found so far.
func (e *Engine) Localize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := e.localePrefs(r)
		l := i18n.Negotiate(p.ui, p.saved, r.Header.Get("Accept-Language"), p.tenant)
		next.ServeHTTP(w, r.WithContext(i18n.WithLocale(r.Context(), l)))
	})
}

type localePrefs struct{ ui, saved, tenant string }

func (e *Engine) localePrefs(r *http.Request) localePrefs {
	ctx := r.Context()
	var p localePrefs
	userID, tenantID := "", ""
	if id := r.FormValue("flow"); id != "" {
		if f, err := e.Flows.GetLoginFlow(ctx, id); err == nil {
			p.ui, userID, tenantID = f.Data[dataUILocales], f.UserID, f.TenantID
		}
	} else if id := r.URL.Query().Get("id"); id != "" && strings.HasPrefix(r.URL.Path, StartPath) {
		if req, err := e.AuthRequests.GetAuthRequest(ctx, id); err == nil {
			p.ui = strings.Join(req.UILocales, " ")
			if c, err := e.Clients.GetClient(ctx, req.ClientID); err == nil {
				tenantID = c.TenantID
			}
		}
	}
	if p.ui == "" {
		p.ui = r.URL.Query().Get("ui_locales")
	}
	if userID == "" && e.Sessions != nil {
		if s, ok, err := e.Sessions.Peek(r); err == nil && ok {
			userID = s.UserID
		}
	}
	if userID != "" {
		if u, err := e.Users.GetUser(ctx, userID); err == nil {
			p.saved = u.Locale
			if tenantID == "" {
				tenantID = u.TenantID
			}
		}
	}
	if e.TenantLocales != nil {
		p.tenant = e.TenantLocales.TenantLocale(ctx, cmpTenant(tenantID))
	}
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

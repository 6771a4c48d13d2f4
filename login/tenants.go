package login

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/admit-idp/admit/storage"

	"github.com/admit-idp/admit/templates/i18n"
)

// TenantResolver finds a tenant by slug, for sign-ins to Admit's own pages
// (/account?tenant=<slug>).
type TenantResolver interface {
	GetTenantBySlug(ctx context.Context, slug string) (storage.Tenant, error)
	GetTenant(ctx context.Context, id string) (storage.Tenant, error)
}

// AccountURL is the account area's address for a user of the tenant: it
// names the tenant (?tenant=<slug>) unless it is the default one, so that
// a link in a mail or on a page signs in to the right tenant.
func (e *Engine) AccountURL(ctx context.Context, tenantID string) string {
	if tenantID == "" || tenantID == storage.DefaultTenantID || e.Tenants == nil {
		return "/account"
	}
	t, err := e.Tenants.GetTenant(ctx, tenantID)
	if err != nil {
		return "/account"
	}
	return "/account?tenant=" + url.QueryEscape(t.Slug)
}

// localTenant is the tenant a local flow signs in to: the one named by the
// "tenant" query parameter, else the default tenant. It reports false when
// it has answered (unknown or suspended tenant, backend down).
func (e *Engine) localTenant(w http.ResponseWriter, r *http.Request) (string, bool) {
	slug := r.URL.Query().Get("tenant")
	if slug == "" || e.Tenants == nil {
		return storage.DefaultTenantID, true
	}
	t, err := storage.Tenant{}, storage.ErrNotFound
	// Anything not shaped like a slug (storage.ValidSlug, which storage/admin
	// enforces on writes) is unknown without asking the store.
	if storage.ValidSlug(slug) {
		t, err = e.Tenants.GetTenantBySlug(r.Context(), slug)
	}
	switch {
	case errors.Is(err, storage.ErrNotFound):
		e.ErrorPage(w, r, http.StatusNotFound, "error.unknown_tenant.title", "error.unknown_tenant.message")
		return "", false
	case err != nil:
		e.Unavailable(w, r, err)
		return "", false
	case !t.Active():
		e.tenantSuspendedPage(w, r)
		return "", false
	}
	return t.ID, true
}

// tenantAdmits checks, once a first factor identified the user, that the
// user belongs to the flow's tenant and that the tenant is not suspended.
// Methods that find users by e-mail search the flow's tenant already; this
// catches the others (passkeys, wallets, providers), whose credentials are
// unique across tenants. A local flow (Admit's own pages) adopts the
// user's tenant. It reports false when it has answered.
func (e *Engine) tenantAdmits(w http.ResponseWriter, r *http.Request, f *Flow) bool {
	u, err := f.User, error(nil)
	if u.ID != f.UserID {
		u, err = e.Users.GetUser(r.Context(), f.UserID)
		if err == nil {
			f.User = u // for what follows in this request (observeDevice)
		}
	}
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		e.Unavailable(w, r, err)
		return false
	}
	// Refusals are recorded in the user's own tenant's log: the tenant the
	// flow was for must not learn about another tenant's user.
	own := *f
	own.TenantID = u.TenantID
	switch {
	case err == nil && u.TenantSuspended():
		e.audit(r, &own, "login", "failure", "tenant_suspended", "")
		e.tenantSuspendedPage(w, r)
		return false
	case err == nil && f.Local():
		f.TenantID = u.TenantID
		return true
	case err == nil && u.TenantID == f.TenantID:
		return true
	}
	if err == nil {
		e.audit(r, &own, "login", "failure", "other_tenant", "")
	}
	_ = e.Flows.DeleteLoginFlow(r.Context(), f.ID)
	e.ErrorPage(w, r, http.StatusForbidden, "error.wrong_tenant.title",
		i18n.T(r.Context(), "error.wrong_tenant.message", "Client", clientName(f.Client)))
	return false
}

func (e *Engine) tenantSuspendedPage(w http.ResponseWriter, r *http.Request) {
	e.ErrorPage(w, r, http.StatusForbidden, "error.suspended.title", "error.suspended.message")
}

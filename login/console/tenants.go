package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
	views "github.com/admit-idp/admit/templates/console"
)

func (h *Handler) tenantRoutes(r chi.Router) {
	r.Get("/tenants", h.tenants)
	r.Post("/tenants", h.createTenant)
	r.Get("/tenants/{id}/suspend", h.confirmSuspend)
	r.Post("/tenants/{id}/status", h.tenantStatus)
	r.Get("/venues", h.venues)
	r.Post("/venues/{venue}/grant", h.grantVenueRole)
	r.Post("/venues/{venue}/revoke", h.revokeVenueRoles)
}

func (h *Handler) tenantsView(w http.ResponseWriter, r *http.Request, status int, view views.TenantsView) {
	v := from(r)
	list, err := h.Admin.ListTenants(r.Context(), v.P, storage.TenantFilter{}, admin.Page{Cursor: r.URL.Query().Get("cursor"), Limit: 50})
	if err != nil {
		h.fail(w, r, v.P, "GET /console/tenants", err)
		return
	}
	for _, t := range list.Items {
		row := views.TenantRow{ID: t.ID, Slug: t.Slug, Name: t.Name, Status: t.Status, Created: stamp(t.CreatedAt)}
		switch {
		case t.ID == storage.DefaultTenantID: // the platform's own tenant is never suspended here
		case t.Active():
			row.Toggle, row.ToggleHref, row.ToggleDanger = "suspend", Path+"/tenants/"+url.PathEscape(t.ID)+"/suspend", true
		default:
			row.Toggle, row.ToggleHref = "activate", Path+"/tenants/"+url.PathEscape(t.ID)+"/status"
		}
		view.Tenants = append(view.Tenants, row)
	}
	if list.Next != "" {
		view.Next = Path + "/tenants?cursor=" + url.QueryEscape(list.Next)
	}
	login.Render(w, r, status, views.TenantsPage(view))
}

func (h *Handler) tenants(w http.ResponseWriter, r *http.Request) {
	view := views.TenantsView{Shell: h.shell(r, "Tenants", "tenants")}
	switch r.URL.Query().Get("done") {
	case "created":
		view.Notice = "The tenant was created."
	case "status":
		view.Notice = "The tenant's status was changed."
	}
	h.tenantsView(w, r, http.StatusOK, view)
}

func (h *Handler) createTenant(w http.ResponseWriter, r *http.Request) {
	v := from(r)
	in := admin.TenantInput{Slug: strings.TrimSpace(r.PostFormValue("slug")), Name: strings.TrimSpace(r.PostFormValue("name"))}
	_, err := h.Admin.CreateTenant(r.Context(), v.P, in)
	var ve *admin.ValidationError
	if errors.As(err, &ve) || errors.Is(err, admin.ErrConflict) {
		view := views.TenantsView{Shell: h.shell(r, "Tenants", "tenants"), Slug: in.Slug, Name: in.Name, Errors: map[string]string{}}
		if ve != nil {
			for _, fe := range ve.Errors {
				view.Errors[fe.Field] = fe.Detail
			}
		} else {
			view.Errors["slug"] = "This slug is taken."
		}
		view.Error = "The tenant was not created: check the fields marked below."
		h.tenantsView(w, r, http.StatusBadRequest, view)
		return
	}
	if err != nil {
		h.fail(w, r, v.P, "POST /console/tenants", err)
		return
	}
	http.Redirect(w, r, Path+"/tenants?done=created", http.StatusSeeOther)
}

func (h *Handler) confirmSuspend(w http.ResponseWriter, r *http.Request) {
	v := from(r)
	t, err := h.Admin.GetTenant(r.Context(), v.P, chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, v.P, "GET /console/tenants/{id}/suspend", err)
		return
	}
	login.Render(w, r, http.StatusOK, views.ConfirmPage(views.ConfirmView{Shell: h.shell(r, "Suspend tenant "+t.Slug+"?", "tenants"),
		Question: t.Name, Detail: "Its users can no longer sign in and its clients get no tokens until it is activated again.",
		Action: Path + "/tenants/" + url.PathEscape(t.ID) + "/status?status=suspended", Button: "Suspend tenant", Cancel: Path + "/tenants"}))
}

// tenantStatus suspends (after confirmation) or activates a tenant.
func (h *Handler) tenantStatus(w http.ResponseWriter, r *http.Request) {
	v := from(r)
	id := chi.URLParam(r, "id")
	status := storage.TenantActive
	if r.URL.Query().Get("status") == storage.TenantSuspended || r.PostFormValue("status") == storage.TenantSuspended {
		status = storage.TenantSuspended
		if !confirmed(w, r, Path+"/tenants/"+url.PathEscape(id)+"/suspend") {
			return
		}
	}
	if _, err := h.Admin.SetTenantStatus(r.Context(), v.P, id, status); err != nil {
		h.fail(w, r, v.P, "POST /console/tenants/{id}/status", err)
		return
	}
	http.Redirect(w, r, Path+"/tenants?done=status", http.StatusSeeOther)
}

// venues is the venue roles page (tenant administrators: any venue of
// the tenant; venue administrators: their venues).
func (h *Handler) venues(w http.ResponseWriter, r *http.Request) {
	view := views.VenuesView{Shell: h.shell(r, "Venue roles", "venues"), VenueID: strings.TrimSpace(r.URL.Query().Get("venue"))}
	switch r.URL.Query().Get("done") {
	case "granted":
		view.Notice = "The role was granted."
	case "revoked":
		view.Notice = "Their roles at this venue were revoked."
	}
	h.venuesView(w, r, http.StatusOK, view)
}

func (h *Handler) venuesView(w http.ResponseWriter, r *http.Request, status int, view views.VenuesView) {
	v := from(r)
	for id := range v.P.Authz.Venues() {
		if v.P.CanManageVenue(id) {
			view.Managed = append(view.Managed, id)
		}
	}
	slices.Sort(view.Managed)
	for _, role := range h.VenueRoles {
		view.Roles = append(view.Roles, views.Option{Value: role, Label: role, Selected: role == r.PostFormValue("role")})
	}
	if view.VenueID != "" {
		if !storage.ValidVenueID(view.VenueID) {
			h.message(w, r, http.StatusBadRequest, "Unknown venue", "A venue ID is letters, digits and . _ : - only.", Path+"/venues", "Back", "invalid")
			return
		}
		list, err := h.Admin.ListVenueRoles(r.Context(), v.P, tenant(r), view.VenueID, admin.Page{Cursor: r.URL.Query().Get("cursor"), Limit: 50})
		if err != nil {
			h.fail(w, r, v.P, "GET /console/venues", err)
			return
		}
		view.CanManage = v.P.CanManageVenue(view.VenueID)
		for _, g := range list.Items {
			row := views.GrantRow{User: g.UserID, UserID: g.UserID, Role: g.Role, Granted: stamp(g.GrantedAt), Expires: "does not expire",
				RevokeAction: withTenant(r, Path+"/venues/"+url.PathEscape(view.VenueID)+"/revoke", nil)}
			if h.Users != nil {
				if u, err := h.Users.GetTenantUser(r.Context(), tenant(r), g.UserID); err == nil {
					row.User = u.Email
				}
			}
			if !g.ExpiresAt.IsZero() {
				row.Expires = stamp(g.ExpiresAt)
			}
			view.Grants = append(view.Grants, row)
		}
		if list.Next != "" {
			view.Next = withTenant(r, Path+"/venues", url.Values{"venue": {view.VenueID}, "cursor": {list.Next}})
		}
	}
	login.Render(w, r, status, views.VenuesPage(view))
}

func (h *Handler) grantVenueRole(w http.ResponseWriter, r *http.Request) {
	v := from(r)
	venue := chi.URLParam(r, "venue")
	user, role, exp := strings.TrimSpace(r.PostFormValue("user")), r.PostFormValue("role"), strings.TrimSpace(r.PostFormValue("expires"))
	view := views.VenuesView{Shell: h.shell(r, "Venue roles", "venues"), VenueID: venue, User: user, Expires: exp, Errors: map[string]string{}}
	var expires time.Time
	if exp != "" {
		t, err := time.Parse("2006-01-02", exp)
		if err != nil {
			view.Errors["expires"] = "A date such as 2027-01-31 (UTC), or empty."
			view.Error = "The role was not granted: check the fields marked below."
			h.venuesView(w, r, http.StatusBadRequest, view)
			return
		}
		expires = t.UTC()
	}
	_, err := h.Admin.GrantVenueRole(r.Context(), v.P, tenant(r), venue, user, role, expires)
	var ve *admin.ValidationError
	if errors.As(err, &ve) || errors.Is(err, admin.ErrNotFound) {
		if ve != nil {
			for _, fe := range ve.Errors {
				field := fe.Field
				if field == "expires_at" {
					field = "expires"
				}
				view.Errors[field] = fe.Detail
			}
			view.Error = "The role was not granted: " + ve.Error()
		} else {
			view.Errors["user"] = "No such person in this tenant."
			view.Error = "The role was not granted: check the fields marked below."
		}
		h.venuesView(w, r, http.StatusBadRequest, view)
		return
	}
	if err != nil {
		h.fail(w, r, v.P, "POST /console/venues/{venue}/grant", err)
		return
	}
	http.Redirect(w, r, withTenant(r, Path+"/venues", url.Values{"venue": {venue}, "done": {"granted"}}), http.StatusSeeOther)
}

func (h *Handler) revokeVenueRoles(w http.ResponseWriter, r *http.Request) {
	v := from(r)
	venue := chi.URLParam(r, "venue")
	if _, err := h.Admin.RevokeVenueRoles(r.Context(), v.P, tenant(r), venue, r.PostFormValue("user")); err != nil {
		h.fail(w, r, v.P, "POST /console/venues/{venue}/revoke", err)
		return
	}
	http.Redirect(w, r, withTenant(r, Path+"/venues", url.Values{"venue": {venue}, "done": {"revoked"}}), http.StatusSeeOther)
}

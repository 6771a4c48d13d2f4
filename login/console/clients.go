package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
	views "github.com/admit-idp/admit/templates/console"
)

func (h *Handler) clientRoutes(r chi.Router) {
	r.Get("/clients", h.clients)
	r.Get("/clients/new", h.newClient)
	r.Post("/clients", h.createClient)
	r.Get("/clients/{id}", h.editClient)
	r.Post("/clients/{id}", h.updateClient)
	r.Get("/clients/{id}/rotate", h.confirmClient("rotate"))
	r.Post("/clients/{id}/rotate", h.rotateClient)
	r.Get("/clients/{id}/delete", h.confirmClient("delete"))
	r.Post("/clients/{id}/delete", h.deleteClient)
}

func (h *Handler) clients(w http.ResponseWriter, r *http.Request) {
	v := from(r)
	list, err := h.Admin.ListClients(r.Context(), v.P, storage.ClientFilter{TenantID: tenant(r)}, admin.Page{Cursor: r.URL.Query().Get("cursor"), Limit: 25})
	if err != nil {
		h.fail(w, r, v.P, "GET /console/clients", err)
		return
	}
	view := views.ClientsView{Shell: h.shell(r, "Clients", "clients")}
	if r.URL.Query().Get("deleted") != "" {
		view.Notice = "The client was deleted."
	}
	for _, c := range list.Items {
		kind := "confidential"
		if c.Public {
			kind = "public"
		}
		if c.FirstParty {
			kind += ", first-party"
		}
		view.Clients = append(view.Clients, views.ClientRow{ID: c.ID, Name: c.Name, Kind: kind, Grants: strings.Join(c.GrantTypes, " "),
			Href: withTenant(r, Path+"/clients/"+url.PathEscape(c.ID), nil)})
	}
	if list.Next != "" {
		view.Next = withTenant(r, Path+"/clients", url.Values{"cursor": {list.Next}})
	}
	login.Render(w, r, http.StatusOK, views.ClientsPage(view))
}

var authMethods = []string{storage.AuthMethodBasic, "client_secret_basic (secret in the Authorization header)",
	storage.AuthMethodPost, "client_secret_post (secret in the form)",
	storage.AuthMethodPrivateKeyJWT, "private_key_jwt (signed assertion, JWKS below)",
	storage.AuthMethodNone, "none (public client with PKCE)"}

// form is the client form for a spec.
func (h *Handler) form(r *http.Request, title string, spec admin.ClientSpec, edit bool) views.ClientForm {
	f := views.ClientForm{Shell: h.shell(r, title, "clients"), Edit: edit, ID: spec.ID, Name: spec.Name,
		RedirectURIs: strings.Join(spec.RedirectURIs, "\n"), LogoutURIs: strings.Join(spec.PostLogoutURIs, "\n"),
		Grants: strings.Join(spec.Grants, " "), Scopes: strings.Join(spec.Scopes, " "),
		AuthMethods: options(spec.AuthMethod, authMethods...), FirstParty: spec.FirstParty, RequireMFA: spec.RequireMFA, Public: spec.Public,
		AccessTTL: ttl(spec.AccessTTL), IDTTL: ttl(spec.IDTTL), RefreshTTL: ttl(spec.RefreshTTL), JWKS: string(spec.JWKS),
		Action: withTenant(r, Path+"/clients", nil)}
	if edit {
		base := Path + "/clients/" + url.PathEscape(spec.ID)
		f.Action, f.DeleteHref = withTenant(r, base, nil), withTenant(r, base+"/delete", nil)
		if !spec.Public && spec.AuthMethod != storage.AuthMethodPrivateKeyJWT {
			f.RotateAction = withTenant(r, base+"/rotate", nil)
		}
	}
	return f
}

func ttl(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// parseSpec reads the client form; bad durations are field errors.
func parseSpec(r *http.Request, spec *admin.ClientSpec) map[string]string {
	errs := map[string]string{}
	lines := func(name string) []string {
		var out []string
		for _, l := range strings.Split(r.PostFormValue(name), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
		return out
	}
	spec.Name = strings.TrimSpace(r.PostFormValue("name"))
	spec.RedirectURIs, spec.PostLogoutURIs = lines("redirect_uris"), lines("post_logout_uris")
	spec.Grants, spec.Scopes = strings.Fields(r.PostFormValue("grants")), strings.Fields(r.PostFormValue("scopes"))
	spec.AuthMethod = r.PostFormValue("auth_method")
	spec.Public = spec.AuthMethod == storage.AuthMethodNone
	spec.FirstParty, spec.RequireMFA = r.PostFormValue("first_party") == "on", r.PostFormValue("require_mfa") == "on"
	spec.JWKS = nil
	if j := strings.TrimSpace(r.PostFormValue("jwks")); j != "" {
		spec.JWKS = []byte(j)
	}
	for name, dst := range map[string]*time.Duration{"access_ttl": &spec.AccessTTL, "id_ttl": &spec.IDTTL, "refresh_ttl": &spec.RefreshTTL} {
		*dst = 0
		if s := strings.TrimSpace(r.PostFormValue(name)); s != "" {
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				errs[name] = "A positive duration such as 15m or 720h."
				continue
			}
			*dst = d
		}
	}
	return errs
}

// formField maps the service's field names to the form's.
func formField(field string) string {
	if i := strings.IndexByte(field, '['); i > 0 {
		field = field[:i]
	}
	switch field {
	case "grant_types":
		return "grants"
	case "post_logout_redirect_uris":
		return "post_logout_uris"
	case "token_endpoint_auth_method":
		return "auth_method"
	}
	return field
}

// invalidForm shows the form again with the service's problems (and the
// input kept).
func (h *Handler) invalidForm(w http.ResponseWriter, r *http.Request, f views.ClientForm, err error) bool {
	var ve *admin.ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	if f.FieldErrors == nil {
		f.FieldErrors = map[string]string{}
	}
	var other []string
	for _, fe := range ve.Errors {
		name := formField(fe.Field)
		switch name {
		case "id", "name", "redirect_uris", "post_logout_uris", "grants", "scopes", "access_ttl", "id_ttl", "refresh_ttl", "jwks":
			f.FieldErrors[name] = strings.TrimSpace(f.FieldErrors[name] + " " + fe.Detail)
		default:
			other = append(other, fe.Detail)
		}
	}
	f.Error = "Check the fields marked below. " + strings.Join(other, " ")
	login.Render(w, r, http.StatusBadRequest, views.ClientFormPage(f))
	return true
}

func (h *Handler) newClient(w http.ResponseWriter, r *http.Request) {
	v := from(r)
	if !v.P.May(admin.ActManageClients) {
		h.fail(w, r, v.P, "GET /console/clients/new", forbidden(v.P, admin.ActManageClients))
		return
	}
	spec := admin.ClientSpec{AuthMethod: storage.AuthMethodBasic, Grants: []string{"authorization_code", "refresh_token"}, Scopes: []string{"openid", "profile", "email"}}
	login.Render(w, r, http.StatusOK, views.ClientFormPage(h.form(r, "Create a client", spec, false)))
}

func forbidden(p admin.Principal, act admin.Action) error {
	return errors.Join(errors.New(p.Actor()+" may not "+string(act)), admin.ErrForbidden)
}

func (h *Handler) createClient(w http.ResponseWriter, r *http.Request) {
	v := from(r)
	spec := admin.ClientSpec{ID: strings.TrimSpace(r.PostFormValue("id"))}
	errs := parseSpec(r, &spec)
	f := h.form(r, "Create a client", spec, false)
	if len(errs) > 0 {
		f.FieldErrors, f.Error = errs, "Check the fields marked below."
		login.Render(w, r, http.StatusBadRequest, views.ClientFormPage(f))
		return
	}
	c, secret, err := h.Admin.CreateClient(r.Context(), v.P, tenant(r), spec)
	if err != nil {
		if !h.invalidForm(w, r, f, err) {
			h.fail(w, r, v.P, "POST /console/clients", err)
		}
		return
	}
	h.showSecret(w, r, c.ID, secret, "The client was created.")
}

// showSecret shows a new secret once (a public or private_key_jwt client
// has none: back to its page).
func (h *Handler) showSecret(w http.ResponseWriter, r *http.Request, id, secret, notice string) {
	back := withTenant(r, Path+"/clients/"+url.PathEscape(id), nil)
	if secret == "" {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	s := h.shell(r, "Client secret", "clients")
	s.Notice = notice
	login.Render(w, r, http.StatusOK, views.SecretPage(views.SecretView{Shell: s, ClientID: id, Secret: secret, Back: back}))
}

func (h *Handler) editClient(w http.ResponseWriter, r *http.Request) {
	v := from(r)
	c, err := h.Admin.GetClient(r.Context(), v.P, tenant(r), chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, v.P, "GET /console/clients/{id}", err)
		return
	}
	f := h.form(r, "Client "+c.ID, admin.SpecOf(c), true)
	if r.URL.Query().Get("saved") != "" {
		f.Notice = "The client was saved."
	}
	login.Render(w, r, http.StatusOK, views.ClientFormPage(f))
}

func (h *Handler) updateClient(w http.ResponseWriter, r *http.Request) {
	v := from(r)
	id := chi.URLParam(r, "id")
	var posted admin.ClientSpec
	errs := parseSpec(r, &posted)
	posted.ID = id
	f := h.form(r, "Client "+id, posted, true)
	if len(errs) > 0 {
		f.FieldErrors, f.Error = errs, "Check the fields marked below."
		login.Render(w, r, http.StatusBadRequest, views.ClientFormPage(f))
		return
	}
	_, err := h.Admin.UpdateClient(r.Context(), v.P, tenant(r), id, func(s *admin.ClientSpec) {
		s.Name, s.RedirectURIs, s.PostLogoutURIs, s.Grants, s.Scopes = posted.Name, posted.RedirectURIs, posted.PostLogoutURIs, posted.Grants, posted.Scopes
		s.AuthMethod, s.Public, s.FirstParty, s.RequireMFA, s.JWKS = posted.AuthMethod, posted.Public, posted.FirstParty, posted.RequireMFA, posted.JWKS
		s.AccessTTL, s.IDTTL, s.RefreshTTL = posted.AccessTTL, posted.IDTTL, posted.RefreshTTL
	})
	if err != nil {
		if !h.invalidForm(w, r, f, err) {
			h.fail(w, r, v.P, "POST /console/clients/{id}", err)
		}
		return
	}
	http.Redirect(w, r, withTenant(r, Path+"/clients/"+url.PathEscape(id), url.Values{"saved": {"1"}}), http.StatusSeeOther)
}

func (h *Handler) confirmClient(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := from(r)
		c, err := h.Admin.GetClient(r.Context(), v.P, tenant(r), chi.URLParam(r, "id"))
		if err != nil {
			h.fail(w, r, v.P, "GET /console/clients/{id}/"+action, err)
			return
		}
		base := Path + "/clients/" + url.PathEscape(c.ID)
		cv := views.ConfirmView{Shell: h.shell(r, "Delete client "+c.ID+"?", "clients"), Question: c.Name,
			Detail: "Apps using this client can no longer sign anyone in. This cannot be undone.", Button: "Delete client",
			Action: withTenant(r, base+"/delete", nil), Cancel: withTenant(r, base, nil)}
		if action == "rotate" {
			cv.Shell.Title, cv.Button, cv.Action = "Rotate the secret of "+c.ID+"?", "Rotate secret", withTenant(r, base+"/rotate", nil)
			cv.Detail = "The current secret stops working at once: the app needs the new one."
		}
		login.Render(w, r, http.StatusOK, views.ConfirmPage(cv))
	}
}

func (h *Handler) rotateClient(w http.ResponseWriter, r *http.Request) {
	v := from(r)
	id := chi.URLParam(r, "id")
	if !confirmed(w, r, withTenant(r, Path+"/clients/"+url.PathEscape(id)+"/rotate", nil)) {
		return
	}
	secret, err := h.Admin.RotateClientSecret(r.Context(), v.P, tenant(r), id)
	if err != nil {
		h.fail(w, r, v.P, "POST /console/clients/{id}/rotate", err)
		return
	}
	h.showSecret(w, r, id, secret, "The secret was rotated.")
}

func (h *Handler) deleteClient(w http.ResponseWriter, r *http.Request) {
	v := from(r)
	id := chi.URLParam(r, "id")
	if !confirmed(w, r, withTenant(r, Path+"/clients/"+url.PathEscape(id)+"/delete", nil)) {
		return
	}
	if err := h.Admin.DeleteClient(r.Context(), v.P, tenant(r), id); err != nil {
		h.fail(w, r, v.P, "POST /console/clients/{id}/delete", err)
		return
	}
	http.Redirect(w, r, withTenant(r, Path+"/clients", url.Values{"deleted": {"1"}}), http.StatusSeeOther)
}

package venues

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/account"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
	"github.com/admit-idp/admit/storage/roles"
	"github.com/admit-idp/admit/templates"
	"github.com/admit-idp/admit/templates/i18n"
)

// Admin is what the pages need of the admin service.
type Admin interface {
	UserPrincipal(ctx context.Context, tenantID, userID string) (admin.Principal, error)
	GrantVenueRole(ctx context.Context, p admin.Principal, tenantID, venueID, user, role string, expiresAt time.Time) (storage.RoleGrant, error)
	RevokeVenueRoles(ctx context.Context, p admin.Principal, tenantID, venueID, user string) ([]storage.RoleGrant, error)
	ListVenueRoles(ctx context.Context, p admin.Principal, tenantID, venueID string, pg admin.Page) (admin.List[storage.RoleGrant], error)
}

// Section is the account area's roles block and venue pages.
type Section struct {
	Area      *account.Area
	Admin     Admin
	Catalogue *roles.Catalogue
	// Users names the people on a venue's page (in the viewer's tenant).
	Users interface {
		GetTenantUser(ctx context.Context, tenantID, userID string) (storage.User, error)
	}
}

var _ account.Section = (*Section)(nil)

// Mount adds the venue pages to the /account router.
func (s *Section) Mount(r chi.Router) {
	r.Get("/venues", s.open)
	r.Get("/venues/{venue}", s.show)
	r.Post("/venues/{venue}/grant", s.grant)
	r.Post("/venues/{venue}/revoke", s.revoke)
}

// Section implements account.Section.
func (s *Section) Section(ctx context.Context, u storage.User, _ storage.Session, csrf string) templ.Component {
	p, err := s.Admin.UserPrincipal(ctx, u.TenantID, u.ID)
	if err != nil {
		return templ.NopComponent
	}
	v := templates.VenuesSectionView{CSRFToken: csrf, Roles: p.Authz.Roles, AnyVenue: p.Admin}
	venues := p.Authz.Venues()
	for _, id := range sortedKeys(venues) {
		v.Venues = append(v.Venues, templates.VenueRolesRow{VenueID: id, Roles: venues[id]})
		if p.CanManageVenue(id) {
			v.Managed = append(v.Managed, id)
		}
	}
	return templates.VenuesSection(v)
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// open sends the "manage a venue" form to the venue's page.
// Without a venue it is the account area's venues page.
func (s *Section) open(w http.ResponseWriter, r *http.Request) {
	if !r.URL.Query().Has("venue") {
		s.Area.ShowPage(w, r, account.PageVenues)
		return
	}
	id := r.URL.Query().Get("venue")
	// Only the venue IDs the admin service accepts (storage.ValidVenueID)
	// reach a URL.
	if !storage.ValidVenueID(id) {
		s.Area.Engine.ErrorPage(w, r, http.StatusBadRequest, "account.venues.err.unknown.title", "account.venues.err.unknown.message")
		return
	}
	http.Redirect(w, r, "/account/venues/"+id, http.StatusSeeOther)
}

// principal loads the signed-in user as an admin principal; false when it
// has answered.
func (s *Section) principal(w http.ResponseWriter, r *http.Request) (admin.Principal, bool) {
	u, _, ok := s.Area.Current(w, r)
	if !ok {
		return admin.Principal{}, false
	}
	p, err := s.Admin.UserPrincipal(r.Context(), u.TenantID, u.ID)
	if err != nil {
		s.fail(w, r, err)
		return admin.Principal{}, false
	}
	return p, true
}

// notices are the confirmations a redirect can ask for (by code: the page
// never shows text taken from the URL).
var notices = map[string]string{
	"granted": "account.venues.notice.granted",
	"revoked": "account.venues.notice.revoked",
}

func (s *Section) show(w http.ResponseWriter, r *http.Request) {
	p, ok := s.principal(w, r)
	if !ok {
		return
	}
	v := templates.VenueRolesView{VenueID: chi.URLParam(r, "venue"), Notice: notices[r.URL.Query().Get("done")]}
	s.render(w, r, p, http.StatusOK, v)
}

// render fills the grants and the form's options, then writes the page.
func (s *Section) render(w http.ResponseWriter, r *http.Request, p admin.Principal, status int, v templates.VenueRolesView) {
	csrf, err := s.Area.Cookies.CSRFToken(w, r)
	if err != nil {
		s.Area.Engine.Unavailable(w, r, err)
		return
	}
	list, err := s.Admin.ListVenueRoles(r.Context(), p, "", v.VenueID, admin.Page{Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.CSRFToken, v.RoleOptions, v.CanManage = csrf, s.venueRoles(), p.CanManageVenue(v.VenueID)
	v.Grants = s.rows(r.Context(), p.TenantID, list.Items)
	if list.Next != "" {
		v.Next = "/account/venues/" + v.VenueID + "?cursor=" + url.QueryEscape(list.Next)
	}
	login.Render(w, r, status, templates.VenueRolesPage(v))
}

func (s *Section) venueRoles() []string {
	var out []string
	for _, role := range s.Catalogue.Roles() {
		if role.Resource == storage.ResourceVenue {
			out = append(out, role.Name)
		}
	}
	return out
}

func (s *Section) rows(ctx context.Context, tenantID string, grants []storage.RoleGrant) []templates.VenueGrantRow {
	rows := make([]templates.VenueGrantRow, 0, len(grants))
	for _, g := range grants {
		row := templates.VenueGrantRow{UserID: g.UserID, User: g.UserID, Role: g.Role,
			GrantedAt: account.Date(ctx, g.GrantedAt), Expires: "account.venues.no_expiry"}
		if u, err := s.Users.GetTenantUser(ctx, tenantID, g.UserID); err == nil && u.Email != "" {
			row.User = u.Email
		}
		if !g.ExpiresAt.IsZero() {
			row.Expires = i18n.T(ctx, "account.venues.expires", "At", i18n.From(ctx).DateTime(g.ExpiresAt.UTC()))
		}
		rows = append(rows, row)
	}
	return rows
}

// Page implements account.Placed.
func (*Section) Page() account.Page { return account.PageVenues }

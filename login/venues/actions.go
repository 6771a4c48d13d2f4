package venues

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/storage/admin"
	"github.com/admit-idp/admit/templates"
	"github.com/admit-idp/admit/templates/i18n"
)

// grant gives the person a venue role; on a problem the page comes back
// with the message and what was typed.
func (s *Section) grant(w http.ResponseWriter, r *http.Request) {
	p, ok := s.posted(w, r)
	if !ok {
		return
	}
	v := templates.VenueRolesView{VenueID: chi.URLParam(r, "venue"),
		User: strings.TrimSpace(r.PostFormValue("user")), Role: r.PostFormValue("role"), ExpiresOn: r.PostFormValue("expires_on")}
	expires, err := expiryOf(v.ExpiresOn)
	if err == nil {
		_, err = s.Admin.GrantVenueRole(r.Context(), p, "", v.VenueID, v.User, v.Role, expires)
	}
	if err != nil {
		s.formError(w, r, p, v, err)
		return
	}
	http.Redirect(w, r, "/account/venues/"+v.VenueID+"?done=granted", http.StatusSeeOther)
}

// expiryOf reads the optional date field: the grant ends at the end of
// that day (UTC).
func expiryOf(day string) (time.Time, error) {
	if day == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return time.Time{}, &admin.ValidationError{Errors: []admin.FieldError{{Field: "expires_at", Detail: "account.venues.err.date"}}}
	}
	return t.Add(24*time.Hour - time.Second), nil
}

func (s *Section) revoke(w http.ResponseWriter, r *http.Request) {
	p, ok := s.posted(w, r)
	if !ok {
		return
	}
	venue := chi.URLParam(r, "venue")
	if _, err := s.Admin.RevokeVenueRoles(r.Context(), p, "", venue, r.PostFormValue("user")); err != nil {
		s.formError(w, r, p, templates.VenueRolesView{VenueID: venue}, err)
		return
	}
	http.Redirect(w, r, "/account/venues/"+venue+"?done=revoked", http.StatusSeeOther)
}

// posted checks a form post's CSRF token, then loads the signed-in user as
// a principal; false when it has answered.
func (s *Section) posted(w http.ResponseWriter, r *http.Request) (admin.Principal, bool) {
	if !s.Area.Cookies.CheckCSRF(r) {
		s.Area.Engine.ErrorPage(w, r, http.StatusForbidden, "error.csrf.title", "error.csrf.message")
		return admin.Principal{}, false
	}
	return s.principal(w, r)
}

// formError shows validation problems and unknown people on the page,
// keeping the form's input; other errors get their own page.
func (s *Section) formError(w http.ResponseWriter, r *http.Request, p admin.Principal, v templates.VenueRolesView, err error) {
	var verr *admin.ValidationError
	switch {
	case errors.As(err, &verr):
		v.Error, v.FieldErrors = "account.venues.err.check", map[string]string{}
		for _, f := range verr.Errors {
			v.FieldErrors[fieldOf(f.Field)] = f.Detail
		}
		s.render(w, r, p, http.StatusUnprocessableEntity, v)
	case errors.Is(err, admin.ErrSelfGrant):
		// The rule is about the person, not the venue: nobody grants
		// roles to themselves, owners included.
		v.Error = i18n.T(r.Context(), "pages.venues.self_grant")
		v.FieldErrors = map[string]string{"user": v.Error}
		s.render(w, r, p, http.StatusUnprocessableEntity, v)
	case errors.Is(err, admin.ErrNotFound):
		v.Error = "account.venues.err.no_user"
		v.FieldErrors = map[string]string{"user": v.Error}
		s.render(w, r, p, http.StatusUnprocessableEntity, v)
	default:
		s.fail(w, r, err)
	}
}

// fieldOf maps the service's field names to the form's.
func fieldOf(field string) string {
	switch field {
	case "user_id", "user":
		return "user"
	case "venue_id":
		return "user" // shown with the form; the venue comes from the URL
	}
	return field
}

// fail answers errors that end the page: not allowed, signed out, or a
// backend that is down.
func (s *Section) fail(w http.ResponseWriter, r *http.Request, err error) {
	var verr *admin.ValidationError
	switch {
	case errors.As(err, &verr): // a malformed venue ID or cursor in the URL
		s.Area.Engine.ErrorPage(w, r, http.StatusBadRequest, "account.venues.err.bad_link.title",
			"account.venues.err.bad_link.message")
	case errors.Is(err, admin.ErrForbidden):
		s.Area.Engine.ErrorPage(w, r, http.StatusForbidden, "account.venues.err.forbidden.title",
			"account.venues.err.forbidden.message")
	case errors.Is(err, admin.ErrUnauthenticated):
		s.Area.Engine.ErrorPage(w, r, http.StatusForbidden, "account.venues.err.forbidden.title", "account.venues.err.no_longer")
	case errors.Is(err, admin.ErrNotFound):
		s.Area.Engine.ErrorPage(w, r, http.StatusNotFound, "account.venues.err.not_found.title", "account.venues.err.not_found.message")
	default:
		s.Area.Engine.Unavailable(w, r, err)
	}
}

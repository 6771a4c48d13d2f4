package account

import (
	"context"

	"github.com/admit-idp/admit/templates"
)

// Page is one page of the account area, served at /account/<page> (the
// profile also at /account itself).
type Page string

// The pages, in the order of the navigation. The danger zone is last on
// purpose: nothing irreversible sits between everyday settings.
const (
	PageProfile  Page = "profile"
	PageSecurity Page = "security"
	PageSignIn   Page = "sign-in"
	PageDevices  Page = "devices"
	PageApps     Page = "apps"
	PageVenues   Page = "venues"
	PageDanger   Page = "danger"
)

// Pages lists every page in navigation order.
var Pages = []Page{PageProfile, PageSecurity, PageSignIn, PageDevices, PageApps, PageVenues, PageDanger}

// URL is the page's address.
func (p Page) URL() string {
	if p == PageProfile || p == "" {
		return "/account"
	}
	return "/account/" + string(p)
}

// valid reports whether p is one of Pages.
func (p Page) valid() bool {
	for _, q := range Pages {
		if q == p {
			return true
		}
	}
	return false
}

// Placed is implemented by a Section that belongs on a page other than
// the profile.
type Placed interface {
	// Page is where the section is shown.
	Page() Page
}

// pageOf is the page a section belongs on.
func pageOf(s Section) Page {
	if p, ok := s.(Placed); ok && p.Page().valid() {
		return p.Page()
	}
	return PageProfile
}

type inlineKey struct{}

// inline holds the forms shown again after a failed submission, by form
// test id.
type inline map[string]templates.FormView

// InlineForm returns the form with test id id as the failed submission
// left it (errors set, what was typed kept but never a password), when the
// page is being shown again for it; sections use it instead of their
// empty form.
func InlineForm(ctx context.Context, id string) (templates.FormView, bool) {
	m, _ := ctx.Value(inlineKey{}).(inline)
	v, ok := m[id]
	return v, ok
}

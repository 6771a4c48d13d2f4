package templates

import "github.com/a-h/templ"

// AccountView is one page of the account area.
type AccountView struct {
	Email     string
	CSRFToken string
	Notice    string // one-off confirmation ("Two-step verification is on"), empty for none
	// Page is the page's name ("profile", "security"…), Title its heading.
	Page, Title string
	// Nav lists the area's pages, the current one marked.
	Nav []NavItem
	// Sections are the page's blocks, in order, one per feature.
	Sections []templ.Component
}

// NavItem is one entry of the account navigation.
type NavItem struct {
	Href, Label, TestID string
	Current             bool
	Danger              bool // the danger zone, set apart
}

// Package console holds the operator console's pages (login/console), as
// templ components.
//
// The console is English-only by design: its users are the platform's
// operators and support staff, not customers, and its words are those of
// the admin service (event names, role names, error details), which are
// English too. It therefore does not go through templates/i18n; the
// catalogue check of hosted pages ("no English outside the catalogue")
// excludes templates/console.
//
// Pages render under the same strict CSP as the hosted login (no inline
// script or style; form-action 'self') and link one stylesheet,
// /static/console.css. Every page has a skip link, one h1, labelled
// controls, tables with headers and captions, and data-testid attributes
// that are part of the contract with the tests (render tests here, the
// end-to-end and Chromium tests of cmd/admit/app). Destructive actions go
// through a confirmation page; every form carries the CSRF token.
package console

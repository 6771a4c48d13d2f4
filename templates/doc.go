// Package templates holds the server-rendered pages of Admit's hosted login,
// written as templ components.
//
// The .templ files are the source; the *_templ.go files next to them are
// generated with `go tool templ generate` and committed so that a plain
// `go build` works without the templ CLI. Regenerate after every .templ edit.
//
// Every page is rendered through one layout that links /static/admit.css and
// carries no inline script or style, because the login pages are served under
// a strict Content-Security-Policy (script-src 'self'; style-src 'self').
// Elements that tests need to find carry data-testid attributes; those names
// are part of the package's contract with the browser tests.
package templates

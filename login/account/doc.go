// Package account serves the signed-in account area at /account.
//
// The area belongs to the browser's SSO session: without one, it starts a
// local login flow (login.Engine.StartLocal) that returns here.
//
// # Pages
//
// The area is a set of pages with one navigation (a side column on wide
// screens, a row on top on phones): profile (/account), security,
// sign-in methods, devices and sessions, apps with access, venues, and the
// danger zone last (Pages). Features add a Section each (TOTP, passkeys,
// wallets, linked providers, sessions, devices…) and say which page it is
// on by implementing Placed; a section that does not is on the profile
// page. A page without sections is left out of the navigation.
//
// # Flow of a form
//
// A section mounts its own handlers under /account. On success it
// redirects to its page with a one-off notice (login.Engine.
// RedirectWithNotice). On a problem it calls Area.ShowForm with its
// templates.FormView (errors set, what was typed kept, never a password):
// the same page is shown again, the other sections as they are, and the
// section finds its failed form with InlineForm instead of an empty one.
// Sensitive actions call RequireRecentLogin, which sends the user through
// the login again when their last full login is older than five minutes.
//
// # Language and names
//
// The area speaks the user's language, which login.Engine.Localize (the
// middleware of every hosted page) puts in the request's context:
// ui_locales in the URL, then the language saved on the profile page, then
// Accept-Language, then the brand's default. Browsers
// are named as people know them ("Chrome on Windows", DeviceName, with
// github.com/medama-io/go-useragent), never by their raw user agent; dates
// and "5 minutes ago" come from the catalogs (Date, Ago).
package account

// Package account serves the signed-in account area at /account.
//
// The area belongs to the browser's SSO session: without one, it starts a
// local login flow (login.Engine.StartLocal) that returns here. Features add
// a Section each (TOTP, passkeys, wallets, linked providers, sessions…) and
// mount their own handlers under /account; sensitive actions call
// RequireRecentLogin, which sends the user through the login again when
// their last full login is older than five minutes.
package account

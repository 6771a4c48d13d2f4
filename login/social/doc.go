// Package social signs users in through upstream identity providers:
// any OpenID Connect provider, Google and Apple (presets of it) and GitHub
// (OAuth 2.0 with its REST API).
//
// # The flow
//
//  1. The login page shows one link per provider (Method.Option):
//     /login/social/<id>/start?flow=<flow>. It is a link, not a form: a
//     form POST that redirects to the provider would need the provider's
//     origin in the page's CSP form-action. The start handler refuses
//     navigations other sites begin (Sec-Fetch-Site), and the flow id is a
//     secret only the page's browser knows.
//  2. start creates the state (<flow id>.<256 random bits>), the nonce and
//     the PKCE verifier (S256). The flow's Data keeps the state's and
//     nonce's SHA-256, the verifier sealed under the master key, and the
//     hash of the browser's CSRF cookie (login.Cookies.BrowserBinding).
//  3. The provider sends the browser to /login/social/<id>/callback (GET,
//     or a cross-site POST for Apple's response_mode=form_post, which is
//     exempt from the cross-origin check and answered with a 303 to the GET
//     form so that the SameSite=Lax cookies come along). The callback finds
//     the flow from the state, checks provider, state and browser binding
//     in constant time, and deletes them from the flow before calling the
//     provider: a replayed or tampered callback is refused.
//  4. The code is exchanged (with the verifier); for OpenID providers the
//     id token is verified against the provider's JWKS (issuer, audience,
//     expiry) and its nonce against the stored hash; userinfo fills in the
//     e-mail when the id token has none. GitHub's profile comes from /user
//     and the e-mail from /user/emails (primary and verified only).
//  5. The upstream (provider id, subject) pair finds the linked account
//     (storage.Identities). There is no silent merge by e-mail:
//     - linked: sign in;
//     - not linked, the provider-verified e-mail belongs to an account: a
//     page asks for that account's password; on success the identity is
//     linked and the login completes (amr gets "pwd" as well). The pending
//     link lives in the flow;
//     - not linked, no such account: a new account (verified e-mail, names)
//     unless sign-up is disabled (social.sign_up: false);
//     - no verified e-mail: refused, nothing is created or matched.
//
// Upstream access and refresh tokens are used for the profile only and
// never stored.
//
// # Account area
//
// Section lists linked providers, links another (GET
// /account/social/<id>/link, after a recent login, through the same
// redirect; the callback links it to the signed-in user) and unlinks (POST,
// CSRF), except the last way to sign in: a user without a password and with
// one identity cannot unlink it.
//
// # Native sign-in (native.go)
//
// A mobile app that signed in with a provider's SDK exchanges the SDK's ID
// token at the token endpoint (RFC 8693; op/exchange.go). The provider is
// the one whose issuer is the token's iss and that lists the token's aud in
// native_client_ids; the token is verified against its JWKS like the
// callback's (plus the nonce the app sends, or its SHA-256), and step 5's
// rules apply, except that what needs the browser (proving an existing
// account's password to link) is refused with ErrLinkRequired.
//
// # amr and idp
//
// RFC 8176 registers no value for "authenticated by a federated identity
// provider" ("fed" is not in the registry). Admit records "ext" (external
// authentication) plus "idp:<provider id>": the latter is collision-
// resistant (a prefix no registered value has) and is what carries the
// provider through sessions and refresh tokens, which keep the amr, so the
// id token can name it in the non-standard "idp" claim (op.ExtraClaims;
// see ExtraClaims). The provider id alone is not used as an amr value
// because ids are chosen by operators and could collide with registered
// values ("otp", "sms").
//
// # Robustness
//
// Every upstream call goes through an http.Client with a 5 s timeout
// (handed to x/oauth2 and go-oidc through the oauth2.HTTPClient context
// key) and a per-provider circuit breaker (gobreaker): 50% failures within
// a minute, at least four calls, open it for 30 s, the old service's
// settings. Only the provider's own failures count (network errors,
// timeouts, 5xx, unreachable discovery); a rejected token does not. While
// a breaker is open the login page says "<name> is unavailable right now"
// and every other method works. An error from the provider
// (error=access_denied) returns to the login page with a message.
//
// Client secrets come from the file, client_secret_env or
// ADMIT_SOCIAL_<ID>_CLIENT_SECRET and are never logged (ProviderConfig's
// String and LogValue leave them out). Apple's client secret is an ES256
// JWT signed for every token request with the team's key.
package social

// Package login runs Admit's hosted, server-rendered login.
//
// # The flow
//
// A login is a flow bound to one authorization request:
//
//  1. op validates /authorize, stores the request and redirects the browser
//     to /login?id=<request>. Engine.start loads the request and its client
//     (every step reads the client through op's node row cache,
//     op.Storage.CachedClients: Redis change-stamps, not a Postgres row).
//  2. If the browser has an SSO session (cookie admit_session, or
//     __Host-admit_session on https) that satisfies the request — no
//     prompt=login, max_age not exceeded, id_token_hint naming the same user —
//     the flow continues with that session's user, auth_time and amr. With
//     prompt=none and no such session, the client gets login_required.
//  3. Otherwise a LoginFlow record (ephemeral store, same lifetime as the
//     request) is created and the login page rendered. The record holds which
//     factors are satisfied so far (AMR), the identified user and a failure
//     count; methods may keep private state in its Data map.
//  4. A Method (package password, later TOTP, passkeys, wallets, social)
//     verifies a factor in its own handlers, calls Engine.Fail on failure
//     (five failures end the flow) or Engine.Succeed with the user and the
//     RFC 8176 amr values it proved ("pwd", "otp", "hwk", "swk", ...).
//  5. Succeed starts a new SSO session (the old one is deleted: no fixation)
//     and, for clients not marked first-party, shows the consent page unless
//     the user already granted every requested scope (or prompt=consent).
//  6. The engine completes the authorization request (user, auth_time, amr,
//     acr, session id) and redirects to op's callback, which issues the code.
//
// # Adding a login method
//
// Implement Method: Mount adds the method's routes to the /login router,
// Option renders its entry on the login page (a templ component, or nil).
// A method never touches the authorization request or the session itself;
// it only reports factors through the Engine, which applies the policy.
//
// # Authentication context
//
// acr is urn:admit:acr:sfa (one factor) or urn:admit:acr:mfa (the amr
// contains "mfa"). Both are listed in discovery's acr_values_supported.
//
// # MFA policy (mfa.go)
//
// After a first factor, Succeed decides whether the login is complete. A
// second factor is required when the client has RequireMFA, when the
// request's acr_values contains urn:admit:acr:mfa, or when the user has a
// second factor set up (one always uses it). Second-factor methods plug in
// through SecondFactor (Available for a user, ChallengeURL of its step) and,
// to be set up during a login, Enroller; the engine marks the flow as
// awaiting a second factor, and only such flows reach those pages. The
// second factor's Succeed adds "mfa" to the amr. An SSO session that lacks
// the required MFA gets a step-up (second factor only, keeping auth_time);
// an explicit acr_values step-up is satisfied by a second factor proved on
// the session within MFAWindow (5 minutes, Session.MFAAt).
//
// # Defences (defences.go)
//
// Lockout, rate limits and CAPTCHA are one mechanism (Defences, package
// login/defence) that every method goes through: a method calls
// Engine.Guard(w, r, f, Attempt{Action, Identifier, Lockable}) before it
// verifies a credential; Fail and Succeed then report that step's outcome
// (only a step that went through Guard counts or resets). Password, TOTP,
// backup codes and the social-link password are lockable; passkeys and
// wallets are not, so a locked user can still use them. A refused step
// answers 429 with Retry-After: the login page with the lock or rate
// message (the other methods stay available) or, on second-factor pages,
// an error page. The login page shows the CAPTCHA widget when one is due
// and adds the provider to its CSP. Handlers outside a flow (sign-up,
// forgot password) use CheckAttempt, RenderRefusal and CaptchaWidget.
// Every login step is audited (Audit, package storage/audit) and the first
// factor's device recorded (DeviceTrust, package login/device).
//
// # Lost sign-ins (restart.go)
//
// Flows and authorization requests are ephemeral and may be lost (expiry, a
// Redis restart). The login page remembers, in a short-lived HttpOnly
// cookie, how to start its sign-in again; a POST to or a reload of a lost
// flow then shows "Start again", which re-enters /authorize for the same
// client with the original parameters (validated there again).
//
// # Browser security
//
// Every form carries a CSRF token (double submit: cookie admit_csrf and a
// hidden field, compared in constant time) and POSTs are additionally
// refused cross-origin by net/http's CrossOriginProtection (Sec-Fetch-Site /
// Origin). Cookies are HttpOnly, SameSite=Lax and, on https, Secure with the
// __Host- prefix. Pages send a strict Content-Security-Policy with
// form-action 'self'. Browsers apply form-action to every redirect that
// follows a form POST, and an application's callback may redirect anywhere,
// so a login (or sign-out) that ends after a page interaction reaches the
// client through a ContinuePage that moves on by a meta refresh, a new
// navigation no form started (DeliverToClient, Continue). Only the
// client's own navigation (/authorize and the login start answering from
// the SSO session) gets op's plain redirect; a native app's private-use
// scheme keeps the redirect and is added to form-action.
//
// Unknown e-mail, password-less, disabled account and wrong password give
// the same message after the same argon2id work (Hasher.VerifyUnknown).
// A backend failure shows a 503 page with Retry-After: nothing is consumed,
// so the user can retry.
//
// RP-initiated logout: a request without an id_token_hint naming the
// browser's own session (sub, and sid when present) is confirmed by the user
// first (Logout.ConfirmEndSession); op validates end_session and its
// post_logout_redirect_uri, then sends the browser to /logout with that URI
// signed (HMAC, key derived from the master key); Logout deletes the session
// and its cookie, then continues to the client's page (Continue).
//
// Language and brand (locale.go, branding.go): Engine.Localize, the
// middleware of every hosted page, puts the page's locale and brand into the
// request context. The language comes from the flow's ui_locales (kept in
// the flow when it starts), the user's saved preference, Accept-Language,
// then the brand's default language (templates/i18n.Negotiate); the brand is
// the flow's client's brand over its tenant's (Branding, cached), whose
// stylesheet and logo are served from /brand on Admit's origin. Handlers
// name their messages by catalog id (ErrorPage, RenderLogin, notices);
// pages translate them at render time (i18n.Text). Mails use the
// recipient's saved language (UserLocale), else the page's.
package login

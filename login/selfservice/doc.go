// Package accounts is Admit's self-service account management: sign-up,
// e-mail verification, forgot/reset password (the login-page Method) and
// the account-area sections profile, password, sessions, apps and delete.
//
// Sign-up (/login/signup?flow=…, linked from the login page when the
// deployment allows it) validates e-mail, names, an optional E.164 phone
// and the password Policy (NIST SP 800-63B: length 8–128 by default, a
// blocklist of zxcvbn's 7,141 most common passwords, no composition rules). It
// always answers "check your inbox": a taken address gets the same page
// after the same work (the password is hashed either way) and its owner an
// e-mail saying someone tried to sign up, so the form does not tell who has
// an account. A soft-deleted user's address stays taken for EmailHold.
//
// The login continues once the user signs in; it is not completed by the
// sign-up itself (that would reveal, by a different answer, that the address
// was new). For the same reason a sign-up answer never comes sooner than
// ForgotFloor after the request: creating an account takes longer than
// mailing the owner of a taken address. A client listed in RequireVerifiedEmail refuses the password
// login of an unconfirmed address (password.Method.Gate); others let the
// user in at once, with email_verified false in tokens until confirmed.
//
// One-time links (verification 24 h, reset 1 h, e-mail change 24 h) carry
// 256 random bits; only their SHA-256 is stored (storage.AccountTokens) and
// ConsumeAccountToken spends them atomically. A link's GET only shows a
// button: the POST spends it, so mail scanners that prefetch links do not
// burn them. A verification link leads back to the login flow it was
// issued in, if that is still alive. Resending is limited to ResendLimit
// (3) links an hour per account, with the same answer past the limit.
//
// Forgot password answers identically for known and unknown addresses and
// never sooner than ForgotFloor after the request, and is limited per IP
// and per address (Limiter; MemoryLimiter until the shared limiter is
// wired). A reset sets the new password, marks the address verified (the
// link proved the mailbox), ends every session, revokes every refresh
// token, deny-lists their grants (so access tokens stop at userinfo and
// introspection), and e-mails the user. A password change in the account
// area does the same but keeps the current session.
//
// The account sections use account.Area: Current for the signed-in user,
// RequireRecentLogin (5 minutes) before changing the password, the e-mail
// or deleting the account. Deletion is soft (storage.UserAdmin): the user
// row stays, disabled, with its address moved aside, so op and the password
// method refuse it like any disabled user.
//
// Hooks for the defences: Guard (captcha and shared rate limits on the
// public forms; its Widget is rendered inside them), Limiter, and Audit.
// Mail goes through Mailer (package mail): never blocking, and when it
// cannot accept a message the pages that exist to send one say "we could
// not send the e-mail, try again".
package selfservice

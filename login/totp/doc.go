// Package totp is Admit's second factor: time-based one-time passwords
// (RFC 6238, via github.com/pquerna/otp) with single-use backup codes, as a
// step of the hosted login and a section of the account area.
//
// # Enrolment (account area, or during a login that requires MFA)
//
//  1. The user re-enters the password (account area; during a login the
//     password step of the same flow has just been completed).
//  2. A 160-bit secret is generated, sealed with the master key
//     (keys.Sealer, AES-256-GCM, additional data "totp:<user id>" so a blob
//     copied to another user does not open; never a signing key) and kept as
//     a pending enrolment in the ephemeral store for 10 minutes. Starting
//     again within 5 minutes shows the same secret (the user may already
//     have scanned it); later a new one.
//  3. The page shows a QR code (PNG rendered server-side from the otpauth://
//     URI, inlined as a data: URI), the URI and the base32 secret.
//  4. One correct code confirms: the sealed secret moves to the durable
//     store and 10 backup codes (XXXX-XXXX) are shown once and can be
//     downloaded as a text file. An expired pending secret sends the user
//     back to step 1.
//
// # Sign-in
//
// The engine (login.Engine, see login/mfa.go) sends a user with TOTP to
// /login/totp after the password step; the page is refused for flows whose
// first factor is not complete, so nothing reveals whether a user has MFA
// before the password is verified. A code is accepted for the current 30 s
// step and one step either side. The accepted step is marked used for 90 s
// (ephemeral store, atomic): the same code again is "already used". A
// backup code is removed atomically by the store (the first of two
// concurrent uses wins) and the next page says how many remain. Every wrong,
// reused or malformed code counts as a failure of the flow; the fifth ends
// it. Success reports amr "otp" and the engine adds "mfa".
//
// # Backup codes
//
// Eight characters of Crockford base32 (40 random bits), stored as SHA-256.
// A fast hash is enough here, unlike for passwords: the codes are random,
// not chosen, so there is no dictionary to try, and 2^40 guesses per code
// against a leaked hash is not cheap when the attacker must also hold the
// password and the codes die on regeneration. Online guessing is bounded by
// the five failures per login flow. argon2id per code would cost ten slow
// hashes per check (the code is unknown, so every hash is tried) for no
// practical gain. Regenerating replaces the whole set.
//
// # Authentication context (acr) and step-up
//
// Tokens carry RFC 8176 amr values and an acr:
//
//	urn:admit:acr:sfa   one factor (amr ["pwd"])
//	urn:admit:acr:mfa   two factors (amr ["pwd","otp","mfa"])
//
// Both are in discovery's acr_values_supported. MFA is required when the
// client is registered with RequireMFA (admit clients add --require-mfa),
// when the request carries acr_values=urn:admit:acr:mfa, or when the user
// has a second factor (a user with TOTP always uses it). A required MFA for
// a user without a second factor leads through enrolment first.
//
// A browser session remembers when it last proved a second factor
// (storage.Session.MFAAt). A request with acr_values=urn:admit:acr:mfa is a
// step-up: it is satisfied without asking again when that was within 5
// minutes (login.MFAWindow), otherwise the signed-in user is asked for a
// code only (the session proves the password); auth_time stays the time of
// the password login. A client that requires MFA, or a user with TOTP, is
// satisfied by any session that was established with MFA. max_age and
// prompt=login force a full login (password, then code), which sets a fresh
// auth_time.
//
// # Sensitive operations in resource servers
//
// The old service guarded withdraw:funds, update:bank-details,
// delete:venue, export:customer-data and disable:mfa with "MFA verified in
// the last 5 minutes". With Admit the resource server checks the access
// token (an RFC 9068 JWT verified with the JWKS) for such an operation:
//
//	acr == "urn:admit:acr:mfa" and "mfa" in amr     (two factors were used)
//	now - auth_time <= 300                          (for "recent" operations)
//
// and, when the check fails, answers 401 with
// WWW-Authenticate: Bearer error="insufficient_user_authentication",
// acr_values="urn:admit:acr:mfa", max_age=300 (RFC 9470). The client then
// sends the user to /authorize with acr_values=urn:admit:acr:mfa (and
// max_age=300 when a fresh auth_time is required) and retries with the new
// token. Within Admit, turning TOTP off requires the password and a current
// code.
package totp

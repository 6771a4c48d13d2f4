// Package passkey implements passkeys (WebAuthn, through
// github.com/go-webauthn/webauthn): passwordless sign-in, a second factor
// after the password, and the account area's passkey management. It
// replaces the old service's "biometric" login, whose signature check was a
// SHA-256 of the challenge and the public key; only its 5-minute challenge
// lifetime is kept.
//
// # Relying party
//
// The RP ID is the issuer's host name and the only accepted origin is the
// issuer's scheme://host[:port] (RelyingParty). Passkeys are bound to the RP
// ID for ever: changing the issuer's domain orphans every registered
// passkey. An issuer on an IP address cannot have passkeys (WebAuthn needs
// a domain; use http://localhost for development): Admit then starts
// without them and logs why.
//
// Behind a reverse proxy, configure the issuer as the public URL the
// browser sees (https://id.example.com), not the internal address: the
// browser puts its own origin in clientDataJSON and signs over the SHA-256
// of the RP ID, so both must match what the user's address bar shows. The
// proxy need not forward anything special (no X-Forwarded-* is consulted);
// TLS may end at the proxy, since browsers only offer WebAuthn on https
// origins (and on localhost).
//
// # Ceremonies
//
// A ceremony's go-webauthn SessionData lives in the ephemeral store
// (storage.PasskeyChallenges) under its binding — "flow:<login flow id>"
// for a sign-in, "session:<SSO session id>" for a registration — for
// ChallengeLifetime (5 minutes). It is consumed atomically by the submit
// that answers it (single use): a replayed or late response finds no
// ceremony and is refused; a response to an older challenge of the same
// flow fails the challenge check. Asking for options again replaces the
// pending challenge.
//
// The pages fetch options with a CSRF-checked form POST (JSON answer) and
// post the browser's response as a regular form, so the engine's redirects
// and error pages work as for every other method (static/passkey.js).
//
// # Passwordless sign-in (first factor)
//
// The login page shows "Continue with a passkey" and, where the browser
// supports it (PublicKeyCredential.isConditionalMediationAvailable), starts
// a conditional request so the e-mail field (autocomplete="username
// webauthn") offers passkeys. The ceremony is discoverable: no user is
// named; the credential id finds the passkey and the returned user handle
// must be its owner's.
//
// The amr (RFC 8176) is "swk" for a synced passkey (backup eligible: the
// key also exists in software, at the sync provider) and "hwk" for a
// device-bound one. When the authenticator verified the user (UV flag:
// PIN, fingerprint, face) the amr also gets "user" and "mfa": possession
// plus a knowledge or biometric factor is multi-factor by itself, so acr
// is urn:admit:acr:mfa, RequireMFA clients and acr_values=urn:admit:acr:mfa
// are satisfied without a second step (the engine skips askSecondFactor
// when the first factor's amr already has "mfa"). Without UV a passkey is
// one factor and the MFA policy applies as after a password.
//
// # Second factor
//
// Method is a login.SecondFactor, available to users with a passkey that
// is not blocked. It is the first second factor the engine offers; its page
// links to the user's other factors (TOTP) so the user can choose. The
// ceremony allows only the flow user's credentials; the amr gets "hwk" or
// "swk" (plus "user" with UV) and the engine adds "mfa".
//
// # Counters and backup flags
//
// Each passkey stores its signature counter, backup-eligible and
// backup-state flags, and whether the registration verified the user.
// Backup eligibility may never change (go-webauthn refuses an assertion
// that flips it); backup state is updated on every use.
//
// Counter policy: authenticators that do not count (most synced passkeys)
// report 0 every time, which is accepted while the stored counter is 0
// too. Any other counter that does not increase (go-webauthn's
// CloneWarning) suggests a cloned authenticator: the sign-in is refused,
// the event logged as a warning, and the passkey flagged (CloneWarning)
// so that it is refused from then on. The account page shows it as
// blocked; the user deletes it and registers the authenticator again.
//
// # Attestation
//
// Registrations ask for no attestation by default (privacy; synced
// passkeys have none). Setting passkey_attestation: direct asks for direct
// attestation and refuses registrations without a verifiable one
// (attestation type "none" or "self"). passkey_attested_clients lists
// clients (enterprise applications) that only accept passkeys registered
// with such an attestation. Admit checks the attestation signature, not
// the FIDO Metadata Service: trust in a make and model is out of scope.
//
// # Account area
//
// Users register passkeys (named; resident key required, user
// verification preferred; existing ones excluded) after a recent login
// (account.RecentLogin), and list, rename and delete them. Deleting the
// last passkey of a user who has no password, no wallet and no linked
// identity is refused with an explanation: it would lock them out.
//
// WebAuthn user handles are 32 random bytes per user, stored on first use
// (never the e-mail or user id, which would leak into authenticators).
package passkey

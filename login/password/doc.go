// Package password hashes and verifies user passwords.
//
// New hashes are argon2id with the OWASP Password Storage Cheat Sheet
// parameters (19 MiB, 2 iterations, parallelism 1) in the self-describing PHC
// format, so parameters can change later without a migration: Verify reports
// NeedsRehash when a stored hash used other parameters, or is a bcrypt hash
// carried over from the old service, and the caller stores a fresh hash after
// the successful login.
//
// VerifyUnknown spends the same work as a real verification, so an unknown
// e-mail and a wrong password take the same time.
package password

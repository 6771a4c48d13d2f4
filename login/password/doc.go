// Package password hashes and verifies user passwords.
//
// New hashes are argon2id with the OWASP Password Storage Cheat Sheet
// parameters (19 MiB, 2 iterations, parallelism 1) in the self-describing PHC
// format, so parameters can change later without a migration: Verify reports
// NeedsRehash when a stored hash used other parameters, or is a bcrypt hash
// carried over from the old service, and the caller stores a fresh hash after
// the successful login.
//
// Imported hashes (formats.go) are verified in their own format and
// upgraded the same way: every bcrypt variant, argon2i/argon2id with any
// parameters, scrypt (PHC, and Firebase's variant with the project's signer
// key folded into the stored string), PBKDF2-SHA256/SHA512 in Django and PHC
// forms. Format recognises a hash without hashing, for the importer.
//
// VerifyUnknown spends the same work as a real verification, so an unknown
// e-mail and a wrong password take the same time.
package password

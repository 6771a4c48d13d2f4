// Package importer brings users from another system into Admit, whole:
// account, password hash, TOTP secret, backup codes, wallets, linked
// social identities and venue roles.
//
// Flow: a Source yields Records (Admit's import format, JSON Lines checked
// against schema/user.schema.json, or the old auth-service's database via
// package legacy). Run prepares each record in Go (normalised e-mail,
// EIP-55 addresses, hash format recognised without hashing, TOTP secret
// sealed with the master key) and skips the ones that cannot be imported,
// with the reason. Prepared users go to a Writer in batches: the Postgres
// writer COPYs a batch into temporary staging tables, drops the users that
// collide with another account already in Admit (e-mail in the tenant,
// wallet, identity, id in another tenant), and upserts the rest in one
// transaction, so a user is written whole or not at all.
//
// Each user a batch inserts is announced (user.created, with "source":
// "import", docs/events.md) in the batch's transaction, through
// storage/postgres's WriteEvents: the same outbox write as every other
// change. A user a batch only updates is not announced again.
//
// Re-running is idempotent: users are keyed by id, rows that did not change
// are not rewritten, a TOTP secret that did not change keeps its sealed
// bytes, and a password hash Admit has already upgraded (argon2id) is kept.
// A dry run does the same work and rolls every batch back.
//
// The package sits in the domain layer (under storage/admin, which calls it
// for the admin API) and imports no login package: the password-hash check
// (login/password's Format) comes in through Options.CheckHash, wired by
// cmd, and the stored forms it writes (storage.FirebaseScryptHash,
// storage.LegacyBackupCodePrefix, storage.TOTPSecretAD) are declared by the
// storage model that login reads them from.
//
// argon2 never runs here: password hashes are stored as they come and
// upgraded by login/password at the user's first successful sign-in.
package importer

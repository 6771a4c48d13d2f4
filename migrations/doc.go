// Package migrations owns Admit's PostgreSQL schema: versioned pairs of SQL
// files (NNNN_name.up.sql and NNNN_name.down.sql) embedded into the binary and
// applied with github.com/golang-migrate/migrate/v4, which records the version
// in the schema_migrations table.
//
// Flow: a node starting up (or the `migrate` command) calls Up with the
// database URL. golang-migrate takes a Postgres advisory lock, so several
// nodes starting at once serialise: the first applies what is pending, the
// rest find nothing to do. Each file wraps itself in BEGIN/COMMIT, so a failed
// migration leaves the schema as it was (golang-migrate still marks the
// version dirty; Version reports it and an operator must resolve it). Down
// exists for development and for tests, which prove every migration
// reversible.
//
// Rules for new migrations: never edit a released file, add a new version;
// keep every up reversible by its down; name IDs text and times timestamptz
// to match package storage/postgres.
package migrations

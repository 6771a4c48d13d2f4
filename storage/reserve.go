package storage

import "context"

// The connection reserve: a backend with a bounded connection pool (Postgres)
// keeps a few connections for the requests marked with WithReserve, and lets
// all other work (the login pages, /authorize, the account area, the console,
// the admin API, background workers) use only the rest. A login surge fills
// its share and waits there; the token, userinfo, introspection and
// revocation endpoints still find a connection without queueing behind it
// (issue 20: they must not be starved by a surge). Backends without such a
// pool (memory, Redis) ignore the mark.

type reserveKey struct{}

// WithReserve marks ctx as a protocol request that may use the connections
// held in reserve. The HTTP layer sets it on the endpoints relying parties
// and resource servers call; nothing else should.
func WithReserve(ctx context.Context) context.Context {
	return context.WithValue(ctx, reserveKey{}, true)
}

// UsesReserve reports whether ctx was marked with WithReserve.
func UsesReserve(ctx context.Context) bool {
	v, _ := ctx.Value(reserveKey{}).(bool)
	return v
}

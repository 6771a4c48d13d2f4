// Package redis implements storage.Ephemeral (authorization requests and
// codes, login flows, access-token revocations) on Redis, for deployments
// with several Admit replicas: every record lives in Redis and every
// read-check-write is one atomic Lua script, so replicas need no coordination
// of their own.
//
// # Key layout
//
// Every key starts with the configured prefix (e.g. "admit:"), so Admit can
// share a Redis with other applications and tests can use a random prefix.
// Times are microseconds since the Unix epoch.
//
//	<prefix>authreq:<id>     hash  gone  = ExpiresAt
//	                               req   = JSON storage.AuthRequest as created
//	                               done  = JSON storage.AuthCompletion, once completed
//	                               nonce = the creating call
//	<prefix>code:<hash>      hash  gone  = KeepUntil (at least ExpiresAt)
//	                               exp   = ExpiresAt
//	                               req   = JSON storage.AuthRequest snapshot
//	                               used  = nonce of the consuming call, once consumed
//	                               nonce = the creating call
//	<prefix>flow:<id>        string JSON storage.LoginFlow
//	<prefix>revoked:<key>    string until
//	<prefix>fail:<key>       hash  n, wend, lock (ms; defences.go)
//	<prefix>cache:revocations string marker: the deny-list holds the whole
//	                               durable record (package layered)
//	<prefix>cache:locks      string marker: the same for sign-in locks
//	<prefix>stamp:<key>      string change stamp of a cached row (stamps.go)
//	<prefix>stamps:epoch     string stamp of rows never restamped since Redis lost its data
//	<prefix>totp:pending:<user>     string JSON storage.PendingTOTP
//	<prefix>totp:used:<user>:<step> string "until nonce" (replay mark)
//	<prefix>dpopjti:<key>    string until: a DPoP proof accepted (RFC 9449
//	                               §11.1; SET NX, so one node wins; dpoppar.go)
//	<prefix>par:<sha256>     string JSON storage.PushedRequest (RFC 9126;
//	                               GET checks the client, GETDEL consumes)
//
// Requests and codes are hashes so that the scripts can check expiry and
// flip state with plain field operations: they never parse or re-encode JSON
// (Lua's cjson turns empty arrays into objects and rounds numbers). A
// completion is a separate field rather than a rewrite of the request.
//
// # Flow
//
// CreateAuthRequest and SaveAuthCode run one create script: it refuses a key
// held by a live record (storage.ErrAlreadyExists) and replaces an expired
// one, which counts as absent. CompleteAuthRequest sets "done" only on a live
// request. ConsumeAuthCode (token endpoint) is one script, one round trip:
// unused and unexpired → mark used and return the request; used → return the
// request with storage.ErrAlreadyUsed until KeepUntil, so the caller can
// revoke what the first use issued; otherwise storage.ErrNotFound. Redis runs
// scripts one at a time, so exactly one of any number of concurrent consumes
// wins. IsRevoked (userinfo, introspection) is one MGET; CheckRevoked reads
// the cache marker in the same MGET, for package layered, which makes the
// deny-list and the locks durable with Postgres as their record.
//
// go-redis re-sends a command whose reply was lost. To keep that harmless,
// each create and consume carries a random nonce that the script records: a
// re-sent call finds its own nonce and succeeds again instead of reporting
// ErrAlreadyExists or a replay (which would revoke a legitimate grant).
//
// # Expiry: the clock decides, the TTL reclaims
//
// Whether a record has expired is decided only by the Store's injected clock
// (New's now) against the record's expiry, in Go or, inside scripts, against
// a now the caller passes in (never Redis TIME). That keeps one notion of
// time across backends and lets tests move a fake clock. Each key also gets
// a native TTL of (expiry − now) + 1 minute, at least 1 s, only so that Redis
// frees the memory; the slack makes sure Redis never drops a record the clock
// still considers live. Atomic updates (complete, consume) keep the TTL.
//
// # Errors
//
// goredis.Nil maps to storage.ErrNotFound; network errors, timeouts, an
// exhausted pool and transient server states (LOADING, failover) map to
// storage.ErrUnavailable, which HTTP layers answer with 503. A cancelled
// caller is passed through as context.Canceled. WithDeadline bounds every
// command of a client (one hook, so the stores and the rate limiter alike);
// Connect enables ContextTimeoutEnabled so that the bound reaches the socket.
//
// Every script touches a single key, so the package also runs on Redis
// Cluster. IsRevoked's MGET may span slots: go-redis splits it per slot when
// the servers publish command routing policies (Redis 7+); on older clusters
// use a prefix with a hash tag, such as "{admit}:", to keep all keys in one
// slot.
package redis

// Command loadbench is Admit's out-of-process load benchmark. It starts the
// real admit binary (built from this checkout, or the one named by -admit),
// drives it over HTTP with N concurrent clients (-clients, default 8) and
// prints Markdown tables.
//
// Flow:
//
//  1. Start admit in memory mode (development seed), or on Postgres + Redis
//     (-mode postgres: a fresh database and Redis key prefix, a random
//     master key, the client and user added with `admit clients add` and
//     `admit users add`), with ADMIT_RATE_LIMITS=off (every client is
//     127.0.0.1). The benchmark's ADMIT_HASH_*, ADMIT_SIGNING_ALG(S),
//     ADMIT_LOG_* and ADMIT_ACCESS_LOG variables are passed on (say,
//     ADMIT_HASH_CONCURRENCY or ADMIT_SIGNING_ALG=ES256); other ADMIT_*
//     ones, such as a database URL, are not.
//     After one warm-up login, read the idle memory 5 s and -idle (when
//     longer) later: VmRSS split into anonymous and file-backed pages
//     (/proc/<pid>/smaps_rollup), and the hash processes admit runs then
//     (login/password.ProcessPool), with the proportional size (PSS) of
//     all, which counts the binary's pages they share once.
//  2. Time one argon2id verification with the OWASP parameters Admit uses
//     (login/password.OWASP) in this process: the reference cost of a login.
//  3. For each scenario (discovery, jwks, login, client_credentials,
//     refresh, userinfo, introspection), run the clients for -duration and
//     report ops, ops per CPU-second of the admit process and its hash
//     processes (utime+stime from /proc/<pid>/stat, with its exited
//     children's cutime+cstime and its live children's utime+stime, before
//     and after), p50/p99 latency, RSS (VmRSS idle, VmHWM peak from
//     /proc/<pid>/status; the hash processes' VmRSS beside it), the CPU of
//     the local Postgres processes over the same interval (sum of
//     utime+stime of every process named postgres: noisy when others use
//     the server) and, for logins, the CPU per login as a multiple of one
//     argon2id verification, and logins per CPU-second against the hash's
//     cost inside admit under the same load (its hash processes' own
//     clock, admit_hash_process_cpu_seconds_total: issue 20's goal 1).
//  4. With -surge D (off by default; CI never runs it): measure the quiet
//     p50/p99 of token (client_credentials), refresh, JWKS and userinfo
//     probes for -quiet (by default as long as the surge, so that both p99s
//     rest on as many samples), then offer logins at -surge-factor (4) × the login capacity
//     measured in step 3 for D while the probes keep running, and report
//     the logins admitted, queued (shown the busy page), shed (503) and
//     failed or timed out, with the probes' p50/p99 during the surge beside
//     the quiet figures.
//
// A login is the real browser path: GET /authorize (PKCE S256) → the login
// page → POST /login/password → (the busy page, following its Refresh
// header, while in line) → consent if asked → the code → POST /oauth/token.
//
// Run it from the repository root:
//
//	go run ./cmd/admit/loadbench                       # memory, 8 clients, 5 s per scenario
//	go run ./cmd/admit/loadbench -mode postgres
//	go run ./cmd/admit/loadbench -surge 60s            # add the surge scenario
//	go run ./cmd/admit/loadbench -admit /tmp/admit-old # another build (before/after)
package main

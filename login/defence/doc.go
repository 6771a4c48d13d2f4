// Package defence is Admit's one brute-force mechanism: account and IP
// lockout, rate limits and CAPTCHA, shared by every authenticator. It
// implements login.Defences; methods call Engine.Guard before verifying a
// credential and Engine.Fail/Succeed afterwards, so no method counts
// anything itself.
//
// # Lockout (the old lockout/brute-force services)
//
// Failures of lockable steps (password, TOTP and backup codes; not
// passkeys, wallets or social sign-in) are counted per normalised
// identifier (the lower-cased e-mail, hashed into the key, whether or not
// such an account exists) and per IP (IPv6 per /64). Policy.Account.Max (5)
// failures within Window (15 min, counted from the first) lock the
// identifier's password and code steps for LockFor (15 min); IPMax (10)
// lock the IP's likewise. The lock message is the same for existing and
// unknown accounts. While locked, a user can still sign in with a passkey
// or a wallet: those steps are not lockable (Attempt.Lockable false), so
// an attacker guessing passwords cannot lock the owner out of every way
// in. A successful sign-in resets the identifier's counter (not a running
// lock). The lock that starts triggers an audit "lockout" event and, for an
// existing account when mail is configured, an e-mail with a signed unlock
// link (Unlocker: HMAC over identifier and lock end, valid until the lock
// would end; GET /login/unlock).
//
// Counters and locks are ephemeral (storage.FailureCounters): Redis hashes
// with a TTL, updated by one Lua script (no KEYS scans), or memory in
// development. In production a lock is also recorded in Postgres
// (storage/layered): a lost Redis forgets the counters, as the old service
// did, but not a lock, and an unlock clears both. The lock of a known
// user's address is announced (user.locked, storage.WithLockOwner) and its
// lifting too (user.unlocked, Guard.Unlocked: the link or an
// administrator), each in the transaction of the durable lock record
// (docs/events.md).
//
// # Rate limits
//
// GCRA per key (storage.RateLimiter: github.com/go-redis/redis_rate on
// Redis, shared by every instance; the same algorithm in process in
// development). Check applies Policy.Rates[action] per IP and per
// identifier. Defaults (DefaultPolicy): login 5/min per IP and per
// identifier (old), sign-up 3/5 min per IP (old), wallet nonce 10/min per
// IP (old), forgot password 5/min per IP and 3/15 min per address, TOTP
// 10/min per IP and 5/min per account, passkey 20/min per IP and 10/min per
// account, token 600/min and introspection 1200/min per client. Pages
// answer 429 with Retry-After and a friendly message; the protocol
// endpoints answer 429 with Retry-After and {"error":
// "temporarily_unavailable"} (see cmd/admit/app/defences.go for why).
//
// # CAPTCHA
//
// After CaptchaAfter (3) failures for the identifier or the IP within the
// window, the login page shows the provider's widget (hCaptcha, reCAPTCHA
// v2/v3 with MinScore, Cloudflare Turnstile) and lockable attempts need a
// response that the provider's siteverify accepts. An unreachable provider
// is logged and, with FailOpen, let through; otherwise refused. The widget
// needs the provider's origins in the page's CSP (script-src, frame-src,
// connect-src): they are added only to pages that show a widget.
package defence

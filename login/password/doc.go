// Package password is the password sign-in method and the password hashes
// behind it.
//
// Method (method.go) mounts POST /login/password on the login engine: it
// checks the guard (lockout, rate limits, CAPTCHA), looks the e-mail up in
// the flow's tenant, verifies the password, upgrades an outdated hash and
// reports the "pwd" factor to the engine (Engine.Succeed), or records the
// failure (Engine.Fail) and shows the form again with what was typed, never
// the password.
//
// Hasher (password.go) hashes and verifies:
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
//
// Budget (budget.go) bounds how many hashes run at once, which also bounds
// their memory (19 MiB each with OWASP): every Hash, Verify and
// VerifyUnknown of a Hasher, whoever calls it (the sign-in, the equal-time
// check for unknown users, hash upgrades, sign-up, password change and
// reset, re-authentication), takes a slot first. Callers past the budget
// wait in a FIFO queue for at most the budget's maximum wait, then get
// ErrBusy; the *Context variants also give up when their caller goes away.
// OnIdle tells the server when a busy spell is over (no hash running or
// waiting for a while), so that it can return the hashes' memory to the OS.
//
// With a ProcessPool (process.go; `admit serve` sets one up), the hash
// that holds a slot runs in a child process of the server's own binary,
// started at a lower priority (a niceness, and SCHED_IDLE when the pool
// is WithSchedIdle), over a pipe: ServeHashProcessIfAsked, called first
// thing in main, is that process's side. The kernel
// then gives hashes only the CPU the server's other work leaves, and the
// 19 MiB each allocates stays out of the server's heap. A process that
// fails is replaced and its hash runs in the server.
//
// During a login surge (surge.go) a password POST that does not get its
// answer within Method.InlineWait parks the attempt under a one-time
// ticket bound to the flow and the browser's CSRF cookie and answers 303 to
// /login/password/wait, the "you're in line" page, which refreshes itself
// (the Refresh header: no script) until the ticket is done and then
// finishes the sign-in there, exactly once. Past the bound the page answers
// 503 with Retry-After and the form, e-mail kept.
package password

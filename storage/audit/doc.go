// Package audit writes Admit's append-only security audit log.
//
// Features record events through the one-method Auditor interface
// (Record(ctx, storage.AuditEvent)). Writer implements it without slowing
// the request: Record fills in the request's IP, user agent and request id
// (from the context, see WithRequest), stamps ID and time, and puts the
// event on a bounded queue; one goroutine writes batches (up to BatchSize
// events or every FlushEvery) with storage.AuditLog.AppendAudit, retrying
// a failed batch.
//
// Nothing is dropped silently: when the queue is full, or a batch still
// fails after its retries, each event is written to the log at ERROR level
// with all its fields (so a log pipeline keeps it) and counted in the
// admit_audit_dropped_total metric (the Dropped callback).
//
// Retention: Prune deletes events older than the retention period; the app
// runs it hourly. `admit audit` reads and exports the log as JSON lines.
//
// Event names (Event field) and who records them:
//
//	login            engine, every method: outcome success/failure, reason, details.method
//	lockout          defences: an account or IP key was locked
//	unlock           defences: the owner used the unlock link
//	mfa.*            TOTP enrol/disable, backup codes (storage wrapper)
//	passkey.*        passkey add/remove (passkey engineer: call Record)
//	wallet.linked / wallet.unlinked
//	password.changed / password.reset   (accounts engineer: call Record)
//	session.revoked  logout, account-area sign-out
//	token.revoked / refresh.reuse        op's GrantRevoked hook
//	consent.granted  consent page
//	client.created / client.deleted / key.rotated   CLI
//	device.new / device.forgotten        device trust
package audit

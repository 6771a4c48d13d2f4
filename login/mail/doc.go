// Package mail sends Admit's e-mails (verification, password reset,
// password changed, sign-up attempt, new sign-in method) without ever
// blocking a request.
//
// A handler builds a Message (Render: one templ template, an HTML part and
// a plain-text part) and hands it to Queue.Enqueue, which only puts it in a
// bounded channel. Background workers deliver it through a Sender — SMTP
// (github.com/wneessen/go-mail: implicit TLS, STARTTLS or none, SMTP AUTH,
// timeouts) in production, the in-memory Mailbox in development — and retry
// failures with exponential backoff. A message is dropped only after
// MaxAttempts (logged, never silently).
//
// Enqueue refuses (ErrUnavailable) when the queue is full or the last
// delivery attempt failed (the SMTP server is down): pages whose whole point
// is the e-mail (resend, forgot password) then tell the user "we could not
// send the e-mail, try again" instead of promising a mail that may never
// come. Accepted messages are never lost to a failing server: they stay in
// the queue and are retried until the server answers again.
//
// In development (no SMTP host configured) the Mailbox keeps every message
// in memory and serves them at /dev/mailbox so a newcomer can click links.
package mail

// Package events delivers Admit's signed events and back-channel logouts.
//
// The flow, from a change to a receiver:
//
//  1. A change goes through Announcing, the durable store decorator that
//     attaches the change's event to the context (storage.WithEvents).
//     The backend writes the event into the outbox in the change's own
//     transaction (Postgres) or under the same lock (memory): a committed
//     change is always announced, a failed one never.
//  2. Every node runs a Worker. A pass dispatches new events, in commit
//     order, into one delivery per sink: each tenant webhook whose filter
//     takes the type ("webhook:<id>"), the NATS JetStream stream ("nats")
//     if configured, and, for session.ended, the back-channel logout of
//     every client that got a code through the session and registered a
//     backchannel_logout_uri ("bcl:<client>").
//  3. The pass claims due deliveries (FOR UPDATE SKIP LOCKED, leased), at
//     most one pending per user and sink, so a user's events arrive in
//     order, and attempts them concurrently.
//  4. Each attempt is logged (status, latency, error). A failure is
//     retried with exponential backoff (Backoff); after the last attempt,
//     or at once when the target is gone, the delivery is dead, listed by
//     the admin API, counted in metrics and logged, and can be replayed.
//
// Webhooks are signed per the Standard Webhooks specification with its
// official Go library; NATS messages carry the same envelope and headers
// plus Nats-Msg-Id (the event id) for JetStream's deduplication. Logout
// tokens (Back-Channel Logout 1.0 §2.4) are signed by op at each attempt.
//
// Delivery is at least once: a receiver deduplicates by the event id
// (webhook-id). Outgoing HTTP follows no redirect, times out, and refuses
// internal addresses unless allowed (NewHTTPClient).
package events

package storage

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// Event types (docs/events.md has the catalogue with payloads). Payloads
// carry ids and what changed, never secrets, password hashes or codes.
const (
	EventUserCreated         = "user.created"          // {user_id}
	EventUserUpdated         = "user.updated"          // {user_id, changed: [field...]}
	EventUserEmailVerified   = "user.email_verified"   // {user_id}
	EventUserPasswordChanged = "user.password_changed" // {user_id}
	EventUserMFAEnrolled     = "user.mfa_enrolled"     // {user_id, method: totp|passkey}
	EventUserMFARemoved      = "user.mfa_removed"      // {user_id, method}
	EventUserLocked          = "user.locked"           // {user_id, until}
	EventUserUnlocked        = "user.unlocked"         // {user_id, how: link|admin}
	EventUserDisabled        = "user.disabled"         // {user_id}
	EventUserEnabled         = "user.enabled"          // {user_id}
	EventUserDeleted         = "user.deleted"          // {user_id}
	EventSessionStarted      = "session.started"       // {session_id, user_id, amr}
	EventSessionEnded        = "session.ended"         // {session_id, user_id, clients, reason?}
	EventRoleGranted         = "role.granted"          // {grant_id, user_id, role, venue_id, expires_at}
	EventRoleRevoked         = "role.revoked"          // {grant_id, user_id, role, venue_id}
	EventClientChanged       = "client.changed"        // {client_id, change: created|updated|secret_rotated|deleted}
	EventKeyRotated          = "key.rotated"           // {algorithm, next_kid}
)

// EventTypes lists every type, for filters and documentation.
var EventTypes = []string{
	EventUserCreated, EventUserUpdated, EventUserEmailVerified, EventUserPasswordChanged,
	EventUserMFAEnrolled, EventUserMFARemoved, EventUserLocked, EventUserUnlocked,
	EventUserDisabled, EventUserEnabled, EventUserDeleted, EventSessionStarted, EventSessionEnded,
	EventRoleGranted, EventRoleRevoked, EventClientChanged, EventKeyRotated,
}

// SessionEndedData is the payload of session.ended: the session, its user
// and the clients that got a code through it (the back-channel logout sink
// notifies those that registered a backchannel_logout_uri). Reason is
// SessionExpired for a session the sweep deleted at its end; empty for the
// other ends (sign-out, revocation, disable, delete).
type SessionEndedData struct {
	SessionID string   `json:"session_id"`
	UserID    string   `json:"user_id"`
	Clients   []string `json:"clients"`
	Reason    string   `json:"reason,omitempty"`
}

// ClientChangedData is the payload of client.changed.
type ClientChangedData struct {
	ClientID string `json:"client_id"`
	Change   string `json:"change"` // created, updated, secret_rotated or deleted
}

// ClientsUpdatedEvents are the client.changed ("updated") events of
// clients of tenantID that a change of another record (an API deleted or
// renamed) changed too; the store that changes them writes these in the
// same transaction.
func ClientsUpdatedEvents(tenantID string, clientIDs []string, at time.Time) []Event {
	evs := make([]Event, 0, len(clientIDs))
	for _, id := range clientIDs {
		evs = append(evs, NewEvent(EventClientChanged, tenantID, "", ClientChangedData{id, "updated"}, at))
	}
	return evs
}

// SessionExpired is SessionEndedData.Reason of a session that expired.
const SessionExpired = "expired"

// SessionEndedEvent is the session.ended of a session link (its tenant is
// left to the store, which writes the user's: Outbox.AppendEvents).
func SessionEndedEvent(l SessionLink, reason string, at time.Time) Event {
	return NewEvent(EventSessionEnded, "", l.UserID, SessionEndedData{l.SessionID, l.UserID, l.Clients, reason}, at)
}

// NewEvent builds an event with a fresh, time-ordered ID. data is the
// payload object (nil: {}); userID is the ordering key.
func NewEvent(typ, tenantID, userID string, data any, at time.Time) Event {
	id, err := uuid.NewV7()
	if err != nil {
		id = uuid.New()
	}
	raw, err := json.Marshal(data)
	if err != nil || data == nil || string(raw) == "null" {
		raw = []byte("{}")
	}
	return Event{ID: "evt_" + id.String(), Type: typ, TenantID: tenantID, UserID: userID,
		Time: at.UTC().Truncate(time.Microsecond), Data: raw}
}

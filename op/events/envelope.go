package events

import (
	"encoding/json"
	"time"

	"github.com/admit-idp/admit/storage"
)

// Envelope is the body every sink receives, the shape the Standard
// Webhooks specification recommends ("Payload structure": type,
// timestamp, data) plus the event id and tenant. Its id is also the
// webhook-id header and the Nats-Msg-Id, so receivers deduplicate
// redeliveries (delivery is at least once).
type Envelope struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Timestamp string          `json:"timestamp"` // RFC 3339, when the change happened
	TenantID  string          `json:"tenant_id,omitempty"`
	Data      json.RawMessage `json:"data"`
}

// Body returns the JSON body of e's envelope. It depends only on the
// stored event, so every retry sends the same bytes.
func Body(e storage.Event) ([]byte, error) {
	data := e.Data
	if len(data) == 0 {
		data = json.RawMessage(`{}`)
	}
	return json.Marshal(Envelope{ID: e.ID, Type: e.Type, Timestamp: e.Time.UTC().Format(time.RFC3339Nano),
		TenantID: e.TenantID, Data: data})
}

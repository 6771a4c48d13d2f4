package events

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/google/uuid"

	"github.com/admit-idp/admit/storage"
)

// Sealer seals secrets (keys.Sealer).
type Sealer interface {
	Seal(plaintext, additionalData []byte) ([]byte, error)
}

// NewWebhookSecret returns a new webhook's ID, its secret in the Standard
// Webhooks form ("whsec_" + base64 of 32 random bytes; shown once) and the
// secret sealed with the master key, bound to the ID.
func NewWebhookSecret(s Sealer) (secret string, sealed []byte, id string, err error) {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never fails (it crashes instead)
	secret = "whsec_" + base64.StdEncoding.EncodeToString(key)
	id = "wh_" + uuid.NewString()
	sealed, err = s.Seal([]byte(secret), storage.WebhookSecretAD(id))
	if err != nil {
		return "", nil, "", fmt.Errorf("events: seal webhook secret: %w", err)
	}
	return secret, sealed, id, nil
}

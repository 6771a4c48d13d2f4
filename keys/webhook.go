package keys

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/google/uuid"

	"github.com/admit-idp/admit/storage"
)

// NewWebhookSecret returns a new webhook's ID, its signing secret in the
// Standard Webhooks form ("whsec_" + base64 of 32 random bytes; shown to
// the operator once) and the secret sealed with the master key, bound to
// the ID (storage.WebhookSecretAD). The signature needs the secret itself,
// so it is sealed rather than hashed, like TOTP seeds and private keys.
func NewWebhookSecret(s *Sealer) (id, secret string, sealed []byte, err error) {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never fails (it crashes instead)
	secret = "whsec_" + base64.StdEncoding.EncodeToString(key)
	id = "wh_" + uuid.NewString()
	sealed, err = s.Seal([]byte(secret), storage.WebhookSecretAD(id))
	if err != nil {
		return "", "", nil, fmt.Errorf("keys: seal webhook secret: %w", err)
	}
	return id, secret, sealed, nil
}

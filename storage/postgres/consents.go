package postgres

import (
	"context"

	"github.com/admit-idp/admit/storage"
)

// GetConsent implements storage.Consents.
func (s *Store) GetConsent(ctx context.Context, userID, clientID string) (storage.Consent, error) {
	c := storage.Consent{UserID: userID, ClientID: clientID}
	err := s.pool.QueryRow(ctx,
		`SELECT scopes, granted_at FROM consents WHERE user_id = $1 AND client_id = $2`,
		userID, clientID).Scan(&c.Scopes, utc(&c.GrantedAt))
	if err != nil {
		return storage.Consent{}, wrap("get consent", err)
	}
	return c, nil
}

// SaveConsent implements storage.Consents as one upsert, so two tabs
// consenting at once cannot fail on the primary key.
func (s *Store) SaveConsent(ctx context.Context, c storage.Consent) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO consents (user_id, client_id, scopes, granted_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id, client_id)
		DO UPDATE SET scopes = EXCLUDED.scopes, granted_at = EXCLUDED.granted_at`,
		c.UserID, c.ClientID, list(c.Scopes), c.GrantedAt)
	return wrap("save consent", err)
}

// DeleteConsent implements storage.Consents.
func (s *Store) DeleteConsent(ctx context.Context, userID, clientID string) error {
	tag, err := s.pool.Exec(ctx,
		`DELETE FROM consents WHERE user_id = $1 AND client_id = $2`, userID, clientID)
	if err == nil && tag.RowsAffected() == 0 {
		err = errNoSuch("consent")
	}
	return wrap("delete consent", err)
}

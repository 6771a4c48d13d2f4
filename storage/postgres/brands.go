package postgres

import (
	"context"

	"github.com/admit-idp/admit/storage"
)

const brandColumns = `tenant_id, client_id, display_name, primary_color, support_url, privacy_url,
	default_locale, logo, logo_type, updated_at`

// PutBrand implements storage.Brands (migration 0020). An unknown tenant is
// ErrNotFound (the foreign key).
func (s *Store) PutBrand(ctx context.Context, b storage.Brand) error {
	var logo []byte
	if len(b.Logo) > 0 {
		logo = b.Logo
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO brands (`+brandColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (tenant_id, client_id) DO UPDATE SET display_name = $3, primary_color = $4,
			support_url = $5, privacy_url = $6, default_locale = $7, logo = $8, logo_type = $9, updated_at = $10`,
		tenantOrDefault(b.TenantID), b.ClientID, b.DisplayName, b.PrimaryColor, b.SupportURL, b.PrivacyURL,
		b.DefaultLocale, logo, b.LogoType, b.UpdatedAt)
	if foreignKeyViolation(err, "tenant_id") {
		err = errNoSuch("tenant")
	}
	return wrap("put brand", err)
}

// GetBrand implements storage.Brands.
func (s *Store) GetBrand(ctx context.Context, tenantID, clientID string) (storage.Brand, error) {
	var b storage.Brand
	err := s.pool.QueryRow(ctx, `SELECT `+brandColumns+` FROM brands WHERE tenant_id = $1 AND client_id = $2`,
		tenantOrDefault(tenantID), clientID).Scan(&b.TenantID, &b.ClientID, &b.DisplayName, &b.PrimaryColor,
		&b.SupportURL, &b.PrivacyURL, &b.DefaultLocale, &b.Logo, &b.LogoType, utc(&b.UpdatedAt))
	return b, wrap("get brand", err)
}

// DeleteBrand implements storage.Brands.
func (s *Store) DeleteBrand(ctx context.Context, tenantID, clientID string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM brands WHERE tenant_id = $1 AND client_id = $2`, tenantOrDefault(tenantID), clientID)
	if err == nil && tag.RowsAffected() == 0 {
		err = errNoSuch("brand")
	}
	return wrap("delete brand", err)
}

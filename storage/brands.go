package storage

import (
	"context"
	"time"
)

// Brand is how a tenant's hosted pages and mails look, or, with ClientID
// set, one client's override of its tenant's brand (issue 17). Empty fields
// of a client's brand fall back to the tenant's, and the tenant's to
// Admit's own look. storage/admin validates every field before it is
// stored (contrast, https links, logo type and size).
type Brand struct {
	TenantID string
	// ClientID is "" for the tenant's brand.
	ClientID      string
	DisplayName   string
	PrimaryColor  string // "#rrggbb"
	SupportURL    string // https
	PrivacyURL    string // https
	DefaultLocale string // BCP 47, one Admit ships
	// Logo is the image (PNG, JPEG or WebP, at most MaxLogoBytes) and
	// LogoType its sniffed media type; both empty for none.
	Logo      []byte
	LogoType  string
	UpdatedAt time.Time
}

// MaxLogoBytes bounds a brand's logo (the brands table checks it too).
const MaxLogoBytes = 256 << 10

// Brands stores brands (durable).
type Brands interface {
	// PutBrand inserts or replaces the brand of (TenantID, ClientID).
	// ErrNotFound if the tenant does not exist.
	PutBrand(ctx context.Context, b Brand) error
	// GetBrand: ErrNotFound if the tenant (clientID "") or the client has no
	// brand of its own.
	GetBrand(ctx context.Context, tenantID, clientID string) (Brand, error)
	// DeleteBrand: ErrNotFound if there is none.
	DeleteBrand(ctx context.Context, tenantID, clientID string) error
}

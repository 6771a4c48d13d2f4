package templates

import "context"

// BrandView is the brand a page (or mail) is drawn in: the tenant's, or
// its client's override (login.Branding resolves it). The zero value is
// Admit's own look.
type BrandView struct {
	Name       string // shown instead of "Admit"; "" for Admit
	LogoURL    string // same-origin path of the logo, "" for none
	StyleURL   string // same-origin stylesheet of custom properties, "" for none
	SupportURL string // https, shown in the footer
	PrivacyURL string // https, shown in the footer
}

type brandKey struct{}

// WithBrand returns ctx carrying the page's brand.
func WithBrand(ctx context.Context, b BrandView) context.Context {
	return context.WithValue(ctx, brandKey{}, b)
}

// BrandFrom returns the brand in ctx (zero: Admit's look).
func BrandFrom(ctx context.Context) BrandView {
	b, _ := ctx.Value(brandKey{}).(BrandView)
	return b
}

// brandName is the name pages and mails show for who runs them.
func brandName(ctx context.Context) string {
	if n := BrandFrom(ctx).Name; n != "" {
		return n
	}
	return t(ctx, "common.brand")
}

package admin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates/i18n"
)

// BrandInput is a tenant's or client's brand, except the logo (SetBrandLogo).
// Every field is optional; an empty one falls back (client → tenant →
// Admit's own look).
type BrandInput struct {
	DisplayName   string
	PrimaryColor  string // "#rrggbb"
	SupportURL    string // https
	PrivacyURL    string // https
	DefaultLocale string // one of the languages Admit ships
}

// MinContrast is WCAG 2.1 AA's contrast for normal text (SC 1.4.3).
const MinContrast = 4.5

var hexColour = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

func (in BrandInput) validate() error {
	var errs problems
	if utf8.RuneCountInString(in.DisplayName) > 100 || strings.ContainsAny(in.DisplayName, "\r\n") {
		errs.add("display_name", "display_name: at most 100 characters on one line")
	}
	if in.PrimaryColor != "" {
		if !hexColour.MatchString(in.PrimaryColor) {
			errs.add("primary_color", "primary_color %q: want #rrggbb", in.PrimaryColor)
		} else if r := Contrast(in.PrimaryColor, "#ffffff"); r < MinContrast {
			// Refused with the ratio, so the administrator can pick a darker
			// shade (WCAG 2.1 SC 1.4.3, contrast minimum).
			errs.add("primary_color", "primary_color %s: contrast %.2f:1 against white (button text and links); WCAG AA needs at least %.1f:1, choose a darker colour",
				in.PrimaryColor, r, MinContrast)
		}
	}
	for field, v := range map[string]string{"support_url": in.SupportURL, "privacy_url": in.PrivacyURL} {
		if v != "" && !httpsURL(v) {
			errs.add(field, "%s %q: want an absolute https URL", field, v)
		}
	}
	if in.DefaultLocale != "" && !i18n.IsSupported(in.DefaultLocale) {
		errs.add("default_locale", "default_locale %q: want one of %s", in.DefaultLocale, strings.Join(i18n.SupportedLangs(), ", "))
	}
	return errs.err()
}

// httpsURL: an absolute https URL with a host, no user info, at most 2000
// characters.
func httpsURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && len(s) <= 2000 && u.Scheme == "https" && u.Host != "" && u.User == nil
}

// Contrast is the WCAG 2.1 contrast ratio of two #rrggbb colours
// (https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio), from 1 to 21.
func Contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// luminance is the WCAG relative luminance of #rrggbb (sRGB).
func luminance(hexc string) float64 {
	var c [3]float64
	for i := range c {
		v, _ := strconv.ParseUint(hexc[1+2*i:3+2*i], 16, 8)
		s := float64(v) / 255
		if s <= 0.03928 {
			c[i] = s / 12.92
		} else {
			c[i] = math.Pow((s+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
}

// CheckBrandAccess reports whether p may read and change the brand of
// (tenantID, clientID) (the API checks it before reading an upload).
func (s *Service) CheckBrandAccess(ctx context.Context, p Principal, tenantID, clientID string) error {
	return s.brandScope(ctx, p, tenantID, clientID)
}

// brandScope checks that p may change the brand of (tenantID, clientID):
// administrators of the tenant (or of the platform), and for a client
// brand a client of that tenant.
func (s *Service) brandScope(ctx context.Context, p Principal, tenantID, clientID string) error {
	if err := s.inTenant(ctx, p, tenantID); err != nil {
		return err
	}
	if _, err := s.Store.GetTenant(ctx, tenantID); err != nil {
		return mapErr(err, "tenant "+tenantID)
	}
	if clientID != "" {
		if _, err := s.Store.GetTenantClient(ctx, tenantID, clientID); err != nil {
			return mapErr(err, "client "+clientID)
		}
	}
	return nil
}

func brandWhat(tenantID, clientID string) string {
	if clientID == "" {
		return "brand of tenant " + tenantID
	}
	return "brand of client " + clientID
}

// GetBrand returns the tenant's brand (clientID "") or the client's own
// override. ErrNotFound when none is set.
func (s *Service) GetBrand(ctx context.Context, p Principal, tenantID, clientID string) (storage.Brand, error) {
	if err := s.brandScope(ctx, p, tenantID, clientID); err != nil {
		return storage.Brand{}, err
	}
	b, err := s.Store.GetBrand(ctx, tenantID, clientID)
	return b, mapErr(err, brandWhat(tenantID, clientID))
}

// SetBrand replaces the brand's fields (its logo stays).
func (s *Service) SetBrand(ctx context.Context, p Principal, tenantID, clientID string, in BrandInput) (storage.Brand, error) {
	if err := s.brandScope(ctx, p, tenantID, clientID); err != nil {
		return storage.Brand{}, err
	}
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.PrimaryColor = strings.ToLower(in.PrimaryColor)
	if err := in.validate(); err != nil {
		return storage.Brand{}, err
	}
	b, err := s.Store.GetBrand(ctx, tenantID, clientID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return storage.Brand{}, mapErr(err, brandWhat(tenantID, clientID))
	}
	b.TenantID, b.ClientID, b.UpdatedAt = tenantID, clientID, s.now()
	b.DisplayName, b.PrimaryColor, b.SupportURL, b.PrivacyURL, b.DefaultLocale =
		in.DisplayName, in.PrimaryColor, in.SupportURL, in.PrivacyURL, in.DefaultLocale
	if err := s.Store.PutBrand(ctx, b); err != nil {
		return storage.Brand{}, mapErr(err, brandWhat(tenantID, clientID))
	}
	s.record(ctx, p, tenantID, "admin.brand.updated", storage.AuditEvent{Details: map[string]string{
		"client_id": clientID, "display_name": b.DisplayName, "primary_color": b.PrimaryColor}})
	return b, nil
}

// Logo types accepted, by content sniffing (the WHATWG MIME Sniffing
// algorithm of net/http.DetectContentType), never by the name or the
// declared type. SVG is refused: it can carry script and external
// references, and sanitising it is a parser of its own.
var logoTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/webp": true}

// SetBrandLogo stores the brand's logo (nil removes it). It must be a PNG,
// JPEG or WebP image of at most storage.MaxLogoBytes.
func (s *Service) SetBrandLogo(ctx context.Context, p Principal, tenantID, clientID string, logo []byte) (storage.Brand, error) {
	if err := s.brandScope(ctx, p, tenantID, clientID); err != nil {
		return storage.Brand{}, err
	}
	typ, err := LogoType(logo)
	if err != nil {
		return storage.Brand{}, err
	}
	b, err := s.Store.GetBrand(ctx, tenantID, clientID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return storage.Brand{}, mapErr(err, brandWhat(tenantID, clientID))
	}
	b.TenantID, b.ClientID, b.UpdatedAt, b.Logo, b.LogoType = tenantID, clientID, s.now(), logo, typ
	if err := s.Store.PutBrand(ctx, b); err != nil {
		return storage.Brand{}, mapErr(err, brandWhat(tenantID, clientID))
	}
	sum := sha256.Sum256(logo)
	s.record(ctx, p, tenantID, "admin.brand.logo", storage.AuditEvent{Details: map[string]string{
		"client_id": clientID, "type": typ, "bytes": strconv.Itoa(len(logo)), "sha256": hex.EncodeToString(sum[:])}})
	return b, nil
}

// LogoType sniffs a logo: its media type, or a validation error naming what
// is wrong. An empty logo is "" (no logo).
func LogoType(logo []byte) (string, error) {
	if len(logo) == 0 {
		return "", nil
	}
	if len(logo) > storage.MaxLogoBytes {
		return "", invalid("logo", "logo: %d bytes, at most %d (%d KiB)", len(logo), storage.MaxLogoBytes, storage.MaxLogoBytes>>10)
	}
	typ := http.DetectContentType(logo)
	if !logoTypes[typ] {
		return "", invalid("logo", "logo: %s is not accepted; upload a PNG, JPEG or WebP image (SVG is refused)", typ)
	}
	return typ, nil
}

// DeleteBrand removes the tenant's brand or the client's override.
func (s *Service) DeleteBrand(ctx context.Context, p Principal, tenantID, clientID string) error {
	if err := s.brandScope(ctx, p, tenantID, clientID); err != nil {
		return err
	}
	if err := s.Store.DeleteBrand(ctx, tenantID, clientID); err != nil {
		return mapErr(err, brandWhat(tenantID, clientID))
	}
	s.record(ctx, p, tenantID, "admin.brand.deleted", storage.AuditEvent{Details: map[string]string{"client_id": clientID}})
	return nil
}

package admin_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"strings"
	"testing"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
)

// TestContrast checks the WCAG 2.1 ratio against known pairs.
func TestContrast(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{
		{"#000000", "#ffffff", 21},
		{"#ffffff", "#ffffff", 1},
		{"#3730a3", "#ffffff", 9.93}, // Admit's own primary
		{"#767676", "#ffffff", 4.54}, // the lightest grey that passes AA
		{"#777777", "#ffffff", 4.48},
		{"#ffcc00", "#ffffff", 1.51},
	} {
		if got := admin.Contrast(tc.a, tc.b); math.Abs(got-tc.want) > 0.01 {
			t.Errorf("Contrast(%s, %s) = %.3f, want %.2f", tc.a, tc.b, got, tc.want)
		}
	}
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestBrandValidation: each field is refused with a reason that names it,
// the colour with its measured ratio.
func TestBrandValidation(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "venue")
	for _, tc := range []struct {
		name  string
		in    admin.BrandInput
		field string // "" for accepted
		say   string
	}{
		{"all set", admin.BrandInput{DisplayName: "Venue", PrimaryColor: "#0B5394", SupportURL: "https://help.example.com", PrivacyURL: "https://example.com/p", DefaultLocale: "de"}, "", ""},
		{"empty is fine", admin.BrandInput{}, "", ""},
		{"regional locale", admin.BrandInput{DefaultLocale: "fr-CA"}, "", ""},
		{"low contrast", admin.BrandInput{PrimaryColor: "#ffcc00"}, "primary_color", "contrast 1.51:1"},
		{"just below AA", admin.BrandInput{PrimaryColor: "#777777"}, "primary_color", "4.48:1"},
		{"not a colour", admin.BrandInput{PrimaryColor: "blue"}, "primary_color", "#rrggbb"},
		{"http link", admin.BrandInput{SupportURL: "http://help.example.com"}, "support_url", "https"},
		{"script link", admin.BrandInput{PrivacyURL: "javascript:alert(1)"}, "privacy_url", "https"},
		{"relative link", admin.BrandInput{PrivacyURL: "/privacy"}, "privacy_url", "https"},
		{"unshipped locale", admin.BrandInput{DefaultLocale: "ja"}, "default_locale", "en, de, fr, es, ar"},
		{"two-line name", admin.BrandInput{DisplayName: "a\nb"}, "display_name", "one line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.s.SetBrand(f.ctx, admin.CLI(), tn.ID, "", tc.in)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ve *admin.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a validation error on %s", err, tc.field)
			}
			if !strings.Contains(err.Error(), tc.field) || !strings.Contains(err.Error(), tc.say) {
				t.Fatalf("err = %q, want it to name %s and say %q", err, tc.field, tc.say)
			}
		})
	}
}

// TestBrandLogoSniffed: the type comes from the bytes, not a name; SVG,
// HTML and oversize files are refused.
func TestBrandLogoSniffed(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "venue")
	big := append(pngBytes(t), make([]byte, storage.MaxLogoBytes)...)
	for _, tc := range []struct {
		name string
		logo []byte
		want string // media type, or the error's words
		ok   bool
	}{
		{"png", pngBytes(t), "image/png", true},
		{"jpeg", jpegBytes(t), "image/jpeg", true},
		{"webp", []byte("RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00"), "image/webp", true},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "SVG is refused", false},
		{"html", []byte(`<html><script>alert(1)</script>`), "text/html", false},
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), "image/gif is not accepted", false},
		{"too big", big, "at most 262144", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := f.s.SetBrandLogo(f.ctx, admin.CLI(), tn.ID, "", tc.logo)
			if tc.ok {
				if err != nil || b.LogoType != tc.want {
					t.Fatalf("logo type %q, err %v; want %s", b.LogoType, err, tc.want)
				}
				got, _ := f.s.GetBrand(f.ctx, admin.CLI(), tn.ID, "")
				if !bytes.Equal(got.Logo, tc.logo) {
					t.Fatal("stored logo differs")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to say %q", err, tc.want)
			}
		})
	}
}

// TestBrandScope: a tenant's administrator cannot brand another tenant or
// a client of another tenant; fields and logo are kept apart.
func TestBrandScope(t *testing.T) {
	f := newFixture(t)
	a, b := f.tenant(t, "a"), f.tenant(t, "b")
	if _, _, err := f.s.CreateClient(f.ctx, admin.CLI(), b.ID, admin.ClientSpec{ID: "b-app", Grants: []string{"client_credentials"}}); err != nil {
		t.Fatal(err)
	}
	adminOfA := admin.Principal{Kind: admin.KindClient, TenantID: a.ID, ClientID: "x", Admin: true}
	if _, err := f.s.SetBrand(f.ctx, adminOfA, b.ID, "", admin.BrandInput{DisplayName: "Mine"}); !errors.Is(err, admin.ErrForbidden) {
		t.Fatalf("other tenant: err = %v, want ErrForbidden", err)
	}
	if _, err := f.s.SetBrand(f.ctx, admin.CLI(), a.ID, "b-app", admin.BrandInput{DisplayName: "Mine"}); !errors.Is(err, admin.ErrNotFound) {
		t.Fatalf("client of another tenant: err = %v, want ErrNotFound", err)
	}
	if _, err := f.s.SetBrandLogo(f.ctx, admin.CLI(), b.ID, "b-app", pngBytes(t)); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.SetBrand(f.ctx, admin.CLI(), b.ID, "b-app", admin.BrandInput{DisplayName: "B App", PrimaryColor: "#00563f"})
	if err != nil || got.LogoType != "image/png" || got.DisplayName != "B App" {
		t.Fatalf("fields after logo: %+v, %v (the logo must stay)", got, err)
	}
	if err := f.s.DeleteBrand(f.ctx, admin.CLI(), b.ID, "b-app"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.GetBrand(f.ctx, admin.CLI(), b.ID, "b-app"); !errors.Is(err, admin.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

package app_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/admit-idp/admit/cmd/admit/app"
)

func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := range 8 {
		img.Set(x, x, color.RGBA{B: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (e *env) fetch(t *testing.T, path string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.issuer+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// TestTenantAndClientBrand: a tenant administrator brands their tenant
// through the admin API (a colour under WCAG AA is refused with its ratio,
// an SVG logo is refused), the login page then shows the brand's name,
// logo, stylesheet, support link and default language, all from Admit's
// own origin; a client's override wins over its tenant's fields.
func TestTenantAndClientBrand(t *testing.T) {
	e := newAdminEnv(t, memoryBackend)
	tenant, token := e.newTenantWithAdmin("venue-one")
	base := tenantPath(tenant) + "/brand"

	r := e.must(http.StatusUnprocessableEntity, e.call(token, http.MethodPut, base, map[string]any{"primary_color": "#ffcc00"}))
	if !strings.Contains(r.raw, "1.51:1") || !strings.Contains(r.raw, "4.5:1") {
		t.Fatalf("low-contrast refusal does not give the ratio: %s", r.raw)
	}
	e.must(http.StatusUnprocessableEntity, e.call(token, http.MethodPut, base, map[string]any{"support_url": "http://help.example.com"}))
	e.must(http.StatusOK, e.call(token, http.MethodPut, base, map[string]any{
		"display_name": "Venue One", "primary_color": "#0b5394", "support_url": "https://help.venue-one.example",
		"privacy_url": "https://venue-one.example/privacy", "default_locale": "de"}))
	svg := `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`
	r = e.must(http.StatusUnprocessableEntity, e.call(token, http.MethodPut, base+"/logo", svg, "Content-Type", "image/png"))
	if !strings.Contains(r.raw, "SVG is refused") {
		t.Fatalf("SVG refusal: %s", r.raw)
	}
	logo := testPNG(t)
	r = e.must(http.StatusOK, e.call(token, http.MethodPut, base+"/logo", string(logo), "Content-Type", "image/png"))
	logoURL, _ := r.body["logo"].(map[string]any)["url"].(string)

	resp, body := e.fetch(t, logoURL)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || !bytes.Equal(body, logo) {
		t.Fatalf("logo: %d %q nosniff=%q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("X-Content-Type-Options"), len(body))
	}
	if again, _ := e.fetch(t, logoURL, "If-None-Match", resp.Header.Get("ETag")); again.StatusCode != http.StatusNotModified {
		t.Fatalf("logo revalidation: %d, want 304", again.StatusCode)
	}

	// A client of the tenant signs in through the branded pages.
	c := e.must(http.StatusCreated, e.call(token, http.MethodPost, tenantPath(tenant)+"/clients", map[string]any{
		"id": "venue-shop", "name": "Venue Shop", "redirect_uris": []string{rpCallback}}))
	secret := c.str("client_secret")
	p := e.browser().get(e.rp("venue-shop", secret).start().url)
	if lang, _ := p.lang(); lang != "de" {
		t.Fatalf("no ui_locales, no Accept-Language: lang %s, want the brand's de", lang)
	}
	if got := strings.TrimSpace(p.testid("brand").Text()); got != "Venue One" {
		t.Fatalf("brand name %q, want Venue One", got)
	}
	src, _ := p.testid("brand-logo").Attr("src")
	style, _ := p.testid("brand-style").Attr("href")
	support, _ := p.testid("support-link").Attr("href")
	if !strings.HasPrefix(src, "/brand/"+tenant+"/-/logo") || !strings.HasPrefix(style, "/brand/"+tenant+"/") || support != "https://help.venue-one.example" {
		t.Fatalf("logo %q, style %q, support %q", src, style, support)
	}
	resp, body = e.fetch(t, style)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") || !strings.Contains(string(body), "--primary: #0b5394") {
		t.Fatalf("brand stylesheet: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "style-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("page CSP %q", csp)
	}

	// The client's own brand wins field by field; the tenant's logo stays.
	e.must(http.StatusOK, e.call(token, http.MethodPut, tenantPath(tenant)+"/clients/venue-shop/brand", map[string]any{"display_name": "Summer Festival"}))
	e.clock.Advance(time.Minute) // past the resolved brands' cache
	p = e.browser().get(e.rp("venue-shop", secret).start().url)
	if got := strings.TrimSpace(p.testid("brand").Text()); got != "Summer Festival" || p.testid("brand-logo").Length() != 1 {
		t.Fatalf("client brand: name %q, logo %d", got, p.testid("brand-logo").Length())
	}
}

// TestDemoBrandSeed: development mode's second tenant is branded at once
// (name, logo, German by default), its user signs in to its client, and
// seeding twice changes nothing.
func TestDemoBrandSeed(t *testing.T) {
	e := newEnv(t, memoryBackend)
	for range 2 {
		if err := e.app.SeedDemoBrand(context.Background()); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	r := e.rp(app.DemoBrandClientID, app.DemoBrandClientSecret)
	ar := r.start()
	br := e.browser()
	p := br.get(ar.url)
	if lang, _ := p.lang(); lang != "de" || strings.TrimSpace(p.testid("brand").Text()) != "Riverside Hall" || p.testid("brand-logo").Length() != 1 {
		t.Fatalf("branded login page: lang %s, brand %q, logo %d", lang, p.testid("brand").Text(), p.testid("brand-logo").Length())
	}
	p = br.submitLogin(p, app.DemoBrandUserEmail, app.DemoBrandUserPassword)
	if href, _ := p.testid("terms-link").Attr("href"); href != "https://riverside.example/terms" {
		t.Fatalf("consent terms link %q: %s", href, p.body)
	}
	cb := br.callback(br.consent(p, "allow"), ar)
	if _, err := r.exchange(cb.Query().Get("code"), ar); err != nil {
		t.Fatalf("exchange: %v", err)
	}
}

package login

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
)

// BrandPath is where brand stylesheets and logos are served from: Admit's
// own origin, so the pages' CSP keeps style-src 'self' and img-src 'self'.
const BrandPath = "/brand"

// Branding resolves the brand a page is drawn in (issue 17): the client's
// own brand over its tenant's, field by field, over Admit's look. The
// colour reaches the page as a stylesheet of custom properties
// (/brand/<tenant>/<client>/style.css): no inline style under the CSP.
// Resolved brands are cached for TTL so a page costs no brand reads.
type Branding struct {
	Store storage.Brands
	Now   func() time.Time
	// TTL bounds how long a change takes to show (0: 30 s).
	TTL time.Duration

	mu    sync.Mutex
	cache map[brandKey]cachedBrand
}

type brandKey struct{ tenant, client string }

type cachedBrand struct {
	b  Brand
	at time.Time
}

// Brand is a resolved brand, without the logo's bytes.
type Brand struct {
	TenantID, ClientID string
	Name               string
	PrimaryColor       string
	SupportURL         string
	PrivacyURL         string
	DefaultLocale      string
	// LogoFrom is the client ID whose brand holds the logo ("" the
	// tenant's), LogoTag the logo's hash; both empty for no logo.
	LogoFrom, LogoTag string
	hasLogo           bool
}

func (b Brand) seg() string { return segment(b.ClientID) }

func segment(clientID string) string {
	if clientID == "" {
		return "-"
	}
	return clientID
}

// View is what the layout shows.
func (b Brand) View() templates.BrandView {
	v := templates.BrandView{Name: b.Name, SupportURL: b.SupportURL, PrivacyURL: b.PrivacyURL}
	if b.PrimaryColor != "" {
		v.StyleURL = BrandPath + "/" + b.TenantID + "/" + b.seg() + "/style.css?v=" + cssTag(b)[:12]
	}
	if b.hasLogo {
		v.LogoURL = BrandPath + "/" + b.TenantID + "/" + segment(b.LogoFrom) + "/logo?v=" + b.LogoTag[:12]
	}
	return v
}

// Resolve returns the brand of a page of tenantID, for clientID ("" for
// Admit's own pages). A backend failure shows Admit's look: the page
// itself must not fail for its colours.
func (g *Branding) Resolve(ctx context.Context, tenantID, clientID string) Brand {
	if g == nil || g.Store == nil {
		return Brand{}
	}
	tenantID = cmpTenant(tenantID)
	k := brandKey{tenantID, clientID}
	now := g.now()
	g.mu.Lock()
	if c, ok := g.cache[k]; ok && now.Sub(c.at) < g.ttl() {
		g.mu.Unlock()
		return c.b
	}
	g.mu.Unlock()
	b := Brand{TenantID: tenantID, ClientID: clientID}
	tb, terr := g.Store.GetBrand(ctx, tenantID, "")
	if terr == nil {
		b.merge(tb)
	}
	var cerr error
	if clientID != "" {
		var cb storage.Brand
		if cb, cerr = g.Store.GetBrand(ctx, tenantID, clientID); cerr == nil {
			b.merge(cb)
		}
	}
	if !isGone(terr) || !isGone(cerr) {
		return b // not cached: try again on the next page
	}
	g.mu.Lock()
	if g.cache == nil {
		g.cache = map[brandKey]cachedBrand{}
	}
	g.cache[k] = cachedBrand{b: b, at: now}
	g.mu.Unlock()
	return b
}

func isGone(err error) bool { return err == nil || errors.Is(err, storage.ErrNotFound) }

// merge lays s over b: s's non-empty fields win.
func (b *Brand) merge(s storage.Brand) {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&b.Name, s.DisplayName)
	set(&b.PrimaryColor, s.PrimaryColor)
	set(&b.SupportURL, s.SupportURL)
	set(&b.PrivacyURL, s.PrivacyURL)
	set(&b.DefaultLocale, s.DefaultLocale)
	if len(s.Logo) > 0 {
		sum := sha256.Sum256(s.Logo)
		b.LogoFrom, b.LogoTag, b.hasLogo = s.ClientID, hex.EncodeToString(sum[:]), true
	}
}

// ClientLogoURL is the same-origin address of the client's own uploaded
// logo, "" when the client has none (the tenant's logo is in the layout).
func (g *Branding) ClientLogoURL(ctx context.Context, tenantID, clientID string) string {
	if clientID == "" {
		return ""
	}
	b := g.Resolve(ctx, tenantID, clientID)
	if !b.hasLogo || b.LogoFrom != clientID {
		return ""
	}
	return b.View().LogoURL
}

// TenantLocale is the tenant's default language (its brand's).
func (g *Branding) TenantLocale(ctx context.Context, tenantID string) string {
	return g.Resolve(ctx, tenantID, "").DefaultLocale
}

func (g *Branding) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

func (g *Branding) ttl() time.Duration {
	if g.TTL > 0 {
		return g.TTL
	}
	return 30 * time.Second
}

// Routes serves /brand/<tenant>/<client or ->/style.css and …/logo.
func (g *Branding) Routes() chi.Router {
	r := chi.NewRouter()
	r.Get("/{tenant}/{client}/style.css", g.style)
	r.Get("/{tenant}/{client}/logo", g.logo)
	return r
}

func clientParam(r *http.Request) string {
	if c := chi.URLParam(r, "client"); c != "-" {
		return c
	}
	return ""
}

// style answers the brand's stylesheet: custom properties only, from a
// colour storage/admin validated as #rrggbb, so nothing else can be
// injected. The hover shade is the colour darkened by a fifth.
func (g *Branding) style(w http.ResponseWriter, r *http.Request) {
	b := g.Resolve(r.Context(), chi.URLParam(r, "tenant"), clientParam(r))
	if b.PrimaryColor == "" {
		http.NotFound(w, r)
		return
	}
	css := brandCSS(b)
	serveCached(w, r, "text/css; charset=utf-8", cssTag(b), []byte(css))
}

func brandCSS(b Brand) string {
	// Light scheme only: the contrast was checked against white; dark mode
	// keeps Admit's own light-on-dark accent, which meets AA there.
	return fmt.Sprintf("/* Brand of %s/%s (generated). */\n@media (prefers-color-scheme: light) {\n  :root {\n    --primary: %s;\n    --primary-hover: %s;\n  }\n}\n",
		b.TenantID, b.seg(), b.PrimaryColor, darker(b.PrimaryColor))
}

func cssTag(b Brand) string {
	sum := sha256.Sum256([]byte(b.PrimaryColor + "|" + b.TenantID + "|" + b.ClientID))
	return hex.EncodeToString(sum[:])
}

// darker scales each channel of #rrggbb to 80%: darker stays above the
// contrast the colour itself passed against white.
func darker(c string) string {
	if len(c) != 7 {
		return c
	}
	var out strings.Builder
	out.WriteByte('#')
	for i := 1; i < 7; i += 2 {
		v, err := strconv.ParseUint(c[i:i+2], 16, 8)
		if err != nil {
			return c
		}
		fmt.Fprintf(&out, "%02x", v*4/5)
	}
	return out.String()
}

// logo answers the brand's logo with its sniffed type (stored when it was
// accepted), nosniff, and an ETag so browsers revalidate cheaply.
func (g *Branding) logo(w http.ResponseWriter, r *http.Request) {
	if g == nil || g.Store == nil {
		http.NotFound(w, r)
		return
	}
	b, err := g.Store.GetBrand(r.Context(), chi.URLParam(r, "tenant"), clientParam(r))
	switch {
	case errors.Is(err, storage.ErrNotFound) || (err == nil && len(b.Logo) == 0):
		http.NotFound(w, r)
		return
	case err != nil:
		w.Header().Set("Retry-After", "5")
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	sum := sha256.Sum256(b.Logo)
	serveCached(w, r, b.LogoType, hex.EncodeToString(sum[:]), b.Logo)
}

// serveCached writes body with its type, nosniff, a strong ETag and a
// short public cache lifetime (links carry ?v=<tag>, so a change shows at
// once on new pages); If-None-Match answers 304.
func serveCached(w http.ResponseWriter, r *http.Request, contentType, tag string, body []byte) {
	etag := `"` + tag[:32] + `"`
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, max-age=300")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

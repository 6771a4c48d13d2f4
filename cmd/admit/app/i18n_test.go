package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/storage"
)

// getIn fetches u with an Accept-Language header.
func (b *browser) getIn(u, acceptLanguage string) page {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Accept-Language", acceptLanguage)
	return b.do(req)
}

// postIn posts a form with an Accept-Language header.
func (b *browser) postIn(path string, form url.Values, acceptLanguage string) page {
	req, _ := http.NewRequest(http.MethodPost, b.e.issuer+path, strings.NewReader(form.Encode()))
	req.Header.Set("Accept-Language", acceptLanguage)
	return b.do(req)
}

func (p page) lang() (lang, dir string) {
	h := p.doc.Find("html")
	lang, _ = h.Attr("lang")
	dir, _ = h.Attr("dir")
	return lang, dir
}

func (p page) text(id string) string { return strings.TrimSpace(p.testid(id).First().Text()) }

// TestUILocalesThroughTheFlow: a client's ui_locales=de (OIDC Core
// §3.1.2.1) makes every page of the sign-in German, the failed attempt and
// the consent page included, though the browser asks for English; the
// flow still ends with a code.
func TestUILocalesThroughTheFlow(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnv(t, b)
			r := e.rp(app.DemoClientID, app.DemoClientSecret)
			ar := r.start(oauth2.SetAuthURLParam("ui_locales", "de-CH en"))
			br := e.browser()
			p := br.getIn(ar.url, "en-US,en;q=0.9")
			if lang, dir := p.lang(); lang != "de" || dir != "ltr" {
				t.Fatalf("login page lang/dir = %s/%s, want de/ltr", lang, dir)
			}
			if got := p.text("submit"); got != "Anmelden" {
				t.Fatalf("login submit = %q, want Anmelden", got)
			}
			form := url.Values{"flow": {p.hidden("flow")}, "csrf_token": {p.hidden("csrf_token")}, "email": {app.DemoUserEmail}}
			form.Set("password", "wrong-password")
			p = br.postIn("/login/password", form, "en")
			if lang, _ := p.lang(); lang != "de" {
				t.Fatalf("failed attempt page lang = %s, want de", lang)
			}
			if got := p.text("error"); got != "E-Mail-Adresse oder Passwort ist falsch." {
				t.Fatalf("error = %q, want the German message", got)
			}
			form.Set("csrf_token", p.hidden("csrf_token"))
			form.Set("password", app.DemoUserPassword)
			p = br.postIn("/login/password", form, "en")
			if p.testid("consent-form").Length() != 1 {
				t.Fatalf("want the consent page, got %d: %s", p.status, p.body)
			}
			if lang, _ := p.lang(); lang != "de" || p.text("allow") != "Erlauben" {
				t.Fatalf("consent lang %s, allow %q; want de, Erlauben", lang, p.text("allow"))
			}
			// Scopes are described in words, not raw names.
			var scopes []string
			p.testid("scope").Each(func(_ int, s *goquery.Selection) {
				scopes = append(scopes, strings.Join(strings.Fields(s.Text()), " "))
			})
			if !slices.ContainsFunc(scopes, func(s string) bool { return strings.HasPrefix(s, "Ihre E-Mail-Adresse sehen") }) {
				t.Fatalf("consent scopes %q lack the German words for email", scopes)
			}
			cb := br.callback(br.consent(p, "allow"), ar)
			if _, err := r.exchange(cb.Query().Get("code"), ar); err != nil {
				t.Fatalf("exchange: %v", err)
			}
		})
	}
}

// TestAcceptLanguageArabicIsRightToLeft: without ui_locales the browser's
// Accept-Language decides; Arabic pages are dir=rtl, and ui_locales still
// wins over it.
func TestAcceptLanguageArabicIsRightToLeft(t *testing.T) {
	e := newEnv(t, memoryBackend)
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	p := e.browser().getIn(r.start().url, "ar-EG,ar;q=0.9,en;q=0.5")
	if lang, dir := p.lang(); lang != "ar" || dir != "rtl" {
		t.Fatalf("lang/dir = %s/%s, want ar/rtl", lang, dir)
	}
	if got := p.text("submit"); got != "تسجيل الدخول" {
		t.Fatalf("submit = %q, want the Arabic label", got)
	}
	if dir, _ := p.testid("email").Attr("dir"); dir != "ltr" {
		t.Fatalf("e-mail input dir = %q, want ltr inside an rtl page", dir)
	}
	p = e.browser().getIn(r.start(oauth2.SetAuthURLParam("ui_locales", "fr")).url, "ar")
	if lang, dir := p.lang(); lang != "fr" || dir != "ltr" {
		t.Fatalf("ui_locales=fr with Accept-Language ar: lang/dir = %s/%s, want fr/ltr", lang, dir)
	}
	// An error page outside any flow follows Accept-Language too.
	p = e.browser().getIn(e.issuer+"/login?id=no-such-request", "es")
	if lang, _ := p.lang(); lang != "es" || p.text("error-title") != "Este enlace de inicio de sesión ha caducado" {
		t.Fatalf("expired-link page: lang %s, title %q", lang, p.text("error-title"))
	}
}

// TestSavedLocaleBeatsAcceptLanguage: once the user is known (after the
// password), their saved language (SetUserLocale) is used ahead of the
// browser's; ui_locales is absent.
func TestSavedLocaleBeatsAcceptLanguage(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnv(t, b)
			ctx := context.Background()
			u, err := e.app.Stores.Durable.GetUserByEmail(ctx, storage.DefaultTenantID, app.DemoUserEmail)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.app.Stores.Durable.SetUserLocale(ctx, u.ID, "es", e.clock.Now()); err != nil {
				t.Fatal(err)
			}
			r := e.rp(app.DemoClientID, app.DemoClientSecret)
			br := e.browser()
			p := br.getIn(r.start().url, "de")
			if lang, _ := p.lang(); lang != "de" {
				t.Fatalf("before sign-in lang = %s, want de (Accept-Language)", lang)
			}
			form := url.Values{"flow": {p.hidden("flow")}, "csrf_token": {p.hidden("csrf_token")}, "email": {app.DemoUserEmail}, "password": {app.DemoUserPassword}}
			p = br.postIn("/login/password", form, "de")
			if lang, _ := p.lang(); lang != "es" || p.text("allow") != "Permitir" {
				t.Fatalf("consent after sign-in: lang %s, allow %q; want es, Permitir", lang, p.text("allow"))
			}
		})
	}
}

// TestDiscoveryUILocales: discovery lists every shipped language.
func TestDiscoveryUILocales(t *testing.T) {
	e := newEnv(t, memoryBackend)
	resp, err := http.Get(e.issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d struct {
		UILocales []string `json:"ui_locales_supported"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"en", "de", "fr", "es", "ar"} {
		if !slices.Contains(d.UILocales, want) {
			t.Errorf("ui_locales_supported %v lacks %s", d.UILocales, want)
		}
	}
}

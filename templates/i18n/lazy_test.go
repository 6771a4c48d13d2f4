package i18n

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/text/language"
)

// parsedAtInit is how many catalog files the package's initialisation
// parsed (TestMain reads it before any test runs).
var parsedAtInit int64

func TestMain(m *testing.M) {
	parsedAtInit = catalogsParsed.Load()
	os.Exit(m.Run())
}

// TestNoCatalogParsedAtInit: loading the package (every admit command,
// --help included) reads no catalog; the first lookup does.
func TestNoCatalogParsedAtInit(t *testing.T) {
	if parsedAtInit != 0 {
		t.Fatalf("package init parsed %d catalog files, want 0", parsedAtInit)
	}
}

// TestLanguageParsedOnFirstUse: a language's catalogs are parsed when a
// lookup first needs that language, once, and not before; English is
// parsed once and shared.
func TestLanguageParsedOnFirstUse(t *testing.T) {
	if got := English.T("common.continue"); got != "Continue" {
		t.Fatalf("en continue = %q", got)
	}
	frFiles := countCatalogs(t, "fr")
	l := newLocale(language.French) // a fresh locale: its bundle is not built yet
	before := catalogsParsed.Load()
	if l.Lang() != "fr" || l.Dir() != "ltr" {
		t.Fatalf("fr locale: %s/%s", l.Lang(), l.Dir())
	}
	if n := catalogsParsed.Load() - before; n != 0 {
		t.Fatalf("creating the fr locale parsed %d catalogs, want 0", n)
	}
	if got := l.T("common.continue"); got != "Continuer" {
		t.Fatalf("fr continue = %q", got)
	}
	if n := catalogsParsed.Load() - before; n != frFiles {
		t.Fatalf("first fr lookup parsed %d catalogs, want the %d French ones (English is shared)", n, frFiles)
	}
	l.T("common.continue")
	English.T("common.continue")
	if n := catalogsParsed.Load() - before; n != frFiles {
		t.Fatalf("later lookups parsed %d catalogs, want none", n-frFiles)
	}
}

// TestEveryLanguageBundleBuilds: every supported language's catalogs parse
// into a bundle (what Bundle did for all languages at once).
func TestEveryLanguageBundleBuilds(t *testing.T) {
	for _, tag := range Supported {
		if _, err := newBundle(tag); err != nil {
			t.Errorf("%s: %v", tag, err)
		}
	}
	if ForTag(language.English) != English {
		t.Fatal("ForTag(en) is not the English locale: English's bundle would be built twice")
	}
}

func countCatalogs(t *testing.T, lang string) int64 {
	t.Helper()
	var n int64
	entries, err := localeFiles.ReadDir("locales")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), "."+lang+".toml") {
			n++
		}
	}
	if n == 0 {
		t.Fatalf("no %s catalogs", lang)
	}
	return n
}

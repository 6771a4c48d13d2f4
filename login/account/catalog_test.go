package account

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/BurntSushi/toml"
)

// TestCatalogsComplete fails when a language's account or pages catalog
// lacks a message the English one has (go-i18n would fall back to
// English silently), or has one English does not (a typo'd id).
func TestCatalogsComplete(t *testing.T) {
	dir := filepath.Join("..", "..", "templates", "i18n", "locales")
	for _, area := range []string{"account", "pages"} {
		en := keys(t, filepath.Join(dir, area+".en.toml"))
		for _, lang := range []string{"de", "fr", "es", "ar"} {
			other := keys(t, filepath.Join(dir, area+"."+lang+".toml"))
			for k := range en {
				if !other[k] {
					t.Errorf("%s.%s.toml lacks %q", area, lang, k)
				}
			}
			for k := range other {
				if !en[k] {
					t.Errorf("%s.%s.toml has %q, which English lacks", area, lang, k)
				}
			}
		}
	}
}

func keys(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := toml.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

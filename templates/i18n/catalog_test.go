package i18n

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// pluralForms are the CLDR plural categories go-i18n reads from a table.
var pluralForms = map[string]bool{"zero": true, "one": true, "two": true, "few": true, "many": true, "other": true}

// catalog reads every locales/<area>.<lang>.toml: message id → its text
// (a plain message) or its plural forms.
func catalog(t *testing.T) map[string]map[string]any {
	t.Helper()
	names, err := fs.Glob(localeFiles, "locales/*.toml")
	if err != nil || len(names) == 0 {
		t.Fatalf("no catalogs: %v", err)
	}
	byLang := map[string]map[string]any{}
	for _, name := range names {
		parts := strings.Split(filepath.Base(name), ".")
		if len(parts) != 3 {
			t.Fatalf("%s: want <area>.<lang>.toml", name)
		}
		area, lang := parts[0], parts[1]
		raw, _ := localeFiles.ReadFile(name)
		var m map[string]any
		if err := toml.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s does not parse: %v", name, err)
		}
		if byLang[lang] == nil {
			byLang[lang] = map[string]any{}
		}
		for id, v := range m {
			if !strings.HasPrefix(id, area+".") {
				t.Errorf("%s: id %q outside its area %q", name, id, area)
			}
			if _, dup := byLang[lang][id]; dup {
				t.Errorf("%s: id %q defined twice for %s", name, id, lang)
			}
			byLang[lang][id] = v
		}
	}
	return byLang
}

// TestCatalogsComplete fails when a language misses a message English has,
// has one English lacks, uses a plural form its language does not have or
// misses one it has, or when a message's template does not parse or names
// other variables than English.
func TestCatalogsComplete(t *testing.T) {
	byLang := catalog(t)
	en := byLang["en"]
	if len(en) == 0 {
		t.Fatal("no English catalog")
	}
	for _, tag := range Supported {
		lang := tag.String()
		msgs, ok := byLang[lang]
		if !ok {
			t.Errorf("no catalog for supported language %s", lang)
			continue
		}
		for id := range en {
			if _, ok := msgs[id]; !ok {
				t.Errorf("%s lacks %q", lang, id)
			}
		}
		for id, v := range msgs {
			if _, ok := en[id]; !ok {
				t.Errorf("%s has %q, which English lacks", lang, id)
				continue
			}
			checkMessage(t, tag, id, v, en[id])
		}
	}
	for lang := range byLang {
		if !isSupported(lang) {
			t.Errorf("catalog for %s, which Supported does not list", lang)
		}
	}
}

func isSupported(lang string) bool {
	for _, s := range Supported {
		if s.String() == lang {
			return true
		}
	}
	return false
}

var varRE = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

func vars(v any) []string {
	seen := map[string]bool{}
	add := func(s string) {
		for _, m := range varRE.FindAllStringSubmatch(s, -1) {
			seen[m[1]] = true
		}
	}
	switch x := v.(type) {
	case string:
		add(x)
	case map[string]any:
		for _, f := range x {
			s, _ := f.(string)
			add(s)
		}
	}
	delete(seen, "Count") // a language may spell out "one" or "two"
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func checkMessage(t *testing.T, tag language.Tag, id string, v, en any) {
	t.Helper()
	lang := tag.String()
	if got, want := strings.Join(vars(v), ","), strings.Join(vars(en), ","); got != want {
		t.Errorf("%s %q uses variables {%s}, English {%s}", lang, id, got, want)
	}
	if forms, ok := v.(map[string]any); ok {
		if _, plural := en.(map[string]any); !plural {
			t.Errorf("%s %q is plural, English is not", lang, id)
		}
		for f := range forms {
			if !pluralForms[f] {
				t.Errorf("%s %q: unknown plural form %q", lang, id, f)
			}
		}
		for _, n := range []int{0, 1, 2, 3, 11, 100} {
			if _, err := ForTag(tag).localizer().Localize(&goi18n.LocalizeConfig{MessageID: id, PluralCount: n, TemplateData: map[string]any{"Count": n}}); err != nil {
				t.Errorf("%s %q with Count %d: %v", lang, id, n, err)
			}
		}
		return
	}
	s, ok := v.(string)
	if !ok || strings.TrimSpace(s) == "" {
		t.Errorf("%s %q is empty or not text", lang, id)
	}
	if _, err := ForTag(tag).localizer().Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: map[string]any{}}); err != nil {
		t.Errorf("%s %q does not render: %v", lang, id, err)
	}
}

// TestArabicPluralsHaveSixForms: Arabic distinguishes zero, one, two, few,
// many and other (CLDR); a plural message that lacks one would fall back
// to English for those counts.
func TestArabicPluralsHaveSixForms(t *testing.T) {
	byLang := catalog(t)
	for id, v := range byLang["ar"] {
		forms, ok := v.(map[string]any)
		if !ok {
			continue
		}
		for f := range pluralForms {
			if _, ok := forms[f]; !ok {
				t.Errorf("ar %q lacks plural form %q", id, f)
			}
		}
	}
	ctx := WithLocale(context.Background(), Negotiate("ar", "", "", ""))
	seen := map[string]bool{}
	for _, n := range []int{0, 1, 2, 3, 11, 100} {
		seen[T(ctx, "totp.backup_left", "Count", n)] = true
	}
	if len(seen) != 6 {
		t.Fatalf("Arabic totp.backup_left gave %d distinct texts for 0,1,2,3,11,100; want 6", len(seen))
	}
}

// idLiteral matches a Go string literal that names a catalog message: an
// area of the catalogs, a dot, lower-case words.
var idLiteral = regexp.MustCompile(`"((?:common|login|consent|error|device|totp|passkey|mfa|social|wallet|mail|logout|continue|unlock|signup|account_mail|reset|verify)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*)"`)

// TestHandlerMessageIDsExist: every message id a login handler names (a
// string literal shaped like one) is in the English catalog, so no page
// can show a raw id. Ids built at run time (id+".title") are checked by
// the render tests instead.
func TestHandlerMessageIDsExist(t *testing.T) {
	root := filepath.Join("..", "..", "login")
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		if strings.Contains(path, string(filepath.Separator)+"console"+string(filepath.Separator)) {
			return nil // English only by design
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range idLiteral.FindAllStringSubmatch(string(src), -1) {
			id := m[1]
			if isEventName(id) || hasChildren(id) {
				continue
			}
			n++
			if !Has(id) {
				t.Errorf("%s names message %q, which the English catalog lacks", path, id)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 50 {
		t.Fatalf("found only %d message ids in login/: the pattern no longer matches the handlers", n)
	}
}

// isEventName tells audit event names ("device.approve") and flow-data
// keys ("social.state") apart from message ids: they share the shape.
func isEventName(id string) bool {
	switch id {
	case "device.approve", "device.deny", "device.new", "device.forgotten", "totp.verified",
		"social.provider", "social.state", "social.nonce", "social.verifier", "social.browser", "social.link_user", "social.pending":
		return true
	}
	return false
}

// hasChildren: a prefix the handler completes at run time
// (scopeDescriptions' "consent.scope.email" + ".name").
func hasChildren(id string) bool {
	return Has(id+".name") || Has(id+".title")
}

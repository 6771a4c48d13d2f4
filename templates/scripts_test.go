package templates

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

var (
	scriptMsg   = regexp.MustCompile(`\btext\("(msg\w+)"\)`)
	scriptTag   = regexp.MustCompile(`<script src="/static/(\w+\.js)"`)
	passwordTag = regexp.MustCompile(`<div class="password-wrap"[^>]*>`)
)

// TestScriptMessagesComeFromThePage: the scripts hold no words of their
// own (static/passkey.js and static/wallet.js read each message from a
// data-msg-* attribute, static/password.js its toggle label from
// data-show), so every component that loads a script must render each
// message the script reads, from the catalog.
func TestScriptMessagesComeFromThePage(t *testing.T) {
	want := map[string][]string{} // script → data attributes it reads
	for _, script := range []string{"passkey.js", "wallet.js"} {
		src, err := os.ReadFile(filepath.Join("..", "static", script))
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, m := range scriptMsg.FindAllStringSubmatch(string(src), -1) {
			if attr := dataAttr(m[1]); !seen[attr] {
				seen[attr] = true
				want[script] = append(want[script], attr)
			}
		}
		if len(want[script]) < 4 {
			t.Fatalf("%s reads only %q: the pattern no longer finds its messages", script, want[script])
		}
	}
	files, _ := filepath.Glob("*.templ")
	loads := 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for name, body := range components(string(src)) {
			for _, m := range scriptTag.FindAllStringSubmatch(body, -1) {
				loads++
				for _, attr := range want[m[1]] {
					if !strings.Contains(body, attr+`={ t(ctx, "`) {
						t.Errorf("%s: %s loads %s without %s from the catalog", file, name, m[1], attr)
					}
				}
			}
			for _, tag := range passwordTag.FindAllString(body, -1) {
				if !strings.Contains(tag, `data-show={`) {
					t.Errorf("%s: %s has a password field without its toggle label (data-show)", file, name)
				}
			}
		}
	}
	if loads < 3 {
		t.Fatalf("found only %d script tags: the pattern no longer matches", loads)
	}
}

// dataAttr is the attribute behind a dataset key: msgNoAccount is
// data-msg-no-account.
func dataAttr(key string) string {
	var b strings.Builder
	b.WriteString("data-")
	for _, r := range key {
		if unicode.IsUpper(r) {
			b.WriteByte('-')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

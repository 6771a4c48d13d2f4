package storage_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/admit-idp/admit/storage"
)

func TestValidResourceURI(t *testing.T) {
	for in, want := range map[string]bool{
		"https://tickets.example/api":     true,
		"urn:example:payments":            true,
		"https://tickets.example/api?v=1": true,
		"https://tickets.example/api#x":   false, // RFC 8707 section 2: no fragment
		"https://tickets.example/api#":    false,
		"/api":                            false, // relative
		"tickets":                         false,
		"":                                false,
		"https://a.example/ b":            false,
		"https://a.example/" + strings.Repeat("a", 2000): false,
	} {
		if got := storage.ValidResourceURI(in); got != want {
			t.Errorf("ValidResourceURI(%q) = %v, want %v", in, got, want)
		}
	}
}

// FuzzValidResourceURI: whatever passes is an absolute URI without a
// fragment that parses, and the check never panics.
func FuzzValidResourceURI(f *testing.F) {
	for _, s := range []string{"https://tickets.example/api", "urn:x:y", "https://x/#f", "http://[::1]:80/", "a:b", "%zz:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !storage.ValidResourceURI(s) {
			return
		}
		u, err := url.Parse(s)
		if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(s, "#") || len(s) > 2000 {
			t.Fatalf("ValidResourceURI accepted %q (parse %v, abs %v, fragment %q)", s, err, err == nil && u.IsAbs(), u.Fragment)
		}
	})
}

package storage

import (
	"errors"
	"testing"
)

// TestCheckRedirectURI: the redirect URI rules of RFC 6749 §3.1.2 and
// RFC 8252 §7.1/§7.3, for public and confidential clients.
func TestCheckRedirectURI(t *testing.T) {
	for _, c := range []struct {
		uri          string
		public       error // nil: accepted for a public client
		confidential error // nil: accepted for a confidential client
	}{
		{"https://app.example.com/cb", nil, nil},
		{"https://app.example.com/cb?x=1", nil, nil},
		{"http://127.0.0.1:5555/callback", nil, nil},
		{"http://[::1]/cb", nil, nil},
		{"http://localhost:8080/cb", nil, nil},
		{"com.example.app:/oauth2redirect", nil, ErrRedirectPrivateUse},
		{"com.example.app:/oauth2redirect/example-provider", nil, ErrRedirectPrivateUse},
		{"com.googleusercontent.apps.123-abc:/oauth2redirect", nil, ErrRedirectPrivateUse},
		{"COM.Example.App:/cb", nil, ErrRedirectPrivateUse}, // schemes are case-insensitive (RFC 3986 §3.1)
		{"com.example.app:/cb#frag", ErrRedirectFragment, ErrRedirectFragment},
		{"com.example.app:/cb#", ErrRedirectFragment, ErrRedirectFragment},
		{"com.example.app://host/cb", ErrRedirectAuthority, ErrRedirectPrivateUse},
		{"com.example.app:cb", ErrRedirectAuthority, ErrRedirectPrivateUse},
		{"com.example.app:", ErrRedirectAuthority, ErrRedirectPrivateUse},
		{"myapp:/cb", ErrRedirectScheme, ErrRedirectScheme}, // no dot: not a reverse domain name
		{"myapp://cb", ErrRedirectScheme, ErrRedirectScheme},
		{"com.:/cb", ErrRedirectScheme, ErrRedirectScheme},
		{".com.example:/cb", ErrRedirectNotAbsolute, ErrRedirectNotAbsolute},
		{"com..example:/cb", ErrRedirectScheme, ErrRedirectScheme},
		{"javascript:alert(1)", ErrRedirectScheme, ErrRedirectScheme},
		{"javascript://example.com/%0Aalert(1)", ErrRedirectScheme, ErrRedirectScheme},
		{"data:text/html,<script>alert(1)</script>", ErrRedirectScheme, ErrRedirectScheme},
		{"vbscript:msgbox", ErrRedirectScheme, ErrRedirectScheme},
		{"file:///etc/passwd", ErrRedirectScheme, ErrRedirectScheme},
		{"ftp://example.com/cb", ErrRedirectScheme, ErrRedirectScheme},
		{"http://app.example.com/cb", ErrRedirectPlainHTTP, ErrRedirectPlainHTTP},
		{"http://127.0.0.1.example.com/cb", ErrRedirectPlainHTTP, ErrRedirectPlainHTTP},
		{"https://app.example.com/cb#x", ErrRedirectFragment, ErrRedirectFragment},
		{"https:///cb", ErrRedirectNotAbsolute, ErrRedirectNotAbsolute},
		{"/cb", ErrRedirectNotAbsolute, ErrRedirectNotAbsolute},
		{"", ErrRedirectNotAbsolute, ErrRedirectNotAbsolute},
		{"%zz", ErrRedirectNotAbsolute, ErrRedirectNotAbsolute},
	} {
		if got := CheckRedirectURI(c.uri, true); !errors.Is(got, c.public) {
			t.Errorf("CheckRedirectURI(%q, public) = %v, want %v", c.uri, got, c.public)
		}
		if got := CheckRedirectURI(c.uri, false); !errors.Is(got, c.confidential) {
			t.Errorf("CheckRedirectURI(%q, confidential) = %v, want %v", c.uri, got, c.confidential)
		}
	}
}

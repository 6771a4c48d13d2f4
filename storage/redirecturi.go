package storage

import (
	"errors"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// Redirect URI rules, declared once for registration (storage/admin) and the
// protocol (op, cmd/admit/app).

// Why a redirect URI cannot be registered (CheckRedirectURI).
var (
	ErrRedirectNotAbsolute = errors.New("must be an absolute URL")
	ErrRedirectFragment    = errors.New("must not contain a fragment")
	ErrRedirectPlainHTTP   = errors.New("plain http is only allowed for loopback addresses")
	ErrRedirectScheme      = errors.New("must use https, http on a loopback address, or (public clients) a private-use scheme such as com.example.app:/callback")
	ErrRedirectPrivateUse  = errors.New("a private-use scheme is only for public clients (native apps)")
	ErrRedirectAuthority   = errors.New("a private-use redirect URI has a single slash after the scheme, as in com.example.app:/callback")
)

// reverseDNSScheme is a private-use URI scheme as RFC 8252 §7.1 wants it:
// a reverse domain name (at least one dot) of labels starting with a
// letter or digit. Schemes without a dot (javascript, data, file, myapp)
// never match.
var reverseDNSScheme = regexp.MustCompile(`^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$`)

// CheckRedirectURI reports why raw cannot be a redirect (or post-logout
// redirect) URI of a client; nil when it can be:
//   - absolute, without a fragment (RFC 6749 §3.1.2);
//   - https, or plain http on a loopback address (RFC 8252 §7.3; also
//     development);
//   - for public clients only, a private-use scheme (RFC 8252 §7.1): a
//     reverse domain name with at least one dot and a single slash after
//     it ("com.example.app:/oauth2redirect"). A confidential client is a
//     server: it has no such scheme.
func CheckRedirectURI(raw string, public bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return ErrRedirectNotAbsolute
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return ErrRedirectFragment
	}
	switch {
	case u.Scheme == "https" || u.Scheme == "http":
		return checkWebRedirect(u)
	case !reverseDNSScheme.MatchString(u.Scheme):
		return ErrRedirectScheme
	case !public:
		return ErrRedirectPrivateUse
	case u.Opaque != "" || u.Host != "" || strings.HasPrefix(raw[len(u.Scheme)+1:], "//") || !strings.HasPrefix(u.Path, "/"):
		return ErrRedirectAuthority
	}
	return nil
}

func checkWebRedirect(u *url.URL) error {
	switch {
	case u.Host == "":
		return ErrRedirectNotAbsolute
	case u.Scheme == "http" && !isLoopbackHost(u.Hostname()):
		return ErrRedirectPlainHTTP
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// IsPrivateUseRedirect reports whether raw is a valid private-use redirect
// URI of a public client (a native app).
func IsPrivateUseRedirect(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme != "http" && u.Scheme != "https" && CheckRedirectURI(raw, true) == nil
}

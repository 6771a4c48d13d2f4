package admin_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/admit-idp/admit/storage/admin"
)

// TestFrontchannelLogoutURIMustShareARedirectOrigin: Front-Channel Logout
// 1.0 §2 — the front-channel logout URI has the scheme, host and port of a
// registered redirect URI; the OP frames it with the user's iss and sid.
func TestFrontchannelLogoutURIMustShareARedirectOrigin(t *testing.T) {
	redirects := []string{"https://shop.example.com/callback", "http://127.0.0.1:5555/cb"}
	for _, tc := range []struct {
		uri string
		ok  bool
	}{
		{"https://shop.example.com/fc-logout", true},
		{"https://shop.example.com:443/fc-logout?x=1", true}, // the default port, spelt out
		{"https://SHOP.example.com/fc", true},                // host names are case-insensitive
		{"http://127.0.0.1:5555/fc", true},
		{"https://evil.example.com/fc-logout", false}, // another host
		{"https://shop.example.com:8443/fc", false},   // another port
		{"http://shop.example.com/fc", false},         // another scheme (and not loopback)
		{"http://127.0.0.1:5556/fc", false},           // loopback, another port
		{"https://sub.shop.example.com/fc", false},    // a subdomain is another host
	} {
		t.Run(tc.uri, func(t *testing.T) {
			spec := admin.ClientSpec{ID: "fc-app", RedirectURIs: redirects, Grants: []string{"authorization_code"},
				Scopes: []string{"openid"}, FrontchannelLogoutURI: tc.uri}
			err := spec.Validate()
			if tc.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if tc.ok {
				return
			}
			var v *admin.ValidationError
			if !errors.As(err, &v) || !slices.ContainsFunc(v.Errors, func(f admin.FieldError) bool {
				return f.Field == "frontchannel_logout_uri" && strings.Contains(f.Detail, "§2")
			}) {
				t.Fatalf("accepted, or refused for another reason: %v", err)
			}
		})
	}
}

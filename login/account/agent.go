package account

import (
	"context"
	"sync"

	useragent "github.com/medama-io/go-useragent"
	"github.com/medama-io/go-useragent/agents"

	"github.com/admit-idp/admit/templates/i18n"
)

var (
	parserOnce sync.Once
	parser     *useragent.Parser
)

// uaParser builds the user-agent parser once: it loads its trie from an
// embedded file, which is too slow to do per request.
func uaParser() *useragent.Parser {
	parserOnce.Do(func() { parser = useragent.NewParser() })
	return parser
}

// DeviceName is the human name of a browser for the account pages and
// mails: "Chrome on Windows", "Safari on iPhone", in the locale of ctx.
// location is appended ("Chrome on Windows, Berlin") when Admit knows it
// (today it never does: there is no IP geolocation). The raw user-agent
// string is never shown: it means nothing to people and can carry
// identifiers.
func DeviceName(ctx context.Context, ua, location string) string {
	var name string
	if ua == "" {
		name = i18n.T(ctx, "account.device.unknown")
	} else {
		a := uaParser().Parse(ua)
		browser := string(a.Browser())
		if browser == "" {
			browser = i18n.T(ctx, "account.device.unknown_browser")
		}
		name = i18n.T(ctx, "account.device.name", "Browser", browser, "System", systemName(ctx, a))
	}
	if location != "" {
		return i18n.T(ctx, "account.device.with_location", "Device", name, "Location", location)
	}
	return name
}

// systemName names the operating system the way people know it: an
// iPhone or iPad rather than "iOS", "macOS" rather than the parser's
// "MacOS".
func systemName(ctx context.Context, a useragent.UserAgent) string {
	switch a.OS() {
	case agents.OSIOS:
		if a.Device() == agents.DeviceTablet {
			return "iPad"
		}
		return "iPhone"
	case agents.OSMacOS:
		return "macOS"
	case "":
		return i18n.T(ctx, "account.device.unknown_system")
	}
	return string(a.OS())
}

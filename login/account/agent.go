package account

import (
	"context"
	"sync"
	"time"

	useragent "github.com/medama-io/go-useragent"
	"github.com/medama-io/go-useragent/agents"

	"github.com/admit-idp/admit/templates/i18n"
)

// parserKeep is how long the user-agent parser is kept after its last
// use. Its trie is 5.2 MB of heap, 40 % of an idle server's, and building
// it from its embedded file costs about 47 ms of CPU: kept while names
// are asked for (a sign-in from a new device, the account's device and
// session lists), dropped after a quiet minute, built again on the next
// use.
const parserKeep = time.Minute

var ua struct {
	mu     sync.Mutex
	parser *useragent.Parser
	built  int // parsers built (tests)
	drop   *time.Timer
}

// uaParser returns the user-agent parser, building it if it was dropped,
// and keeps it for parserKeep more.
func uaParser() *useragent.Parser {
	ua.mu.Lock()
	defer ua.mu.Unlock()
	if ua.parser == nil {
		ua.parser = useragent.NewParser()
		ua.built++
	}
	if ua.drop == nil {
		ua.drop = time.AfterFunc(parserKeep, dropParser)
	} else {
		ua.drop.Reset(parserKeep)
	}
	return ua.parser
}

// dropParser lets the collector have the parser; a caller still parsing
// keeps its own reference until it is done.
func dropParser() {
	ua.mu.Lock()
	defer ua.mu.Unlock()
	ua.parser = nil
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

package selfservice

import "strings"

// describeAgent turns a User-Agent into "Firefox on Linux". It is a
// deliberately small table: the result is a hint for the user, not data.
func describeAgent(ua string) string {
	if ua == "" {
		return "Unknown device"
	}
	return first(ua, browsers, "Unknown browser") + " on " + first(ua, systems, "an unknown system")
}

type pattern struct{ needle, name string }

// Order matters: Edge and Opera say "Chrome", Chrome says "Safari".
var browsers = []pattern{
	{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chromium/", "Chromium"},
	{"HeadlessChrome/", "Headless Chrome"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"},
	{"curl/", "curl"}, {"Go-http-client", "Go HTTP client"},
}

var systems = []pattern{
	{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Windows", "Windows"},
	{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
}

func first(ua string, list []pattern, fallback string) string {
	for _, p := range list {
		if strings.Contains(ua, p.needle) {
			return p.name
		}
	}
	return fallback
}

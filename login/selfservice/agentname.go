package selfservice

import "github.com/admit-idp/admit/templates/i18n"

// AgentName is a User-Agent as words in l's language ("Firefox on
// Linux"), for mails: never the raw header.
func AgentName(l *i18n.Locale, ua string) string {
	if ua == "" {
		return l.T("mail.agent.unknown_device")
	}
	return l.T("mail.agent.on", "Browser", first(ua, browsers, l.T("mail.agent.unknown_browser")),
		"System", first(ua, systems, l.T("mail.agent.unknown_system")))
}

// Package i18n chooses the language of a hosted page or mail and looks up
// its user-visible text in message catalogs.
//
// The catalogs are TOML files under locales/, one per area and language,
// named <area>.<lang>.toml (go-i18n reads the language from the name). English
// is the source language: every message id exists in English, and the
// catalog completeness test fails when another language lacks one.
//
// The flow: a middleware (or a mail sender) picks a Locale with Negotiate —
// ui_locales from the authorization request first, then the user's saved
// preference, then Accept-Language, then the tenant's default — and stores it
// in the request context with WithLocale. Components and handlers then call
// T(ctx, id, args...) for text, and Locale.Lang/Dir for <html lang dir>.
package i18n

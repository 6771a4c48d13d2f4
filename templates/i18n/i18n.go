package i18n

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.toml
var localeFiles embed.FS

// Supported lists the languages Admit ships, English (the fallback) first.
// Discovery advertises them as ui_locales_supported.
var Supported = []language.Tag{language.English, language.German, language.French, language.Spanish, language.Arabic}

// rtl holds the base languages written right to left.
var rtl = map[string]bool{"ar": true, "he": true, "fa": true, "ur": true}

var matcher = language.NewMatcher(Supported)

// catalogsParsed counts the catalog files parsed, so the tests can check that
// a language's catalogs are read only when a request first needs it.
var catalogsParsed atomic.Int64

var unmarshalers = map[string]goi18n.UnmarshalFunc{"toml": toml.Unmarshal}

// parseCatalogs parses the embedded catalogs of one language
// (locales/*.<lang>.toml).
func parseCatalogs(lang string) ([]*goi18n.Message, error) {
	names, _ := fs.Glob(localeFiles, "locales/*."+lang+".toml")
	if len(names) == 0 {
		return nil, fmt.Errorf("i18n: no catalogs for %s", lang)
	}
	var msgs []*goi18n.Message
	for _, name := range names {
		raw, err := localeFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("i18n: catalog %s: %w", name, err)
		}
		mf, err := goi18n.ParseMessageFileBytes(raw, name, unmarshalers)
		if err != nil {
			return nil, fmt.Errorf("i18n: catalog %s: %w", name, err)
		}
		catalogsParsed.Add(1)
		msgs = append(msgs, mf.Messages...)
	}
	return msgs, nil
}

// englishMessages are parsed once and shared by every language's bundle (as
// the fallback) and by Has. A catalog that does not parse is a build defect,
// caught by the tests.
var englishMessages = sync.OnceValue(func() []*goi18n.Message {
	msgs, err := parseCatalogs(language.English.String())
	if err != nil {
		panic(err)
	}
	return msgs
})

// newBundle returns a bundle holding English and tag's messages. Each
// language has its own bundle, built on its first use: a go-i18n bundle
// must not be modified while localizers read it, so languages cannot be
// added lazily to one shared bundle, and parsing every catalog up front kept
// all five languages on the heap of a process that may only ever serve one.
func newBundle(tag language.Tag) (*goi18n.Bundle, error) {
	b := goi18n.NewBundle(language.English)
	if err := b.AddMessages(language.English, englishMessages()...); err != nil {
		return nil, err
	}
	if tag != language.English {
		msgs, err := parseCatalogs(tag.String())
		if err != nil {
			return nil, err
		}
		if err := b.AddMessages(tag, msgs...); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", tag, err)
		}
	}
	return b, nil
}

// Locale is the language chosen for one request or mail.
type Locale struct {
	tag language.Tag
	// localizer builds the language's bundle on the first lookup; after
	// that a call is an atomic load.
	localizer func() *goi18n.Localizer
}

// English is the fallback locale.
var English = newLocale(language.English)

// newLocale returns the locale for tag (one of Supported) without reading
// its catalogs yet.
func newLocale(tag language.Tag) *Locale {
	return &Locale{tag: tag, localizer: sync.OnceValue(func() *goi18n.Localizer {
		b, err := newBundle(tag)
		if err != nil {
			panic(err)
		}
		return goi18n.NewLocalizer(b, tag.String())
	})}
}

// locales holds one Locale (and so one bundle) per language; English is
// the fallback Locale itself, so it is not built twice.
var locales = func() *sync.Map {
	m := new(sync.Map) // language tag string → *Locale
	m.Store(English.tag.String(), English)
	return m
}()

// ForTag returns the supported locale closest to tag.
func ForTag(tag language.Tag) *Locale {
	_, i, _ := matcher.Match(tag)
	want := Supported[i]
	if l, ok := locales.Load(want.String()); ok {
		return l.(*Locale)
	}
	l, _ := locales.LoadOrStore(want.String(), newLocale(want))
	return l.(*Locale)
}

// Negotiate picks the locale from the sources in the order OpenID Connect
// Core §3.1.2.1 (ui_locales) and RFC 9110 §12.5.4 (Accept-Language) suggest:
// the request's ui_locales (space-separated BCP 47 tags, in preference
// order), the user's saved preference, Accept-Language, then the tenant's
// default. The first source naming a supported language wins.
func Negotiate(uiLocales, saved, acceptLanguage, tenantDefault string) *Locale {
	for _, tags := range [][]language.Tag{
		parseList(strings.Fields(uiLocales)),
		parseList([]string{saved}),
		parseAccept(acceptLanguage),
		parseList([]string{tenantDefault}),
	} {
		if l := firstSupported(tags); l != nil {
			return l
		}
	}
	return English
}

func parseList(raw []string) []language.Tag {
	var tags []language.Tag
	for _, s := range raw {
		if s == "" {
			continue
		}
		if t, err := language.Parse(s); err == nil {
			tags = append(tags, t)
		}
	}
	return tags
}

func parseAccept(h string) []language.Tag {
	if h == "" {
		return nil
	}
	tags, _, err := language.ParseAcceptLanguage(h)
	if err != nil {
		return nil
	}
	return tags
}

// firstSupported returns the locale of the first tag whose base language
// Admit ships, or nil.
func firstSupported(tags []language.Tag) *Locale {
	for _, t := range tags {
		base, _ := t.Base()
		for _, s := range Supported {
			if sb, _ := s.Base(); sb == base {
				return ForTag(s)
			}
		}
	}
	return nil
}

// Lang is the BCP 47 tag for <html lang>.
func (l *Locale) Lang() string { return l.tag.String() }

// Tag is the locale's language tag (for dates and numbers).
func (l *Locale) Tag() language.Tag { return l.tag }

// Dir is "rtl" for right-to-left languages and "ltr" otherwise, for <html dir>.
func (l *Locale) Dir() string {
	base, _ := l.tag.Base()
	if rtl[base.String()] {
		return "rtl"
	}
	return "ltr"
}

// T returns the message id in this locale with its template data filled in.
// args are name/value pairs ("Name", "Ada"); a "Count" pair selects the plural
// form. A missing message falls back to English; a message missing in
// English too is a defect: it is logged and the id is shown.
func (l *Locale) T(id string, args ...any) string {
	cfg := &goi18n.LocalizeConfig{MessageID: id}
	if len(args) > 0 {
		data := make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			k, _ := args[i].(string)
			data[k] = args[i+1]
			if k == "Count" {
				cfg.PluralCount = args[i+1]
			}
		}
		cfg.TemplateData = data
	}
	s, err := l.localizer().Localize(cfg)
	if err != nil && s == "" {
		slog.Error("i18n: message missing", "id", id, "lang", l.Lang(), "err", err)
		return id
	}
	return s
}

type ctxKey struct{}

// WithLocale returns ctx carrying l.
func WithLocale(ctx context.Context, l *Locale) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// From returns the locale in ctx, English when none was set.
func From(ctx context.Context) *Locale {
	if l, ok := ctx.Value(ctxKey{}).(*Locale); ok && l != nil {
		return l
	}
	return English
}

// T looks id up in the locale carried by ctx.
func T(ctx context.Context, id string, args ...any) string { return From(ctx).T(id, args...) }

// englishIDs is the set of the English catalog's message ids (the source:
// every message exists there).
var englishIDs = sync.OnceValue(func() map[string]bool {
	ids := map[string]bool{}
	for _, m := range englishMessages() {
		ids[m.ID] = true
	}
	return ids
})

// Has reports whether id is a message of the English catalog.
func Has(id string) bool { return englishIDs()[id] }

// Text is what a page shows for s: the message s in ctx's locale when s is
// a message id, otherwise s itself (a name, an address, or text a handler
// already translated with T). Page fields that take either (a view's Title,
// Message, Error) render through Text, so handlers name their messages by
// id without translating each one.
func Text(ctx context.Context, s string) string {
	if s == "" || !Has(s) {
		return s
	}
	return T(ctx, s)
}

// IsSupported reports whether tag names a language Admit ships (its base
// language; "de-CH" is German).
func IsSupported(tag string) bool {
	t, err := language.Parse(tag)
	return err == nil && firstSupported([]language.Tag{t}) != nil
}

// SupportedLangs lists the shipped languages' tags ("en", "de", …).
func SupportedLangs() []string {
	out := make([]string, len(Supported))
	for i, t := range Supported {
		out[i] = t.String()
	}
	return out
}

package selfservice

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/ccojocar/zxcvbn-go/data"

	"github.com/admit-idp/admit/templates/i18n"
)

// Policy is the password policy of NIST SP 800-63B §5.1.1.2: a minimum and
// a generous maximum length, no composition rules, and a blocklist of
// common passwords. The blocklist is the "Passwords" frequency list that
// zxcvbn ships (compiled into the binary, never downloaded), cut to the
// most common BlocklistSize entries. It is read from zxcvbn's data package,
// not its frequency package: that one decodes every word list (names,
// English, surnames: 10 MB on the heap for the process's life) in its
// init, where the policy needs only this one.
//
// The same rules run in the browser while the user types
// (static/password.js, fed by ServeRules): Problem is the one definition,
// the script mirrors it.
type Policy struct {
	MinLength int
	MaxLength int
}

// blocklist is the common-password list, lowercased: a set for Problem and
// the list, most common first, for the browser's rules.
type blocklist struct {
	set  map[string]struct{}
	list []string
}

// blocklistsDecoded counts decodings of the list, for the test that it is
// decoded on first use only.
var blocklistsDecoded atomic.Int32

// commonBlocklist decodes the blocklist on its first use (a sign-up, a
// password change or reset, the rules a password form fetches), not when
// the policy is built at start: it is 0.5 MB on the heap, and a node that
// only signs people in never needs it. Every policy shares it; the lengths
// do not change it.
var commonBlocklist = sync.OnceValue(func() *blocklist {
	blocklistsDecoded.Add(1)
	list := commonPasswords()
	if len(list) > BlocklistSize {
		list = list[:BlocklistSize]
	}
	b := &blocklist{set: make(map[string]struct{}, len(list))}
	for _, w := range list {
		w = strings.ToLower(w)
		if _, dup := b.set[w]; !dup {
			b.set[w] = struct{}{}
			b.list = append(b.list, w)
		}
	}
	return b
})

// BlocklistSize is how many of the most common passwords are refused.
const BlocklistSize = 10000

// NewPolicy returns the policy; min 0 means 8, max 0 means 128.
func NewPolicy(minLength, maxLength int) *Policy {
	if minLength <= 0 {
		minLength = 8
	}
	if maxLength <= 0 {
		maxLength = 128
	}
	return &Policy{MinLength: minLength, MaxLength: maxLength}
}

// commonPasswords decodes zxcvbn's "Passwords" frequency list, most common
// first. The list is compiled into the binary, so failing to read it is a
// broken build, not a runtime condition.
func commonPasswords() []string {
	raw, err := data.Asset("data/Passwords.json")
	if err != nil {
		panic("selfservice: zxcvbn's password list: " + err.Error())
	}
	var l struct{ List []string }
	if err := json.Unmarshal(raw, &l); err != nil || len(l.List) == 0 {
		panic(fmt.Sprintf("selfservice: zxcvbn's password list: %v (%d entries)", err, len(l.List)))
	}
	return l.List
}

// The problems Problem reports; static/password.js uses the same codes.
const (
	ProblemTooShort = "too_short"
	ProblemTooLong  = "too_long"
	ProblemCommon   = "common"
	ProblemPattern  = "pattern"
	ProblemEmail    = "email"
)

// Problem returns the code of what is wrong with pw for the account with
// the given e-mail, or "" if it is acceptable. Length counts characters,
// not bytes (SP 800-63B: every printable character and space is allowed).
func (p *Policy) Problem(pw, email string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < p.MinLength:
		return ProblemTooShort
	case n > p.MaxLength:
		return ProblemTooLong
	case p.common(pw):
		return ProblemCommon
	case repetitive(pw):
		return ProblemPattern
	case email != "" && containsLocalPart(pw, email):
		return ProblemEmail
	}
	return ""
}

// Message is the problem code in the locale of ctx ("" for none).
func (p *Policy) Message(ctx context.Context, code string) string {
	if code == "" {
		return ""
	}
	return i18n.T(ctx, "pages.password."+code, "Min", p.MinLength, "Max", p.MaxLength)
}

// Check returns what is wrong with pw, in English, or "" if it is
// acceptable (for the admin API and the operator commands).
func (p *Policy) Check(pw, email string) string {
	return p.Message(context.Background(), p.Problem(pw, email))
}

// CheckIn is Check in the locale of ctx (the hosted pages).
func (p *Policy) CheckIn(ctx context.Context, pw, email string) string {
	return p.Message(ctx, p.Problem(pw, email))
}

func (p *Policy) common(pw string) bool {
	_, ok := commonBlocklist().set[strings.ToLower(pw)]
	return ok
}

// repetitive catches "aaaaaaaa", "12345678" and "abcdefgh" shapes that a
// frequency list does not enumerate at every length.
func repetitive(pw string) bool {
	r := []rune(pw)
	same, up, down := true, true, true
	for i := 1; i < len(r); i++ {
		same = same && r[i] == r[0]
		up = up && r[i] == r[i-1]+1
		down = down && r[i] == r[i-1]-1
	}
	return len(r) > 1 && (same || up || down)
}

func containsLocalPart(pw, email string) bool {
	local, _, _ := strings.Cut(email, "@")
	return len(local) >= 4 && strings.Contains(strings.ToLower(pw), strings.ToLower(local))
}

// Rules is what static/password.js needs to check a new password as it is
// typed: the lengths, the blocklist and the messages in the page's
// language.
type Rules struct {
	Min      int               `json:"min"`
	Max      int               `json:"max"`
	Blocked  []string          `json:"blocked"`
	Messages map[string]string `json:"messages"`
}

var rulesCache sync.Map // lang → Rules

// RulesFor returns the rules with messages in the locale l.
func (p *Policy) RulesFor(l *i18n.Locale) Rules {
	key := l.Lang()
	if r, ok := rulesCache.Load(key); ok && r.(Rules).Min == p.MinLength && r.(Rules).Max == p.MaxLength {
		return r.(Rules)
	}
	ctx := i18n.WithLocale(context.Background(), l)
	r := Rules{Min: p.MinLength, Max: p.MaxLength, Blocked: commonBlocklist().list, Messages: map[string]string{}}
	for _, c := range []string{ProblemTooShort, ProblemTooLong, ProblemCommon, ProblemPattern, ProblemEmail} {
		r.Messages[c] = p.Message(ctx, c)
	}
	for _, s := range []string{"1", "2", "3", "4"} {
		r.Messages["strength_"+s] = i18n.T(ctx, "pages.password.strength_"+s)
	}
	rulesCache.Store(key, r)
	return r
}

// ServeRules answers GET /login/password-rules?lang=de: the rules as JSON,
// from Admit's own origin (the CSP allows no other), cacheable for an
// hour like the static assets.
func (p *Policy) ServeRules(w http.ResponseWriter, r *http.Request) {
	l := i18n.Negotiate(r.URL.Query().Get("lang"), "", r.Header.Get("Accept-Language"), "")
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("Vary", "Accept-Language")
	_ = json.NewEncoder(w).Encode(p.RulesFor(l))
}

package selfservice

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/ccojocar/zxcvbn-go/frequency"

	"github.com/admit-idp/admit/templates/i18n"
)

// Policy is the password policy of NIST SP 800-63B §5.1.1.2: a minimum and
// a generous maximum length, no composition rules, and a blocklist of
// common passwords. The blocklist is the "Passwords" frequency list that
// zxcvbn ships (compiled into the binary, never downloaded), cut to the
// most common BlocklistSize entries.
type Policy struct {
	MinLength int
	MaxLength int
	blocked   map[string]struct{}
}

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
	list := frequency.Lists["Passwords"].List
	if len(list) > BlocklistSize {
		list = list[:BlocklistSize]
	}
	p := &Policy{MinLength: minLength, MaxLength: maxLength, blocked: make(map[string]struct{}, len(list))}
	for _, w := range list {
		p.blocked[strings.ToLower(w)] = struct{}{}
	}
	return p
}

// Check returns what is wrong with pw for the account with the given
// e-mail, or "" if it is acceptable. Length counts characters, not bytes
// (SP 800-63B: every printable character and space is allowed).
func (p *Policy) Check(ctx context.Context, pw, email string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < p.MinLength:
		return i18n.T(ctx, "signup.pw.too_short", "Min", p.MinLength)
	case n > p.MaxLength:
		return i18n.T(ctx, "signup.pw.too_long", "Max", p.MaxLength)
	case p.common(pw):
		return i18n.T(ctx, "signup.pw.common")
	case repetitive(pw):
		return i18n.T(ctx, "signup.pw.pattern")
	case email != "" && containsLocalPart(pw, email):
		return i18n.T(ctx, "signup.pw.email")
	}
	return ""
}

func (p *Policy) common(pw string) bool {
	_, ok := p.blocked[strings.ToLower(pw)]
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
	return len(local) >= 4 && strings.Contains(strings.ToLower(pw), local)
}

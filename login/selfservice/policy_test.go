package selfservice

import (
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/admit-idp/admit/templates/i18n"
)

func TestPolicy(t *testing.T) {
	p := NewPolicy(8, 64)
	for _, tc := range []struct{ pw, email, want string }{
		{"short", "", "at least 8"},
		{strings.Repeat("x", 65) + "y", "", "at most 64"},
		{"password", "", "too common"},
		{"Password", "", "too common"},
		{"qwertyuiop", "", "too common"},
		{"aaaaaaaaaa", "", "pattern"},
		{"abcdefghij", "", "pattern"},
		{"9 lives of a cat", "", ""},
		{"xx-adalovelace-xx", "adalovelace@example.com", "e-mail"},
		{"correct horse battery staple", "", ""},
		{"ünïcödé pässwörd", "", ""},
	} {
		got := p.Check(tc.pw, tc.email)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("Check(%q) = %q, want %q", tc.pw, got, tc.want)
		}
	}
	if len(commonBlocklist().set) < 5000 {
		t.Fatalf("blocklist has only %d entries", len(commonBlocklist().set))
	}
}

func TestMemoryLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := &MemoryLimiter{Now: func() time.Time { return now }}
	ctx := context.Background()
	for i := range 3 {
		if !l.Allow(ctx, "k", 3, time.Hour) {
			t.Fatalf("event %d refused", i)
		}
	}
	if l.Allow(ctx, "k", 3, time.Hour) || !l.Allow(ctx, "other", 3, time.Hour) {
		t.Fatal("the limit is not per key")
	}
	now = now.Add(time.Hour)
	if !l.Allow(ctx, "k", 3, time.Hour) {
		t.Fatal("the window did not reset")
	}
}

// TestPolicyProblemsAreLocalised: the same rule gives a code and a
// message in the page's language (static/password.js shows the same
// messages from /login/password-rules).
func TestPolicyProblemsAreLocalised(t *testing.T) {
	p := NewPolicy(8, 64)
	de := i18n.WithLocale(context.Background(), i18n.Negotiate("de", "", "", ""))
	if got := p.Problem("password", ""); got != ProblemCommon {
		t.Fatalf("Problem(password) = %q", got)
	}
	if got := p.CheckIn(de, "kurz", ""); got != "Verwenden Sie mindestens 8 Zeichen." {
		t.Fatalf("German too-short message = %q", got)
	}
	r := p.RulesFor(i18n.ForTag(language.French))
	if r.Min != 8 || r.Max != 64 || len(r.Blocked) < 5000 || !strings.Contains(r.Messages[ProblemCommon], "trop courant") || r.Messages["strength_4"] == "" {
		t.Fatalf("rules: min %d max %d, %d blocked, messages %v", r.Min, r.Max, len(r.Blocked), r.Messages)
	}
}

func TestE164(t *testing.T) {
	for in, ok := range map[string]bool{"+44 20 7946 0000": true, "+1 (555) 010-9999": true, "0207946000": false, "+0123456789": false, "+12": false} {
		if got := e164.MatchString(normalisePhone(in)); got != ok {
			t.Errorf("%q: %v, want %v", in, got, ok)
		}
	}
}

func TestCheckPersonal(t *testing.T) {
	long := strings.Repeat("é", maxNameRunes+1)
	tests := []struct {
		name, given, family, phone string
		wantFields                 []string
	}{
		{"valid", "Ada", "Lovelace", "+442079460000", nil},
		{"missing names", "", "", "", []string{"given_name", "family_name"}},
		{"too long", long, "Lovelace", "", []string{"given_name"}},
		{"longest allowed", strings.Repeat("é", maxNameRunes), "L", "", nil},
		{"bad phone", "Ada", "Lovelace", "0207", []string{"phone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := map[string]string{}
			checkPersonal(context.Background(), errs, tt.given, tt.family, tt.phone)
			if len(errs) != len(tt.wantFields) {
				t.Fatalf("errors %v, want fields %v", errs, tt.wantFields)
			}
			for _, f := range tt.wantFields {
				if errs[f] == "" {
					t.Errorf("no error for %s: %v", f, errs)
				}
			}
		})
	}
}

// TestBlocklistIsZxcvbnsPasswordList: the blocklist is zxcvbn's password
// list cut to BlocklistSize, most common first, read without its frequency
// package (whose init decodes every other list too).
func TestBlocklistIsZxcvbnsPasswordList(t *testing.T) {
	p := NewPolicy(0, 0)
	list := commonBlocklist().list
	// zxcvbn's list holds 7,141 passwords (fewer than BlocklistSize).
	if len(list) < 7000 || len(list) > BlocklistSize || list[0] != "password" {
		t.Fatalf("blocklist: %d entries starting %q; want 7,000 to %d starting \"password\"", len(list), list[:min(3, len(list))], BlocklistSize)
	}
	if p.Problem(list[len(list)-1], "") != ProblemCommon && len(list[len(list)-1]) >= p.MinLength {
		t.Errorf("the least common blocked password %q is accepted", list[len(list)-1])
	}
}

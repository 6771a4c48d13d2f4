package selfservice

import (
	"context"
	"strings"
	"testing"
	"time"
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
		got := p.Check(context.Background(), tc.pw, tc.email)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("Check(%q) = %q, want %q", tc.pw, got, tc.want)
		}
	}
	if len(p.blocked) < 5000 {
		t.Fatalf("blocklist has only %d entries", len(p.blocked))
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

func TestDescribeAgent(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0":                                                    "Firefox on Linux",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36 Edg/130.0":     "Edge on Windows",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/604.1": "Safari on iPhone",
		"Go-http-client/1.1": "Go HTTP client on an unknown system",
		"":                   "Unknown device",
	} {
		if got := describeAgent(ua); got != want {
			t.Errorf("describeAgent(%q) = %q, want %q", ua, got, want)
		}
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

package signed

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

var root = bytes.Repeat([]byte{7}, MinRootKey)

func newSigner(t *testing.T, key []byte, purpose string, c *clock) *Signer {
	t.Helper()
	s, err := New(key, purpose, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// flip changes one character of the part'th dot-separated segment.
func flip(token string, part int) string {
	parts := strings.Split(token, ".")
	seg := []byte(parts[part])
	i := len(seg) / 2
	if seg[i] == 'A' {
		seg[i] = 'B'
	} else {
		seg[i] = 'A'
	}
	parts[part] = string(seg)
	return strings.Join(parts, ".")
}

func TestVerify(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	s := newSigner(t, root, "unlock", c)
	other := newSigner(t, root, "device", c)
	otherRoot := newSigner(t, bytes.Repeat([]byte{8}, MinRootKey), "unlock", c)
	good := s.Sign([]byte("ada@example.com"), time.Hour)

	tests := []struct {
		name    string
		signer  *Signer
		token   string
		advance time.Duration
		want    error
	}{
		{"genuine", s, good, 0, nil},
		{"genuine just before expiry", s, good, time.Hour - time.Second, nil},
		{"expired at the expiry second", s, good, time.Hour, ErrExpired},
		{"expired later", s, good, 48 * time.Hour, ErrExpired},
		{"wrong purpose", other, good, 0, ErrInvalid},
		{"wrong root key", otherRoot, good, 0, ErrInvalid},
		{"payload tampered", s, flip(good, 1), 0, ErrInvalid},
		{"tag tampered", s, flip(good, 2), 0, ErrInvalid},
		{"extended expiry", s, s.Sign([]byte("x"), time.Hour)[:3] + strings.Split(s.Sign([]byte("ada@example.com"), 2*time.Hour), ".")[1] + "." + strings.Split(good, ".")[2], 0, ErrInvalid},
		{"unknown version", s, "v2" + good[2:], 0, ErrInvalid},
		{"no version", s, good[3:], 0, ErrInvalid},
		{"trailing character", s, good + "x", 0, ErrInvalid},
		{"extra segment", s, good + ".AAAA", 0, ErrInvalid},
		{"not base64", s, "v1.!!!!.????", 0, ErrInvalid},
		{"empty", s, "", 0, ErrInvalid},
		{"body shorter than the expiry", s, "v1.AAAA." + strings.Split(good, ".")[2], 0, ErrInvalid},
		{"detached signature as a token", s, s.SignDetached([]byte("ada@example.com"), time.Hour), 0, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			saved := c.t
			defer func() { c.t = saved }()
			c.t = c.t.Add(tt.advance)
			payload, err := tt.signer.Verify(tt.token)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify: %v, want %v", err, tt.want)
			}
			if tt.want == nil && string(payload) != "ada@example.com" {
				t.Fatalf("payload %q", payload)
			}
			if tt.want != nil && payload != nil {
				t.Fatalf("payload %q returned with an error", payload)
			}
		})
	}
}

func TestVerifyDetached(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	s := newSigner(t, root, "logout", c)
	other := newSigner(t, root, "unlock", c)
	to := []byte("https://app.example.com/bye?state=s")
	sig := s.SignDetached(to, 10*time.Minute)

	tests := []struct {
		name    string
		signer  *Signer
		payload []byte
		sig     string
		advance time.Duration
		want    error
	}{
		{"genuine", s, to, sig, 0, nil},
		{"empty payload", s, nil, s.SignDetached(nil, time.Minute), 0, nil},
		{"other payload", s, []byte("https://evil.example/"), sig, 0, ErrInvalid},
		{"payload with a suffix", s, append(bytes.Clone(to), '#'), sig, 0, ErrInvalid},
		{"wrong purpose", other, to, sig, 0, ErrInvalid},
		{"expired", s, to, sig, 10 * time.Minute, ErrExpired},
		{"expiry tampered", s, to, flip(sig, 1), 0, ErrInvalid},
		{"tag tampered", s, to, flip(sig, 2), 0, ErrInvalid},
		{"attached token as a signature", s, to, s.Sign(to, time.Minute), 0, ErrInvalid},
		{"forged", s, to, "forged", 0, ErrInvalid},
		{"empty", s, to, "", 0, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			saved := c.t
			defer func() { c.t = saved }()
			c.t = c.t.Add(tt.advance)
			if err := tt.signer.VerifyDetached(tt.payload, tt.sig); !errors.Is(err, tt.want) {
				t.Fatalf("VerifyDetached: %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSignUntilUsesTheGivenExpiry(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	s := newSigner(t, root, "unlock", c)
	tok := s.SignUntil([]byte("p"), c.t.Add(15*time.Minute))
	c.t = c.t.Add(15*time.Minute - time.Second)
	if _, err := s.Verify(tok); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	c.t = c.t.Add(time.Second)
	if _, err := s.Verify(tok); !errors.Is(err, ErrExpired) {
		t.Fatalf("at expiry: %v", err)
	}
}

func TestTokensAreURLSafeAndVersioned(t *testing.T) {
	s, err := New(root, "handoff", nil) // nil clock: time.Now
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{s.Sign([]byte("a:b/c?d=e&f g"), time.Minute), s.SignDetached([]byte("x"), time.Minute)} {
		if !strings.HasPrefix(tok, "v1.") || strings.Count(tok, ".") != 2 {
			t.Fatalf("token %q is not v1.<body>.<tag>", tok)
		}
		if strings.ContainsFunc(tok, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
		}) {
			t.Fatalf("token %q has characters outside base64url and '.'", tok)
		}
	}
}

func TestNewRejectsWeakKeysAndEmptyPurposes(t *testing.T) {
	if _, err := New(root[:MinRootKey-1], "p", nil); !errors.Is(err, ErrWeakKey) {
		t.Fatalf("short key: %v", err)
	}
	if _, err := New(root, "", nil); !errors.Is(err, ErrNoPurpose) {
		t.Fatalf("empty purpose: %v", err)
	}
}

func BenchmarkSignVerify(b *testing.B) {
	s, _ := New(root, "bench", nil)
	payload := []byte("ada@example.com")
	for b.Loop() {
		if _, err := s.Verify(s.Sign(payload, time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
}

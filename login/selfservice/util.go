package selfservice

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
)

func itoa(n int) string { return strconv.Itoa(n) }

// newToken returns a URL-safe 256-bit token and its stored hash.
func newToken() (value, hash string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", fmt.Errorf("accounts: random: %w", err)
	}
	value = base64.RawURLEncoding.EncodeToString(b[:])
	return value, hashToken(value), nil
}

// hashToken is the stored form of a link token: 256 random bits need no
// slow hash, and a lookup by hash is constant-time with respect to the value.
func hashToken(v string) string {
	s := sha256.Sum256([]byte(v))
	return hex.EncodeToString(s[:])
}

// e164 is the ITU-T E.164 shape: "+", a non-zero digit, up to 15 digits.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// normalisePhone strips spaces, dots, dashes and parentheses people type.
func normalisePhone(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch r {
		case ' ', '-', '.', '(', ')':
			continue
		}
		out = append(out, r)
	}
	return string(out)
}

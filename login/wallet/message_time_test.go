package wallet

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestMessageTimestampsAreStrictRFC3339: Issued At, Expiration Time and Not
// Before accept only RFC 3339 date-times (EIP-4361 "Message Format";
// RFC 3339 section 5.6), in each of the three fields.
func TestMessageTimestampsAreStrictRFC3339(t *testing.T) {
	valid := map[string]time.Time{
		"2026-03-01T10:00:00.000Z":       time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
		"2026-03-01T10:00:00Z":           time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
		"2026-03-01T10:00:00.123456789Z": time.Date(2026, 3, 1, 10, 0, 0, 123456789, time.UTC),
		"2026-03-01T12:00:00+02:00":      time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
		"2026-03-01T05:30:00-04:30":      time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
		"2026-03-01t10:00:00z":           time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), // RFC 3339 5.6 NOTE
	}
	invalid := []string{
		"0000-01-01T0:00:00Z",       // one-digit hour (the reported case)
		"2026-03-01T10:0:00Z",       // one-digit minute
		"2026-03-01T10:00:0Z",       // one-digit second
		"2026-3-01T10:00:00Z",       // one-digit month
		"2026-03-1T10:00:00Z",       // one-digit day
		"26-03-01T10:00:00Z",        // two-digit year
		"+2026-03-01T10:00:00Z",     // signed year
		"2026-03-01 10:00:00Z",      // space instead of T
		"2026-03-01T10:00:00",       // no offset
		"2026-03-01T10:00:00.Z",     // empty fraction
		"2026-03-01T10:00:00+0200",  // offset without colon
		"2026-03-01T10:00:00+2:00",  // one-digit offset hour
		"2026-03-01T10:00:00+24:00", // offset hour out of range
		"2026-03-01T10:00:00+02:60", // offset minute out of range
		"2026-13-01T10:00:00Z",      // month 13
		"2026-02-30T10:00:00Z",      // 30 February
		"2026-03-01T24:00:00Z",      // hour 24
		"2026-03-01T10:60:00Z",      // minute 60
		"2026-03-01T10:00:00ZZ",     // trailing junk
		" 2026-03-01T10:00:00Z",     // leading space
		"2026-03-01T10:00:00Z ",     // trailing space
		"２０２６-03-01T10:00:00Z",      // non-ASCII digits
	}
	base := Message{
		Chain: Ethereum, Domain: "id.example.com", Address: "0x0000000000000000000000000000000000000001",
		URI: "https://id.example.com", Version: "1", ChainID: "1", Nonce: "abcdefgh12345678",
		IssuedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
	}
	const isoBase = "2026-03-01T09:00:00.000Z"
	for _, field := range []string{"Issued At", "Expiration Time", "Not Before"} {
		text := func(ts string) string {
			m := base
			switch field {
			case "Expiration Time":
				m.ExpirationTime = base.IssuedAt
			case "Not Before":
				m.NotBefore = base.IssuedAt
			}
			// The rendered field carries isoBase; put ts in its place.
			return strings.Replace(m.String(), field+": "+isoBase, field+": "+ts, 1)
		}
		for ts, want := range valid {
			m, err := ParseMessage(text(ts))
			if err != nil {
				t.Errorf("%s: %s refused: %v", field, ts, err)
				continue
			}
			got := map[string]time.Time{"Issued At": m.IssuedAt, "Expiration Time": m.ExpirationTime, "Not Before": m.NotBefore}[field]
			if !got.Equal(want) {
				t.Errorf("%s: %s parsed as %s, want %s", field, ts, got, want)
			}
		}
		for _, ts := range invalid {
			_, err := ParseMessage(text(ts))
			if !errors.Is(err, ErrMalformed) || !errors.Is(err, ErrBadTimestamp) {
				t.Errorf("%s: %q: err = %v, want ErrMalformed and ErrBadTimestamp", field, ts, err)
			}
		}
	}
}

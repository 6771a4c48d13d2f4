package storage

import (
	"errors"
	"testing"
	"time"
)

// FuzzTimeCursor: the account page's list cursors come back in the query
// string. ParseTimeCursor never panics, refuses with ErrBadCursor only,
// and what it accepts re-encodes to a cursor that parses to the same
// position.
func FuzzTimeCursor(f *testing.F) {
	f.Add(TimeCursor(time.Date(2026, 12, 7, 12, 0, 0, 123456789, time.UTC), "s-1"))
	f.Add("2026-12-07T12:00:00Z|id|with|bars")
	f.Add("2026-12-07T12:00:00+02:00|offset")
	f.Add("|")
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, c string) {
		at, id, err := ParseTimeCursor(c)
		if err != nil {
			if !errors.Is(err, ErrBadCursor) {
				t.Fatalf("refusal %v is not ErrBadCursor", err)
			}
			return
		}
		at2, id2, err := ParseTimeCursor(TimeCursor(at, id))
		if err != nil || !at2.Equal(at) || id2 != id {
			t.Fatalf("round trip of (%s, %q): (%s, %q), %v", at, id, at2, id2, err)
		}
	})
}

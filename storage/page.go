package storage

import (
	"errors"
	"strings"
	"time"
)

// ErrBadCursor: a page cursor that no store issued (a list's After was
// edited or comes from another list). Callers show the first page instead.
var ErrBadCursor = errors.New("storage: bad page cursor")

// TimeCursor is the keyset position of an item in a list ordered by a time,
// newest first, then by ID (the account page's sessions and devices): the
// Next of such a page, and the After of the following request.
func TimeCursor(at time.Time, id string) string {
	return at.UTC().Format(time.RFC3339Nano) + "|" + id
}

// ParseTimeCursor reverses TimeCursor; ErrBadCursor if c is not one.
func ParseTimeCursor(c string) (time.Time, string, error) {
	ts, id, ok := strings.Cut(c, "|")
	if !ok || id == "" {
		return time.Time{}, "", ErrBadCursor
	}
	at, err := time.Parse(time.RFC3339Nano, ts)
	// Only the canonical form TimeCursor writes: another offset, or a time
	// whose UTC form has no RFC 3339 rendering (year 10000, found by
	// FuzzTimeCursor), was not issued by a store.
	if err != nil || at.UTC().Format(time.RFC3339Nano) != ts {
		return time.Time{}, "", ErrBadCursor
	}
	return at.UTC(), id, nil
}

// Before reports whether the item (at, id) comes after the cursor position
// (cursorAt, cursorID) in a newest-first list, that is (at, id) < (cursorAt,
// cursorID) in keyset order. The memory store pages with it; Postgres
// compares the same row values in SQL.
func Before(at time.Time, id string, cursorAt time.Time, cursorID string) bool {
	if c := at.Compare(cursorAt); c != 0 {
		return c < 0
	}
	return id < cursorID
}

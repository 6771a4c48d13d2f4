package admin

import (
	"encoding/base64"
	"strings"

	"github.com/admit-idp/admit/storage"
)

// DefaultLimit is the page size when none is asked for.
const DefaultLimit = 50

// MaxLimit is the largest page size.
const MaxLimit = storage.MaxPageSize

// Page asks for one page of a list: Cursor is the opaque Next of the
// previous page ("" for the first).
type Page struct {
	Cursor string
	Limit  int
}

// List is one page of results; Next is the cursor of the following page,
// empty on the last.
type List[T any] struct {
	Items []T
	Next  string
}

const cursorPrefix = "v1:"

// encodeCursor makes an opaque cursor of a keyset position.
func encodeCursor(pos string) string {
	if pos == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + pos))
}

func decodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(raw), cursorPrefix) || len(raw) == len(cursorPrefix) {
		return "", invalid("cursor", "cursor: not a cursor returned by this API")
	}
	return strings.TrimPrefix(string(raw), cursorPrefix), nil
}

// request validates p and returns the store's page request.
func (p Page) request() (storage.PageRequest, error) {
	var errs problems
	if p.Limit < 0 || p.Limit > MaxLimit {
		errs.add("limit", "limit: between 1 and %d", MaxLimit)
	}
	after, err := decodeCursor(p.Cursor)
	if err != nil {
		errs = append(errs, err.(*ValidationError).Errors...)
	}
	if err := errs.err(); err != nil {
		return storage.PageRequest{}, err
	}
	limit := p.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	return storage.PageRequest{After: after, Limit: limit}, nil
}

func listOf[T any](pg storage.Page[T]) List[T] {
	items := pg.Items
	if items == nil {
		items = []T{}
	}
	return List[T]{Items: items, Next: encodeCursor(pg.Next)}
}

// PageOf pages an in-memory list ordered by key (small lists: roles,
// signing keys), with the same cursors as the stored lists.
func PageOf[T any](items []T, key func(T) string, pg Page) (List[T], error) {
	req, err := pg.request()
	if err != nil {
		return List[T]{}, err
	}
	out := List[T]{Items: []T{}}
	for _, it := range items {
		if req.After != "" && key(it) <= req.After {
			continue
		}
		if len(out.Items) == req.Limit {
			out.Next = encodeCursor(key(out.Items[len(out.Items)-1]))
			break
		}
		out.Items = append(out.Items, it)
	}
	return out, nil
}

package admin

import (
	"errors"
	"testing"
)

// FuzzAdminCursor: a cursor (and limit) from the query string never panics
// the admin API's paging. A refusal is a *ValidationError naming the field
// (a 422 problem, RFC 9457), never anything else; an accepted cursor is the
// encoding of its position (encode(decode(c)) decodes to the same
// position), and an accepted page size is within 1..MaxLimit. Paging a list
// with it returns at most that many items, each after the position.
func FuzzAdminCursor(f *testing.F) {
	f.Add("", 0)
	f.Add(encodeCursor("tenant-42"), 10)
	f.Add("djE6", 50)   // "v1:" with no position
	f.Add("v1:abc", -1) // not base64
	f.Add(encodeCursor("\x00\xff"), MaxLimit+1)
	items := []string{"a", "b", "c", "d", "e"}
	f.Fuzz(func(t *testing.T, cursor string, limit int) {
		pos, err := decodeCursor(cursor)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("cursor refusal %T %v is not a ValidationError", err, err)
			}
		} else if again, err := decodeCursor(encodeCursor(pos)); err != nil || again != pos {
			t.Fatalf("round trip of position %q: %q, %v", pos, again, err)
		}
		req, err := Page{Cursor: cursor, Limit: limit}.request()
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("page refusal %T %v is not a ValidationError", err, err)
			}
			return
		}
		if req.Limit < 1 || req.Limit > MaxLimit {
			t.Fatalf("accepted page size %d", req.Limit)
		}
		list, err := PageOf(items, func(s string) string { return s }, Page{Cursor: cursor, Limit: limit})
		if err != nil {
			t.Fatalf("PageOf refused what request accepted: %v", err)
		}
		if len(list.Items) > req.Limit {
			t.Fatalf("%d items on a page of %d", len(list.Items), req.Limit)
		}
		for _, it := range list.Items {
			if req.After != "" && it <= req.After {
				t.Fatalf("item %q is not after the cursor position %q", it, req.After)
			}
		}
	})
}

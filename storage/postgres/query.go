package postgres

import (
	"strconv"
	"strings"

	"github.com/admit-idp/admit/storage"
)

// where builds the WHERE clause of a filtered list from the filter's set
// fields only, so the planner sees plain conditions (and picks the index)
// rather than "(col = $1 OR $1 IS NULL)" for every field. Conditions are
// written with ? for their parameters; add numbers them $1, $2, ...
type where struct {
	conds []string
	args  []any
}

// add appends a condition with one ? per argument.
func (w *where) add(cond string, args ...any) {
	var b strings.Builder
	for i, part := range strings.Split(cond, "?") {
		if i > 0 {
			b.WriteString(w.param(args[i-1]))
		}
		b.WriteString(part)
	}
	w.conds = append(w.conds, b.String())
}

// addIf appends the condition only when ok.
func (w *where) addIf(ok bool, cond string, args ...any) {
	if ok {
		w.add(cond, args...)
	}
}

// param binds v and returns its placeholder.
func (w *where) param(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

// clause is " WHERE c1 AND c2 ..." or "" without conditions.
func (w *where) clause() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// limit is " LIMIT $n" with n bound.
func (w *where) limit(n int) string { return " LIMIT " + w.param(n) }

// keyset adds the page's cursor ("id > after" on the given column) and
// returns the ORDER BY and LIMIT tail: one row more than the page size, so
// that page can tell whether another page follows.
func (w *where) keyset(column string, p storage.PageRequest) string {
	w.addIf(p.After != "", column+` > ?`, p.After)
	return ` ORDER BY ` + column + w.limit(p.Size()+1)
}

// page cuts the extra row keyset asked for: if it came, there is a next
// page, whose cursor is the last returned item's ID.
func page[T any](items []T, p storage.PageRequest, id func(T) string) storage.Page[T] {
	if size := p.Size(); len(items) > size {
		items = items[:size]
		return storage.Page[T]{Items: items, Next: id(items[size-1])}
	}
	return storage.Page[T]{Items: items}
}

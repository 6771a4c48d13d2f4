package postgres

import (
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// row is what pgx.Row and pgx.Rows have in common, so one scan function per
// record serves single-row and list queries alike.
type row interface {
	Scan(dest ...any) error
}

// utcTime is a scan target for a (possibly NULL) timestamptz. NULL becomes
// the zero time, which is how the model spells "not yet" (RotatedAt,
// RetiredAt...), and every time comes back in UTC rather than the process's
// local zone, so records compare equal to what was stored.
type utcTime struct{ t *time.Time }

// ScanTimestamptz implements pgtype.TimestamptzScanner.
func (u utcTime) ScanTimestamptz(v pgtype.Timestamptz) error {
	*u.t = time.Time{}
	if v.Valid {
		*u.t = v.Time.UTC()
	}
	return nil
}

// utc returns a scan target for t.
func utc(t *time.Time) utcTime { return utcTime{t} }

// optional maps the zero time to NULL, for columns where NULL means the
// moment has not come yet.
func optional(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// list maps a nil slice to an empty one: text[] columns are NOT NULL so that
// SQL readers need no COALESCE.
func list(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// nullText is a scan target for a nullable text column whose NULL the model
// spells "" (refresh_tokens.dpop_jkt).
type nullText string

// ScanText implements pgtype.TextScanner.
func (n *nullText) ScanText(v pgtype.Text) error {
	*n = ""
	if v.Valid {
		*n = nullText(v.String)
	}
	return nil
}

package account

import (
	"context"
	"time"

	"github.com/admit-idp/admit/templates/i18n"
)

// Ago is a short, human "5 minutes ago" in the locale of ctx; older than
// two days it is the date.
func Ago(ctx context.Context, now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return i18n.T(ctx, "account.time.just_now")
	case d < time.Hour:
		return i18n.T(ctx, "account.time.minutes_ago", "Count", int(d/time.Minute))
	case d < 48*time.Hour:
		return i18n.T(ctx, "account.time.hours_ago", "Count", int(d/time.Hour))
	}
	return Date(ctx, t)
}

// monthKeys are the catalog ids of the month names.
var monthKeys = [...]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// Date is t as a day in the locale of ctx ("2 Jan 2026", "2. Jan. 2026").
// golang.org/x/text has no date formatting, so the order comes from the
// catalog (account.date) and the month names from it too.
func Date(ctx context.Context, t time.Time) string {
	return i18n.T(ctx, "account.date", "Day", t.Day(), "Month", i18n.T(ctx, "account.month."+monthKeys[t.Month()-1]), "Year", t.Year())
}

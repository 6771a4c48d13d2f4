package i18n

import (
	"strconv"
	"time"
)

// Date is t's calendar date in the locale's words and order ("7 December
// 2026", "7. Dezember 2026", "7 de diciembre de 2026", "7 ديسمبر 2026"):
// the Gregorian calendar's fields from package time, the month's name and
// the order from the catalog (common.date, common.month.N). No calendar
// arithmetic of its own.
func (l *Locale) Date(t time.Time) string {
	return l.T("common.date", "Day", strconv.Itoa(t.Day()), "Month", l.T("common.month."+strconv.Itoa(int(t.Month()))),
		"Year", strconv.Itoa(t.Year()))
}

// DateTime is Date with the 24-hour time ("7 December 2026, 14:05").
func (l *Locale) DateTime(t time.Time) string {
	return l.T("common.date_time", "Date", l.Date(t), "Time", t.Format("15:04"))
}

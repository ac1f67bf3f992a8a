package views

import "time"

// TimeZoneMsg sets the zone the status line, blotter and events show times
// in (issue 14: config time_zone and a key toggle it). A nil Loc is UTC.
// Times are kept as they came; only their rendering changes.
type TimeZoneMsg struct{ Loc *time.Location }

// inZone is t in loc, UTC when loc is nil.
func inZone(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		return t.UTC()
	}
	return t.In(loc)
}

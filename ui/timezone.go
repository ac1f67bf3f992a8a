package ui

import (
	"time"

	"github.com/vigil-trade/vigil/views"
)

// timeZone is the message that sets every pane's zone: UTC, or local time
// (Deps.Local, else time.Local) after the TimeZone key or time_zone =
// "local".
func (m *Model) timeZone() views.TimeZoneMsg {
	if !m.local {
		return views.TimeZoneMsg{}
	}
	if m.deps.Local != nil {
		return views.TimeZoneMsg{Loc: m.deps.Local}
	}
	return views.TimeZoneMsg{Loc: time.Local}
}

package ui

import "github.com/vigil-trade/vigil/views"

// DefaultPanes are the real panes, in PaneID order.
func DefaultPanes(st *views.Styles) [NumPanes]views.Pane {
	return [NumPanes]views.Pane{
		PaneKeys:       views.NewKeys(st),
		PaneClock:      views.NewClock(st),
		PaneBudgets:    views.NewBudgets(st),
		PaneBalances:   views.NewBalances(st),
		PaneBlotter:    views.NewBlotter(st),
		PaneOrderEntry: views.NewOrderEntry(st),
		PaneLog:        views.NewEventLog(st),
	}
}

// capturing reports whether pane p has the keyboard for text, so global
// single-letter keys must pass through to it. Order entry is a form: while
// focused it takes every key but ctrl+c and esc (which leaves it). Other
// panes say so themselves (the blotter while filtering).
func capturing(id PaneID, p views.Pane) bool {
	if id == PaneOrderEntry {
		return true
	}
	switch c := p.(type) {
	case interface{ Capturing() bool }:
		return c.Capturing()
	case interface{ Filtering() bool }:
		return c.Filtering()
	}
	return false
}

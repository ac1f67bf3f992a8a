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
		PanePositions:  views.NewPositions(st),
	}
}

// capturing reports whether pane p has the keyboard for text, so global
// single-letter keys must pass through to it. Panes say so themselves:
// order entry while a text field (symbol, quantity, price) has the
// keyboard, the blotter while filtering. tab, shift+tab, esc (order entry)
// and ctrl+c are the root's even then.
func capturing(_ PaneID, p views.Pane) bool {
	switch c := p.(type) {
	case interface{ Capturing() bool }:
		return c.Capturing()
	case interface{ Filtering() bool }:
		return c.Filtering()
	}
	return false
}

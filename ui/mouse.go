package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/vigil-trade/vigil/views"
)

// mouseHelp is the help's line for what the mouse does; it is never
// matched (no key press reads "click").
var mouseHelp = key.NewBinding(key.WithKeys("click"),
	key.WithHelp("click/wheel", "click focuses a pane (or a tab in a pane's title) and selects an order; the wheel scrolls the pane under the pointer"))

// wheelSteps is how many lines one wheel notch moves a pane: one on the
// panes with a cursor (a notch is a row, as the arrow keys), three on
// those that only scroll.
var wheelSteps = [NumPanes]int{
	PaneKeys: 1, PaneClock: 1, PaneBudgets: 3, PaneBalances: 3, PaneBlotter: 1, PaneLog: 3, PanePositions: 3,
}

// handleMouse: the mouse is a second way to do what keys do, never the
// only one. A click focuses the pane under it (a tab in a tabbed title
// focuses that summary) and is handed to the pane as a views.ClickMsg; the
// wheel focuses the pane under the pointer and scrolls it with its own
// up/down keys, so it moves exactly as they do. While a dialog is open the
// mouse does nothing: a stray click must not answer it. Over help the
// wheel scrolls the help.
func (m *Model) handleMouse(msg tea.MouseMsg) tea.Cmd {
	if !m.mouse || m.dialog != nil {
		return nil
	}
	at := msg.Mouse()
	_, wheel := msg.(tea.MouseWheelMsg)
	var down bool
	switch {
	case wheel && (at.Button == tea.MouseWheelUp || at.Button == tea.MouseWheelDown):
		down = at.Button == tea.MouseWheelDown
	case !wheel && at.Button == tea.MouseLeft:
	default:
		return nil
	}
	if m.showHelp {
		if wheel {
			d := -3
			if down {
				d = 3
			}
			m.helpTop = clamp(m.helpTop+d, 0, max(0, len(m.helpLines())-m.helpViewH()))
		}
		return nil
	}
	p, ok := m.paneAt(at.X, at.Y)
	if !ok {
		return nil
	}
	if wheel {
		steps := wheelSteps[p]
		if steps == 0 || m.focus == PaneOrderEntry && p != m.focus {
			// The order form has no lines to scroll, and a wheel over
			// another pane must not take the form from someone filling
			// it in (a click does).
			return nil
		}
		m.setFocus(p)
		if capturing(p, m.panes[p]) {
			return nil
		}
		k := tea.KeyPressMsg{Code: tea.KeyUp}
		if down {
			k = tea.KeyPressMsg{Code: tea.KeyDown}
		}
		var cmds []tea.Cmd
		for range steps {
			cmds = append(cmds, m.panes[p].Update(k))
		}
		return tea.Batch(cmds...)
	}
	if p == PaneOrderEntry && m.focus != p && m.orderOff != "" {
		return m.alert("Order entry unavailable", m.orderOff) // as o says
	}
	// Where the click lands inside p, as laid out now: a pane picked by
	// its name in another's frame had no place, and takes no click.
	in := m.rects.Inner(p, m.lst)
	m.setFocus(p)
	if in.Contains(at.X, at.Y) && in == m.rects.Inner(p, m.lst) {
		return m.panes[p].Update(views.ClickMsg{X: at.X - in.X, Y: at.Y - in.Y})
	}
	return nil
}

// paneAt is the pane whose frame holds cell (x, y); on a frame's top
// border, a click on a pane named there (titleTabs) picks that pane.
func (m *Model) paneAt(x, y int) (PaneID, bool) {
	for p := range NumPanes {
		r := m.rects.Outer[p]
		if !m.rects.Shown(p) || !r.Contains(x, y) {
			continue
		}
		if y == r.Y {
			title, _ := m.frameTitle(p)
			at := r.X + 2 + ansi.StringWidth(title) // corner, one rule, the title
			for _, o := range m.titleTabs(p) {
				w := ansi.StringWidth(tabLabel(o, m.panes[o].Title()))
				if x >= at && x < at+w {
					return o, true
				}
				at += w
			}
		}
		return p, true
	}
	return 0, false
}

// Contains reports whether cell (x, y) is in r.
func (r Rect) Contains(x, y int) bool {
	return !r.Empty() && x >= r.X && x < r.X+r.W && y >= r.Y && y < r.Y+r.H
}

// setZoom gives the focused pane the whole screen, or gives the screen
// back. Zoom stays on while focus moves (tab, digits, a click), so panes
// can be read one at a time at full size.
func (m *Model) setZoom(on bool) {
	m.lst.Zoom = on
	m.status.SetZoom(on)
	if m.w > 0 {
		m.relayout()
	}
}

// setMouse turns mouse mode on or off; the next View asks the terminal.
func (m *Model) setMouse(on bool) {
	m.mouse = on
	if on {
		m.flash("mouse on: click, wheel · m: off")
		return
	}
	m.flash("mouse off: select text freely · m: on")
}

// MouseOn reports whether mouse mode is on.
func (m *Model) MouseOn() bool { return m.mouse }

// Zoomed reports whether the focused pane fills the screen.
func (m *Model) Zoomed() bool { return m.lst.Zoom }

// escUsed reports whether the focused pane has something for esc to do
// (a filter or search to clear), which comes before leaving a zoom. In the
// order form esc leaves the zoom first, then the form.
func escUsed(_ PaneID, p views.Pane) bool {
	if e, ok := p.(interface{ EscUsed() bool }); ok {
		return e.EscUsed()
	}
	return false
}

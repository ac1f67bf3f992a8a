package ui

import "strings"

// PaneID names a pane; the digit that focuses it is ID+1.
type PaneID int

const (
	PaneKeys PaneID = iota
	PaneClock
	PaneBudgets
	PaneBalances
	PaneBlotter
	PaneOrderEntry
	PaneLog
	// PanePositions is there only when some account's venue holds
	// positions (LayoutState.Positions); last, so the digits of the other
	// panes are the same with or without it.
	PanePositions
	NumPanes
)

var paneNames = [NumPanes]string{"keys", "clock", "budgets", "balances", "blotter", "order entry", "log", "positions"}

func (p PaneID) String() string {
	if p < 0 || p >= NumPanes {
		return "?"
	}
	return paneNames[p]
}

// Rect is a cell rectangle; a zero W or H means "not shown".
type Rect struct{ X, Y, W, H int }

// Empty reports whether r has no cells.
func (r Rect) Empty() bool { return r.W <= 0 || r.H <= 0 }

// Overlaps reports whether r and o share a cell.
func (r Rect) Overlaps(o Rect) bool {
	if r.Empty() || o.Empty() {
		return false
	}
	return r.X < o.X+o.W && o.X < r.X+r.W && r.Y < o.Y+o.H && o.Y < r.Y+r.H
}

// Mode is how much of the cockpit fits.
type Mode int

const (
	ModeSingle  Mode = iota // the focused pane only, with a hint
	ModeCompact             // summaries (tabbed when narrow), blotter, log; others when focused
	ModeFull                // every pane
)

// Size thresholds. Below MinSideBySideW the three summaries no longer sit
// side by side: each would get under ~48 columns, where an account's name,
// clock offset and headroom no longer share a line or two. They share one
// full-width slot instead, one at a time, like tabs, and there each has
// room for a line per account with every important fact on it.
const (
	MinCompactW, MinCompactH = 60, 16
	MinSideBySideW           = 150
	MinFullW, MinFullH       = 140, 40
)

// MinEntryW is the order entry's outer width when there is room: its
// account line ("◀ name ▶ TESTNET DEMO") is what tells a trader where the
// order goes, so it must not be cut.
const MinEntryW = 46

// HintEnlarge is shown when only the focused pane fits.
const HintEnlarge = "enlarge to see all panes · tab/1-7 switch pane"

// hintEnlarge is HintEnlarge naming the positions pane's digit too when
// it is there.
func hintEnlarge(positions bool) string {
	if positions {
		return strings.Replace(HintEnlarge, "1-7", "1-8", 1)
	}
	return HintEnlarge
}

// LayoutState is what the layout depends on besides the terminal size.
type LayoutState struct {
	Focus PaneID
	// Top is the summary (keys, clock or budgets) the tabbed top slot shows
	// while focus is elsewhere: the root sets it to the last of the three
	// that had focus. Anything else shows keys.
	Top PaneID
	// FrameW and FrameH are what one pane's border and padding take, both
	// sides together. Subtracted here once so panes get inner sizes.
	FrameW, FrameH int
	// Zoom gives the focused pane the whole screen above the status line
	// (the zoom key), whatever the size.
	Zoom bool
	// Positions: some account holds positions, so the positions pane has
	// a place (beside the log when every pane shows, in the log's place
	// when focused in the compact layout); without it the pane is never
	// placed.
	Positions bool
}

// Rects is where everything goes. Outer includes the frame; Inner is what a
// pane's SetSize receives.
type Rects struct {
	Mode   Mode
	Outer  [NumPanes]Rect
	Status Rect
	Hint   Rect // a line for HintEnlarge, in ModeSingle
	// Tabs lists the panes that share the top slot, in digit order, when
	// the summaries are tabbed (empty otherwise), so the frame can name the
	// hidden ones next to the shown one.
	Tabs []PaneID
}

// Inner is the content rectangle of pane p (empty when p is not shown).
func (r Rects) Inner(p PaneID, st LayoutState) Rect {
	o := r.Outer[p]
	if o.Empty() {
		return Rect{}
	}
	in := Rect{X: o.X + st.FrameW/2, Y: o.Y + st.FrameH/2, W: o.W - st.FrameW, H: o.H - st.FrameH}
	if in.W <= 0 || in.H <= 0 {
		return Rect{}
	}
	return in
}

// Shown reports whether pane p has a rectangle.
func (r Rects) Shown(p PaneID) bool { return !r.Outer[p].Empty() }

// Layout places the panes for a w×h terminal. It is pure and runs on resize
// (and focus change, which decides what the compact and single modes show).
func Layout(w, h int, st LayoutState) Rects {
	var r Rects
	if w <= 0 || h <= 0 {
		return r
	}
	minW, minH := st.FrameW+1, st.FrameH+1
	r.Status = Rect{X: 0, Y: h - 1, W: w, H: 1}
	body := h - 1
	switch {
	case st.Zoom && w >= minW && body >= minH:
		// No hint: the status line says the pane is zoomed and how back.
		r.Mode = ModeSingle
		r.Outer[st.Focus] = Rect{X: 0, Y: 0, W: w, H: body}
	case w >= MinFullW && h >= MinFullH:
		r.Mode = ModeFull
		top := body * 3 / 10
		logH := body / 4
		mid := body - top - logH
		thirds := split(w, 3)
		x := 0
		for i, p := range summaries {
			r.Outer[p] = Rect{X: x, Y: 0, W: thirds[i], H: top}
			x += thirds[i]
		}
		balW, entryW := w/5, max(w/4, MinEntryW)
		r.Outer[PaneBalances] = Rect{X: 0, Y: top, W: balW, H: mid}
		r.Outer[PaneBlotter] = Rect{X: balW, Y: top, W: w - balW - entryW, H: mid}
		r.Outer[PaneOrderEntry] = Rect{X: w - entryW, Y: top, W: entryW, H: mid}
		r.Outer[PaneLog] = Rect{X: 0, Y: top + mid, W: w, H: logH}
		if st.Positions {
			// A position's line is ~80 columns; the log wraps nothing
			// and keeps the rest.
			posW := clamp(w*11/20, 60, 96)
			r.Outer[PanePositions] = Rect{X: 0, Y: top + mid, W: posW, H: logH}
			r.Outer[PaneLog] = Rect{X: posW, Y: top + mid, W: w - posW, H: logH}
		}
	case w >= MinCompactW && h >= MinCompactH:
		r.Mode = ModeCompact
		top := clamp(body*3/10, minH+2, 10)
		if w < MinSideBySideW && isSummary(st.Focus) {
			// A focused summary gets room to list every account's detail;
			// the blotter keeps at least as many rows as the log.
			top = clamp(body*2/5, minH+2, 14)
		}
		logH := clamp(body/4, minH+1, 12)
		mid := body - top - logH
		if w >= MinSideBySideW {
			thirds := split(w, 3)
			x := 0
			for i, p := range summaries {
				r.Outer[p] = Rect{X: x, Y: 0, W: thirds[i], H: top}
				x += thirds[i]
			}
		} else {
			r.Outer[topTab(st)] = Rect{X: 0, Y: 0, W: w, H: top}
			r.Tabs = summaries[:]
		}
		// The main row is the blotter plus a side pane: the focused one
		// if it has no place of its own, else balances when there is room.
		side := PaneID(-1)
		switch {
		case st.Focus == PaneOrderEntry || st.Focus == PaneBalances:
			side = st.Focus
		case w >= 100:
			side = PaneBalances
		}
		if side >= 0 {
			sideW := clamp(w*2/5, 30, 48)
			if side == PaneOrderEntry {
				sideW = clamp(w*23/40, 30, 48)
			}
			r.Outer[PaneBlotter] = Rect{X: 0, Y: top, W: w - sideW, H: mid}
			r.Outer[side] = Rect{X: w - sideW, Y: top, W: sideW, H: mid}
		} else {
			r.Outer[PaneBlotter] = Rect{X: 0, Y: top, W: w, H: mid}
		}
		r.Outer[PaneLog] = Rect{X: 0, Y: top + mid, W: w, H: logH}
		if st.Positions && st.Focus == PanePositions {
			// Full width, in the log's place: a position needs the width
			// more than the log needs to stay in view.
			r.Outer[PanePositions], r.Outer[PaneLog] = r.Outer[PaneLog], Rect{}
		}
	default:
		r.Mode = ModeSingle
		paneH := body
		if body-1 >= minH {
			r.Hint = Rect{X: 0, Y: body - 1, W: w, H: 1}
			paneH = body - 1
		}
		if w >= minW && paneH >= minH {
			r.Outer[st.Focus] = Rect{X: 0, Y: 0, W: w, H: paneH}
		}
	}
	return r
}

// summaries are the panes of the top row, in digit order.
var summaries = [...]PaneID{PaneKeys, PaneClock, PaneBudgets}

func isSummary(p PaneID) bool { return p == PaneKeys || p == PaneClock || p == PaneBudgets }

// topTab is the summary the tabbed top slot shows: the focused one, else
// the last one focused, else keys.
func topTab(st LayoutState) PaneID {
	switch {
	case isSummary(st.Focus):
		return st.Focus
	case isSummary(st.Top):
		return st.Top
	}
	return PaneKeys
}

// split divides total into n parts that differ by at most one and sum to total.
func split(total, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = total / n
		if i < total%n {
			out[i]++
		}
	}
	return out
}

func clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

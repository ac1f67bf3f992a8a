package ui

import (
	"testing"
)

var testFrame = LayoutState{FrameW: 2, FrameH: 2}

func withFocus(p PaneID) LayoutState {
	st := testFrame
	st.Focus = p
	return st
}

func shownPanes(r Rects) []PaneID {
	var out []PaneID
	for p := range NumPanes {
		if r.Shown(p) {
			out = append(out, p)
		}
	}
	return out
}

func TestLayoutTable(t *testing.T) {
	tests := []struct {
		name  string
		w, h  int
		focus PaneID
		top   PaneID
		mode  Mode
		shown []PaneID
		check func(t *testing.T, r Rects)
	}{
		{
			name: "80x24 shows one summary at full width, blotter and log", w: 80, h: 24, focus: PaneBlotter,
			mode: ModeCompact, shown: []PaneID{PaneKeys, PaneBlotter, PaneLog},
			check: func(t *testing.T, r Rects) {
				if r.Outer[PaneKeys] != (Rect{0, 0, 80, 6}) {
					t.Errorf("keys %+v, want the full width with a line per account for four", r.Outer[PaneKeys])
				}
				if len(r.Tabs) != 3 {
					t.Errorf("tabs %v, want keys, clock and budgets", r.Tabs)
				}
				if r.Outer[PaneBlotter].W != 80 {
					t.Errorf("blotter width %d, want the full 80", r.Outer[PaneBlotter].W)
				}
				if r.Outer[PaneBlotter].H < 10 {
					t.Errorf("blotter height %d: too small to be useful", r.Outer[PaneBlotter].H)
				}
			},
		},
		{
			name: "80x24 with the clock focused gives it the top slot, taller", w: 80, h: 24, focus: PaneClock,
			mode: ModeCompact, shown: []PaneID{PaneClock, PaneBlotter, PaneLog},
			check: func(t *testing.T, r Rects) {
				if c := r.Outer[PaneClock]; c.W != 80 || c.H <= 6 {
					t.Errorf("clock %+v, want full width and taller than unfocused", c)
				}
				if r.Outer[PaneBlotter].H < r.Outer[PaneLog].H {
					t.Errorf("blotter %d rows, log %d", r.Outer[PaneBlotter].H, r.Outer[PaneLog].H)
				}
			},
		},
		{
			name: "80x24 keeps the last summary on top when focus moves on", w: 80, h: 24, focus: PaneBlotter, top: PaneBudgets,
			mode: ModeCompact, shown: []PaneID{PaneBudgets, PaneBlotter, PaneLog},
		},
		{
			name: "80x24 with order entry focused gives it a side slot", w: 80, h: 24, focus: PaneOrderEntry,
			mode: ModeCompact, shown: []PaneID{PaneKeys, PaneBlotter, PaneOrderEntry, PaneLog},
			check: func(t *testing.T, r Rects) {
				if w := r.Outer[PaneOrderEntry].W; w < MinEntryW {
					t.Errorf("order entry width %d < %d", w, MinEntryW)
				}
			},
		},
		{
			name: "120x30 adds balances beside the blotter", w: 120, h: 30, focus: PaneKeys,
			mode: ModeCompact, shown: []PaneID{PaneKeys, PaneBalances, PaneBlotter, PaneLog},
		},
		{
			name: "160x30 puts the summaries side by side again", w: 160, h: 30, focus: PaneBlotter,
			mode: ModeCompact, shown: []PaneID{PaneKeys, PaneClock, PaneBudgets, PaneBalances, PaneBlotter, PaneLog},
			check: func(t *testing.T, r Rects) {
				if len(r.Tabs) != 0 {
					t.Errorf("tabs %v beside each other", r.Tabs)
				}
			},
		},
		{
			name: "160x48 shows every pane", w: 160, h: 48, focus: PaneKeys,
			mode: ModeFull, shown: []PaneID{PaneKeys, PaneClock, PaneBudgets, PaneBalances, PaneBlotter, PaneOrderEntry, PaneLog},
			check: func(t *testing.T, r Rects) {
				if r.Status != (Rect{X: 0, Y: 47, W: 160, H: 1}) {
					t.Errorf("status %+v", r.Status)
				}
				if w := r.Outer[PaneOrderEntry].W; w < MinEntryW {
					t.Errorf("order entry width %d < %d", w, MinEntryW)
				}
			},
		},
		{
			name: "50x20 is too narrow: the focused pane and a hint", w: 50, h: 20, focus: PaneClock,
			mode: ModeSingle, shown: []PaneID{PaneClock},
			check: func(t *testing.T, r Rects) {
				if r.Hint.Empty() {
					t.Error("no hint line")
				}
				if r.Outer[PaneClock] != (Rect{0, 0, 50, 18}) {
					t.Errorf("clock %+v", r.Outer[PaneClock])
				}
			},
		},
		{
			name: "100x15 is too short", w: 100, h: 15, focus: PaneLog,
			mode: ModeSingle, shown: []PaneID{PaneLog},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := withFocus(tt.focus)
			st.Top = tt.top
			r := Layout(tt.w, tt.h, st)
			if r.Mode != tt.mode {
				t.Errorf("mode %v, want %v", r.Mode, tt.mode)
			}
			got := shownPanes(r)
			if len(got) != len(tt.shown) {
				t.Fatalf("shown %v, want %v", got, tt.shown)
			}
			for i := range got {
				if got[i] != tt.shown[i] {
					t.Fatalf("shown %v, want %v", got, tt.shown)
				}
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func TestLayoutProperties(t *testing.T) {
	for w := 20; w <= 250; w++ {
		for h := 5; h <= 80; h++ {
			for i := range 2 * NumPanes {
				focus, positions := i%NumPanes, i >= NumPanes
				if focus == PanePositions && !positions {
					continue // never focused without positions (nextPane, the digit)
				}
				st := withFocus(focus)
				st.Positions = positions
				st.Top = PaneID((w + h) % int(NumPanes)) // any remembered pane, summary or not
				r := Layout(w, h, st)
				all := []Rect{r.Status, r.Hint}
				for p := range NumPanes {
					all = append(all, r.Outer[p])
				}
				screen := Rect{0, 0, w, h}
				for i, a := range all {
					if a.Empty() {
						continue
					}
					if a.X < 0 || a.Y < 0 || a.X+a.W > screen.W || a.Y+a.H > screen.H {
						t.Fatalf("%dx%d focus %v: rect %d %+v leaves the screen", w, h, focus, i, a)
					}
					for j := i + 1; j < len(all); j++ {
						if a.Overlaps(all[j]) {
							t.Fatalf("%dx%d focus %v: rects %d %+v and %d %+v overlap", w, h, focus, i, a, j, all[j])
						}
					}
				}
				if !r.Shown(focus) {
					t.Fatalf("%dx%d: focused %v not shown", w, h, focus)
				}
				for p := range NumPanes {
					if r.Shown(p) {
						in := r.Inner(p, st)
						if in.W < 1 || in.H < 1 {
							t.Fatalf("%dx%d: %v has no inner room: outer %+v", w, h, p, r.Outer[p])
						}
					}
				}
				every := int(NumPanes)
				if !positions {
					every--
				}
				if r.Mode == ModeFull && len(shownPanes(r)) != every {
					t.Fatalf("%dx%d full mode (positions %v) shows %v", w, h, positions, shownPanes(r))
				}
				if !positions && r.Shown(PanePositions) {
					t.Fatalf("%dx%d: positions placed with no account holding any", w, h)
				}
				if len(r.Tabs) > 0 {
					shown := 0
					for _, p := range r.Tabs {
						if r.Shown(p) {
							shown++
						}
					}
					if shown != 1 {
						t.Fatalf("%dx%d focus %v: %d tabbed summaries shown, want 1", w, h, focus, shown)
					}
					if isSummary(focus) && !r.Shown(focus) {
						t.Fatalf("%dx%d: focused summary %v not in the top slot", w, h, focus)
					}
				}
				if r.Mode != ModeSingle && !r.Hint.Empty() {
					t.Fatalf("%dx%d: hint outside single mode", w, h)
				}
			}
		}
	}
}

func TestLayoutCoversTheScreenWhenWide(t *testing.T) {
	// No holes: in full mode, every cell belongs to exactly one rectangle.
	for i, sz := range [][2]int{{140, 40}, {160, 48}, {250, 80}, {201, 57}, {140, 40}, {160, 48}} {
		w, h := sz[0], sz[1]
		st := testFrame
		st.Positions = i >= 4
		r := Layout(w, h, st)
		area := r.Status.W * r.Status.H
		for p := range NumPanes {
			area += r.Outer[p].W * r.Outer[p].H
		}
		if area != w*h {
			t.Errorf("%dx%d: rectangles cover %d of %d cells", w, h, area, w*h)
		}
	}
}

// Zoom gives the focused pane everything above the status line, at every
// size where a pane fits at all.
func TestLayoutZoom(t *testing.T) {
	for w := 20; w <= 250; w += 7 {
		for h := 5; h <= 80; h += 3 {
			for focus := range NumPanes {
				st := withFocus(focus)
				st.Zoom = true
				r := Layout(w, h, st)
				if got := shownPanes(r); len(got) != 1 || r.Outer[focus] != (Rect{0, 0, w, h - 1}) {
					t.Fatalf("%dx%d zoom on %v: shown %v, %+v", w, h, focus, got, r.Outer[focus])
				}
				if !r.Hint.Empty() || r.Status != (Rect{0, h - 1, w, 1}) {
					t.Fatalf("%dx%d zoom: hint %+v status %+v", w, h, r.Hint, r.Status)
				}
			}
		}
	}
}

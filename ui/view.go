package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/vigil-trade/vigil/views"
)

// View composes the frame: panes at their rectangles, the status line, and
// a dialog or the help on top. Panes have pre-rendered their rows; this
// only frames and places them.
func (m *Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.WindowTitle = "vigil"
	if m.mouse {
		// Cell motion: clicks, releases and the wheel, no motion without a
		// button held, so an idle pointer costs no frames.
		v.MouseMode = tea.MouseModeCellMotion
	}
	return v
}

// Render is the frame as a string (what View shows), for tests and tools.
//
// The program calls it after every message, and most messages change
// nothing on screen (a fill of an order scrolled away, a key a pane
// ignores), so it keeps the last frame and builds again only what changed
// (see frameCache). The panes are stitched row by row from their
// rectangles (the layout never overlaps them); only a dialog or the help,
// which float over the panes, go through a canvas.
func (m *Model) Render() string {
	if m.w <= 0 || m.h <= 0 {
		return "vigil: waiting for the terminal size…"
	}
	if m.quitting {
		return ""
	}
	return m.frame.render(m)
}

// frameCache is the last frame and what it was built from: each pane's
// framed lines under the pane's version (or, for a pane without one, its
// View), the status line, the overlay, all for one size, layout and
// focus. Time reaches the screen the same way as any other change: a tick
// changes a pane's text (a countdown, "3s ago", the status clock) only
// when the text it shows changes, and only then is that pane framed again.
type frameCache struct {
	off bool // build every frame from scratch (tests compare the two)

	ok     bool
	w, h   int
	lst    LayoutState
	boxes  [NumPanes]boxCache
	status string // the status line as the pane gave it
	base   string // panes and status line, stitched
	over   string // the dialog or help drawn on base, "" when none
	frame  string
}

type boxCache struct {
	ok        bool
	versioned bool
	ver       uint64 // the pane's Version the lines were built at
	view      string // the View they were built from, for a pane without one
	lines     []string
}

func (c *frameCache) render(m *Model) string {
	if c.off || !c.ok || c.w != m.w || c.h != m.h || c.lst != m.lst {
		*c = frameCache{off: c.off, w: m.w, h: m.h, lst: m.lst}
	}
	dirty := !c.ok
	for p := range NumPanes {
		if m.rects.Shown(p) && c.reframe(m, p) {
			dirty = true
		}
	}
	if st := m.status.View(); !c.ok || st != c.status {
		c.status, dirty = st, true
	}
	if dirty {
		c.base = m.stitchBase(&c.boxes, c.status)
	}
	var over string
	switch {
	case m.dialog != nil:
		over = m.renderDialog(m.dialog)
	case m.showHelp:
		over = m.renderHelp()
	}
	if dirty || over != c.over || !c.ok {
		c.over = over
		c.frame = m.overlay(c.base, over)
	}
	c.ok = true
	return c.frame
}

// reframe brings pane p's framed lines up to date; it reports whether
// they had to be built again.
func (c *frameCache) reframe(m *Model, p PaneID) bool {
	b := &c.boxes[p]
	pane := m.panes[p]
	if v, ok := pane.(views.Versioned); ok {
		ver := v.Version()
		if b.ok && b.versioned && b.ver == ver {
			return false
		}
		*b = boxCache{ok: true, versioned: true, ver: ver, lines: m.box(p, pane.View())}
		return true
	}
	view := pane.View()
	if b.ok && !b.versioned && b.view == view {
		return false
	}
	*b = boxCache{ok: true, view: view, lines: m.box(p, view)}
	return true
}

// stitchBase lays the framed panes, the hint and the status line out as
// the screen's rows.
func (m *Model) stitchBase(boxes *[NumPanes]boxCache, status string) string {
	rows := make([][]segment, m.h)
	place := func(x, y, w int, lines ...string) {
		for i, l := range lines {
			if y+i >= 0 && y+i < m.h {
				rows[y+i] = append(rows[y+i], segment{x: x, w: w, s: l})
			}
		}
	}
	for p := range NumPanes {
		if m.rects.Shown(p) {
			r := m.rects.Outer[p]
			place(r.X, r.Y, r.W, boxes[p].lines...)
		}
	}
	if hr := m.rects.Hint; !hr.Empty() {
		place(0, hr.Y, hr.W, m.st.Hint.Render(fit(hintEnlarge(m.lst.Positions), hr.W)))
	}
	if sr := m.rects.Status; !sr.Empty() {
		place(0, sr.Y, sr.W, fit(status, sr.W))
	}
	return stitch(rows)
}

// overlay draws over (a dialog or the help) centred on base.
func (m *Model) overlay(base, over string) string {
	if over == "" {
		return base
	}
	ow, oh := lipgloss.Width(over), lipgloss.Height(over)
	c := lipgloss.NewCanvas(m.w, m.h)
	c.Compose(lipgloss.NewCompositor(
		lipgloss.NewLayer(base),
		lipgloss.NewLayer(over).X(max(0, (m.w-ow)/2)).Y(max(0, (m.h-oh)/2)).Z(1),
	))
	return c.Render()
}

// segment is one rectangle's part of a screen row: s is w cells wide.
type segment struct {
	x, w int
	s    string
}

// stitch joins each row's segments left to right, filling gaps with blanks.
func stitch(rows [][]segment) string {
	var b strings.Builder
	for y, row := range rows {
		if y > 0 {
			b.WriteByte('\n')
		}
		slices.SortFunc(row, func(a, b segment) int { return a.x - b.x })
		at := 0
		for _, sg := range row {
			if sg.x > at {
				b.WriteString(strings.Repeat(" ", sg.x-at))
			}
			b.WriteString(sg.s)
			at = sg.x + sg.w
		}
	}
	return b.String()
}

// box frames pane p, whose View is view, as exactly r.H lines of r.W
// cells: its title sits in the top border, so the border costs the same
// rows the layout subtracted and no pane repeats the maths. Built by hand
// rather than with a bordered lipgloss style, whose wrapping pass costs
// more than the panes themselves.
func (m *Model) box(p PaneID, view string) []string {
	r := m.rects.Outer[p]
	style, border := m.st.Blurred, m.st.borderBlur
	if p == m.focus {
		style, border = m.st.Focused, m.st.borderFocus
	}
	edge := lipgloss.NewStyle().Foreground(style.GetBorderTopForeground())
	innerW := max(0, r.W-2)

	title, tabs := m.frameTitle(p)
	room := r.W - 2 - 1 // corners and one rule before the title
	title = ansi.Truncate(title, max(0, room), "")
	tabs = ansi.Truncate(tabs, max(0, room-ansi.StringWidth(title)), "")
	rule := strings.Repeat(border.Top, max(0, room-ansi.StringWidth(title)-ansi.StringWidth(tabs)))
	top := edge.Render(border.TopLeft+border.Top) + m.titleStyle(p).Render(title)
	if tabs != "" {
		top += m.st.Muted.Render(tabs)
	}
	top += edge.Render(rule + border.TopRight)

	out := make([]string, 0, r.H)
	out = append(out, top)
	left, right := edge.Render(border.Left), edge.Render(border.Right)
	body := strings.Split(view, "\n")
	for i := range max(0, r.H-2) {
		var l string
		if i < len(body) {
			l = fit(body[i], innerW)
		}
		if pad := innerW - ansi.StringWidth(l); pad > 0 {
			l += strings.Repeat(" ", pad)
		}
		out = append(out, left+l+right)
	}
	if r.H > 1 {
		out = append(out, edge.Render(border.BottomLeft+strings.Repeat(border.Bottom, innerW)+border.BottomRight))
	}
	return out
}

// frameTitle names the pane and the panes it stands in for (titleTabs),
// so their digits are discoverable without opening help, and clickable.
func (m *Model) frameTitle(p PaneID) (title, tabs string) {
	title = fmt.Sprintf(" %d %s ", int(p)+1, m.panes[p].Title())
	for _, o := range m.titleTabs(p) {
		tabs += tabLabel(o, m.panes[o].Title())
	}
	return title, tabs
}

func tabLabel(p PaneID, title string) string { return fmt.Sprintf("· %d %s ", int(p)+1, title) }

// titleTabs are the panes named in p's frame after its own title: in the
// tabbed top slot, the summaries sharing it; on the blotter in the compact
// layout, the side panes (balances, order entry) that have no place on
// screen until focused. Each is a way to reach them by mouse.
func (m *Model) titleTabs(p PaneID) []PaneID {
	var out []PaneID
	switch {
	case slices.Contains(m.rects.Tabs, p):
		for _, o := range m.rects.Tabs {
			if o != p {
				out = append(out, o)
			}
		}
	case p == PaneBlotter && m.rects.Mode == ModeCompact:
		for _, o := range []PaneID{PaneBalances, PaneOrderEntry, PanePositions, PaneLog} {
			if o == PanePositions && !m.lst.Positions {
				continue
			}
			if !m.rects.Shown(o) {
				out = append(out, o)
			}
		}
	}
	return out
}

func (m *Model) titleStyle(p PaneID) lipgloss.Style {
	if p == m.focus {
		return m.st.Title
	}
	return m.st.Muted
}

func (m *Model) renderDialog(d *dialog) string {
	w := min(m.w-2, 66)
	style := m.st.Dialog
	if d.typed != "" {
		style = m.st.DialogDang
	}
	inner := max(1, w-style.GetHorizontalFrameSize())
	lines := []string{m.st.Title.Render(fit(d.title, inner)), ""}
	for _, l := range d.lines {
		if d.kind == dialogAlert {
			lines = append(lines, wrap(l, inner)...) // a reason is worth every word
			continue
		}
		lines = append(lines, fit(l, inner))
	}
	lines = append(lines, "")
	switch {
	case d.kind == dialogAlert:
		lines = append(lines, m.st.Muted.Render(fit("enter/esc: close", inner)))
	case d.typed != "":
		for _, l := range wrap("⚠ "+d.why, inner) {
			lines = append(lines, m.st.Danger.Render(l))
		}
		lines = append(lines, fit(fmt.Sprintf("Type %s, then enter (esc backs out):", d.typed), inner))
		prompt := "> " + d.input + "█"
		if d.wrong {
			prompt += "  " + m.st.Error.Render("✗ does not match")
		}
		lines = append(lines, fit(prompt, inner))
	default:
		lines = append(lines, m.st.Muted.Render(fit(helpLine(m.dkeys.Yes, m.dkeys.No), inner)))
	}
	// Never taller than the screen: the confirm line is what matters.
	if max(1, m.h-2) < len(lines)+2 {
		keep := max(1, m.h-2-2)
		lines = append(lines[:max(0, keep-3)], lines[len(lines)-min(3, keep):]...)
	}
	return style.Width(w).Render(strings.Join(lines, "\n"))
}

func helpLine(bs ...key.Binding) string {
	parts := make([]string, 0, len(bs))
	for _, b := range bs {
		parts = append(parts, b.Help().Key+" "+b.Help().Desc)
	}
	return strings.Join(parts, " · ")
}

// helpSections lists every binding: the root's, the dialog's and each
// pane's (focused first), each disabled one with its reason.
func (m *Model) helpSections() []helpSection {
	g := m.keys
	digits := key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6", "7"), key.WithHelp("1-7", "focus pane"))
	if m.lst.Positions {
		digits = key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6", "7", "8"), key.WithHelp("1-8", "focus pane"))
	}
	global := []helpEntry{
		{b: g.Next}, {b: g.Prev}, {b: digits},
		{b: g.Order, reason: m.orderOff},
		{b: g.Help}, {b: g.TimeZone}, {b: g.Zoom}, {b: g.Mouse}, {b: mouseHelp}, {b: g.Quit}, {b: g.ForceQuit},
		{b: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "leave zoom (after a filter or search), leave order entry, close help"))},
		{b: key.NewBinding(key.WithKeys("up", "down", "pgup", "pgdown"), key.WithHelp("↑↓ pgup pgdn", "scroll this help (home/end: top/bottom)"))},
	}
	secs := []helpSection{{"Cockpit", global}}
	order := []PaneID{m.focus}
	for p := range NumPanes {
		if p != m.focus && (p != PanePositions || m.lst.Positions) {
			order = append(order, p)
		}
	}
	for _, p := range order {
		var es []helpEntry
		for _, col := range m.panes[p].FullHelp() {
			for _, b := range col {
				if len(b.Keys()) > 0 {
					es = append(es, helpEntry{b: b})
				}
			}
		}
		if len(es) > 0 {
			secs = append(secs, helpSection{fmt.Sprintf("%d %s", int(p)+1, m.panes[p].Title()), es})
		}
	}
	secs = append(secs, helpSection{"Dialogs", []helpEntry{{b: m.dkeys.Yes}, {b: m.dkeys.No}}})
	return secs
}

type helpSection struct {
	title   string
	entries []helpEntry
}

// helpLines are the help's text: sections flowed into as many columns as
// fit the terminal's width, one string per screen line.
func (m *Model) helpLines() []string {
	style := m.st.Dialog
	avail := max(10, m.w-2-style.GetHorizontalFrameSize())
	var blocks []string
	for _, s := range m.helpSections() {
		bs := make([]key.Binding, 0, len(s.entries))
		for _, e := range s.entries {
			bs = append(bs, e.shown())
		}
		blocks = append(blocks, m.st.Title.Render(s.title)+"\n"+m.helpBlock(bs, avail-3))
	}
	var rows []string
	var row []string
	roww := 0
	for _, b := range blocks {
		bw := lipgloss.Width(b) + 3
		if roww > 0 && roww+bw > avail {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
			row, roww = nil, 0
		}
		row = append(row, lipgloss.NewStyle().PaddingRight(3).Render(b))
		roww += bw
	}
	if len(row) > 0 {
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
	}
	return strings.Split(strings.Join(rows, "\n\n"), "\n")
}

// helpBlock is one section's bindings, a key column and a description
// column; a description too long for w wraps under itself rather than
// being cut, so a narrow terminal still reads every word.
func (m *Model) helpBlock(bs []key.Binding, w int) string {
	kw := 0
	for _, b := range bs {
		kw = max(kw, lipgloss.Width(b.Help().Key))
	}
	dw := max(8, w-kw-1)
	st := m.st.Help.Styles
	var out []string
	for _, b := range bs {
		h := b.Help()
		k := st.FullKey.Render(h.Key + strings.Repeat(" ", kw-lipgloss.Width(h.Key)))
		for i, l := range wrap(h.Desc, dw) {
			if i > 0 {
				k = strings.Repeat(" ", kw)
			}
			out = append(out, k+" "+st.FullDesc.Render(l))
		}
	}
	return strings.Join(out, "\n")
}

// helpViewH is how many help lines the dialog shows at once: the screen
// less the dialog's frame and its footer line.
func (m *Model) helpViewH() int {
	return max(1, m.h-m.st.Dialog.GetVerticalFrameSize()-1)
}

// renderHelp shows the help lines from helpTop, as many as fit, with a
// footer that says where the window is and how to move it.
func (m *Model) renderHelp() string {
	style := m.st.Dialog
	avail := max(10, m.w-2-style.GetHorizontalFrameSize())
	all := m.helpLines()
	vh := m.helpViewH()
	top := clamp(m.helpTop, 0, max(0, len(all)-vh))
	end := min(len(all), top+vh)
	lines := append([]string(nil), all[top:end]...)
	footer := "? or esc: close help"
	if len(all) > vh {
		footer = fmt.Sprintf("lines %d-%d of %d · ↑↓ pgup pgdn scroll · esc close", top+1, end, len(all))
		if avail < lipgloss.Width(footer) {
			footer = fmt.Sprintf("%d-%d/%d ↑↓ scroll · esc", top+1, end, len(all))
		}
	}
	lines = append(lines, m.st.Muted.Render(fit(footer, avail)))
	// As wide as the widest help line, not the widest shown: the box
	// keeps its width and place while it scrolls.
	w := 0
	for _, l := range all {
		w = max(w, lipgloss.Width(l))
	}
	w = min(avail, max(w, lipgloss.Width(footer)))
	for i, l := range lines {
		if pad := w - lipgloss.Width(l); pad > 0 {
			lines[i] = l + strings.Repeat(" ", pad)
		}
	}
	return style.Render(fitBlock(strings.Join(lines, "\n"), avail, len(lines)))
}

// fit cuts s (which may hold ANSI styles) to w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// fitBlock makes s exactly h lines, none wider than w: a pane that
// overflows its rectangle is cut, never allowed to push the layout.
func fitBlock(s string, w, h int) string {
	if h <= 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = fit(l, w)
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// wrap breaks plain text at spaces to width w.
func wrap(s string, w int) []string {
	var out []string
	var cur string
	for _, word := range strings.Fields(s) {
		switch {
		case cur == "":
			cur = word
		case ansi.StringWidth(cur)+1+ansi.StringWidth(word) <= w:
			cur += " " + word
		default:
			out = append(out, fit(cur, w))
			cur = word
		}
	}
	if cur != "" {
		out = append(out, fit(cur, w))
	}
	return out
}

package views

// ClickMsg is a left click inside a pane, in the pane's inner cells (0, 0
// is the first cell inside its frame). The root sends it to the clicked
// pane only, after focusing it; a pane with nothing to select there
// ignores it.
type ClickMsg struct{ X, Y int }

// click selects the order on the clicked row, as if the cursor had been
// moved there: c, C, y and Y then act on it. A click on the header, the
// footer or a blank row changes nothing.
func (p *Blotter) click(msg ClickMsg) {
	if p.filtering || p.h <= 0 {
		return
	}
	row := msg.Y
	if p.h >= 3 {
		row-- // the header
	}
	page := p.page()
	if row < 0 || row >= page {
		return
	}
	i := clampOff(p.off, len(p.vis), page) + row
	if i >= len(p.vis) {
		return
	}
	p.note, p.info = "", ""
	p.sel = i
	p.top = i == 0
	p.off = follow(clampOff(p.off, len(p.vis), page), p.sel, page)
	p.ver++
}

// EscUsed reports whether esc has something to do in the blotter (a
// filter to clear), so the root lets it through before esc leaves a zoom.
func (p *Blotter) EscUsed() bool { return p.filtering || p.query != "" }

// EscUsed reports whether esc has something to do in the event log (a
// search to clear).
func (p *EventLog) EscUsed() bool { return p.typing || p.query != "" }

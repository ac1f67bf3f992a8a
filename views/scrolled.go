package views

import tea "charm.land/bubbletea/v2"

// scrolled is the rows of a pane that renders its lines only when
// something changed and shows a window of them. Updates only mark it
// stale: a flush of many accounts' news then costs one render, not one
// render of every account per account. Balances, budgets and positions
// embed it.
type scrolled struct {
	lines []string
	off   int
	stale bool // lines are behind the data; the next view renders them
	shown shown
}

// settle runs render if the lines are behind the data.
func (s *scrolled) settle(render func()) {
	if s.stale {
		s.stale = false
		render()
	}
}

// viewOf is the window of h lines, rendered first if stale.
func (s *scrolled) viewOf(h int, render func()) string {
	s.settle(render)
	return s.shown.view(window(s.lines, s.off, h))
}

// versionOf moves when viewOf would show other text (see shown).
func (s *scrolled) versionOf(h int, render func()) uint64 {
	s.settle(render)
	return s.shown.version(window(s.lines, s.off, h))
}

// scroll moves the window by a scroll key.
func (s *scrolled) scroll(k ScrollKeys, msg tea.KeyPressMsg, h int, render func()) {
	s.settle(render)
	s.off, _ = k.move(msg, s.off, max(1, len(s.lines)-h+1), h)
}

package views

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// StatusLine is the one-line footer: vault state, account health, time and
// a hint for the focused pane. Not a pane: it takes no keys.
type StatusLine struct {
	st    *Styles
	w     int
	now   time.Time
	demo  bool
	vault bool // unlocked
	focus string
	zoom  bool // the focused pane fills the screen

	accts  accountOrder
	clock  map[string]ClockMsg
	budget map[string]BudgetMsg
	keyErr map[string]bool
	stream map[string]string
	balErr map[string]bool
	line   string
	unwell []string

	flash   string    // a short-lived message about an action
	flashAt time.Time // when it was said; it goes FlashFor later

	loc *time.Location // the zone the time is said in; nil is UTC (TimeZoneMsg)
}

// FlashFor is how long a Flash message stays in the status line.
const FlashFor = 5 * time.Second

// Flash shows text ("order sent", "3 orders cancelled") until FlashFor
// after at; a later Flash replaces it. Time comes from the caller and from
// TickMsg, never from the wall clock.
func (s *StatusLine) Flash(text string, at time.Time) {
	s.flash, s.flashAt = text, at
	s.render()
}

// Flashing is the short-lived message shown now, or "".
func (s *StatusLine) Flashing() string { return s.flash }

// NewStatusLine returns a status line for a locked vault.
func NewStatusLine(st *Styles) *StatusLine {
	return &StatusLine{st: st, clock: map[string]ClockMsg{}, budget: map[string]BudgetMsg{},
		keyErr: map[string]bool{}, stream: map[string]string{}, balErr: map[string]bool{}}
}

// SetMode says whether the vault is unlocked and whether this is a demo run.
func (s *StatusLine) SetMode(vaultUnlocked, demo bool) {
	s.vault, s.demo = vaultUnlocked, demo
	s.render()
}

// SetFocus names the focused pane for the hint.
func (s *StatusLine) SetFocus(title string) {
	s.focus = title
	s.render()
}

// SetZoom says whether the focused pane is zoomed, so the hint says how
// back.
func (s *StatusLine) SetZoom(on bool) {
	s.zoom = on
	s.render()
}

// SetWidth sets the width of the line.
func (s *StatusLine) SetWidth(w int) {
	s.w = w
	s.render()
}

// Unhealthy lists accounts with a problem, in display order.
func (s *StatusLine) Unhealthy() []string { return s.unwell }

// Update takes the same messages as the panes and keeps what health needs.
func (s *StatusLine) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case AccountsMsg:
		s.accts.set(msg)
	case ClockMsg:
		s.accts.ensure(msg.Snapshot.Account)
		s.clock[msg.Snapshot.Account] = msg
	case BudgetMsg:
		if old, ok := s.budget[msg.Snapshot.Account]; ok && sameBudget(old.Snapshot, msg.Snapshot) {
			return nil
		}
		s.budget[msg.Snapshot.Account] = msg
	case KeyInfoMsg:
		s.keyErr[msg.Account] = msg.Err != nil
	case StreamMsg:
		s.stream[msg.Account] = msg.State
	case BalancesMsg:
		s.balErr[msg.Account] = msg.Err != nil
	case TimeZoneMsg:
		s.loc = msg.Loc
	case TickMsg:
		s.now = msg.Now
		if s.flash != "" && !s.now.Before(s.flashAt.Add(FlashFor)) {
			s.flash = ""
		}
	default:
		return nil
	}
	s.render()
	return nil
}

// healthy: clock synced and not in danger, not banned, key audit and
// balances without error, stream not down. Facts not yet known count as
// healthy so a starting cockpit is not all red.
func (s *StatusLine) healthy(name string) bool {
	if c, ok := s.clock[name]; ok && (!c.Snapshot.Synced || c.Snapshot.Danger) {
		return false
	}
	if b, ok := s.budget[name]; ok && b.Snapshot.Banned(s.now) {
		return false
	}
	if st := s.stream[name]; st == "down" || st == "reconnecting" {
		return false
	}
	return !s.keyErr[name] && !s.balErr[name]
}

func (s *StatusLine) render() {
	s.unwell = s.unwell[:0]
	for _, n := range s.accts.list {
		if !s.healthy(n) {
			s.unwell = append(s.unwell, n)
		}
	}
	var parts []string
	switch {
	case s.demo:
		parts = append(parts, s.st.Badge.Render("DEMO"))
	case s.vault:
		parts = append(parts, s.st.OK.Render("vault unlocked"))
	default:
		parts = append(parts, s.st.Warn.Render("vault locked"))
	}
	total := len(s.accts.list)
	h := fmt.Sprintf("%d/%d healthy", total-len(s.unwell), total)
	if len(s.unwell) > 0 {
		h = s.st.Danger.Render("⚠ "+h) + " " + s.st.Muted.Render("("+strings.Join(s.unwell, ", ")+")")
	} else {
		h = s.st.OK.Render(h)
	}
	parts = append(parts, h)
	if !s.now.IsZero() {
		// The zone is named: "04:35:29 UTC" or "05:35:29 CET".
		parts = append(parts, inZone(s.now, s.loc).Format("15:04:05 MST"))
	}
	if s.flash != "" {
		parts = append(parts, s.st.Title.Render("» "+s.flash))
	}
	hint := "? help"
	if s.focus != "" {
		hint = s.focus + " · ? help"
	}
	if s.zoom {
		hint = s.focus + " zoomed · z/esc back · ? help"
	}
	left := joinFit(s.w, "  ", parts...)
	gap := s.w - lipgloss.Width(left) - len([]rune(hint))
	if gap >= 2 {
		s.line = left + spaces(gap) + s.st.Muted.Render(hint)
	} else {
		s.line = left
	}
}

// View is the line, at most the width set.
func (s *StatusLine) View() string { return s.line }

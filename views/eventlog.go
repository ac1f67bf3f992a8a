package views

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// LogCapacity is how many entries the event log keeps.
const LogCapacity = 500

// EventLogKeys is the keymap of the event log.
type EventLogKeys struct {
	ScrollKeys
	searchKeys
}

// EventLog shows LogMsg lines, newest at the bottom. It follows new entries
// while scrolled to the bottom and holds still while the user reads above.
type EventLog struct {
	st      *Styles
	keys    EventLogKeys
	w, h    int
	focused bool

	ring  []LogMsg // ring buffer of LogCapacity
	start int      // index of the oldest entry
	n     int

	entries [][]string // rendered lines per entry, oldest first, at width w
	lines   []string   // flattened entries
	off     int        // first visible line
	follow  bool

	shown shown
	none  []string // "no events yet", at width noneW
	noneW int

	logSearch // search and level filter (eventlog_search.go)

	loc *time.Location // times shown in; nil is UTC (TimeZoneMsg)
}

// NewEventLog returns an empty log.
func NewEventLog(st *Styles) *EventLog {
	return &EventLog{st: st, keys: EventLogKeys{newScrollKeys(), newSearchKeys()}, ring: make([]LogMsg, LogCapacity), follow: true}
}

func (p *EventLog) Title() string { return "Events" + p.titleNote() }
func (p *EventLog) Focus()        { p.focused = true }
func (p *EventLog) Blur()         { p.focused = false; p.stopTyping() }

// Len is the number of entries held.
func (p *EventLog) Len() int { return p.n }

func (p *EventLog) ShortHelp() []key.Binding {
	return []key.Binding{p.keys.Up, p.keys.Down, p.keys.End, p.keys.Search, p.keys.Level}
}
func (p *EventLog) FullHelp() [][]key.Binding {
	return [][]key.Binding{p.keys.bindings(), p.keys.searchBindings()}
}

func (p *EventLog) SetSize(w, h int) {
	widthChanged := w != p.w
	p.w, p.h = w, h
	if widthChanged {
		p.rerender()
	}
	p.flatten()
}

// rerender renders every entry again (new width or time zone).
func (p *EventLog) rerender() {
	p.entries = p.entries[:0]
	for i := 0; i < p.n; i++ {
		p.entries = append(p.entries, p.renderEntry(p.ring[(p.start+i)%LogCapacity]))
	}
}

func (p *EventLog) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case LogMsg:
		if p.n < LogCapacity {
			p.ring[(p.start+p.n)%LogCapacity] = msg
			p.n++
		} else {
			p.ring[p.start] = msg
			p.start = (p.start + 1) % LogCapacity
			if !p.follow {
				// Keep the lines being read in place as the oldest go.
				p.off = max(0, p.off-len(p.entries[0]))
			}
			p.entries = p.entries[1:]
		}
		p.entries = append(p.entries, p.renderEntry(msg))
		p.flatten()
	case TimeZoneMsg:
		p.loc = msg.Loc
		p.rerender()
		p.flatten()
	case tea.KeyPressMsg:
		if !p.focused {
			return nil
		}
		if p.searchKey(msg) {
			return nil
		}
		bh := p.bodyH()
		last := max(0, len(p.lines)-bh)
		if off, ok := p.keys.move(msg, p.off, last+1, bh); ok {
			p.off = off
			p.follow = p.off >= last
		}
	}
	return nil
}

func (p *EventLog) flatten() {
	p.lines = p.lines[:0]
	if p.filtered() {
		p.flattenFiltered()
	} else {
		for _, e := range p.entries {
			p.lines = append(p.lines, e...)
		}
	}
	bh := p.bodyH()
	if p.follow {
		p.off = max(0, len(p.lines)-bh)
	}
	p.off = clampOff(p.off, len(p.lines), bh)
}

func (p *EventLog) View() string { return p.shown.view(p.window()) }

// Version moves when View would show other text (see shown).
func (p *EventLog) Version() uint64 { return p.shown.version(p.window()) }

func (p *EventLog) window() []string {
	if p.footerShown() {
		return p.searchWindow()
	}
	if len(p.lines) == 0 && p.h > 0 {
		if p.none == nil || p.noneW != p.w {
			p.none, p.noneW = []string{fit(p.st.Muted.Render("no events yet"), p.w)}, p.w
		}
		return p.none
	}
	return window(p.lines, p.off, p.h)
}

// renderEntry is "15:04:05 WARN  account  text" with the advice on its own
// indented line; long text wraps rather than losing its end.
func (p *EventLog) renderEntry(m LogMsg) []string {
	if p.w <= 0 {
		return nil
	}
	lvl := p.st.Muted.Render("INFO")
	switch m.Level {
	case LevelWarn:
		lvl = p.st.Warn.Render("WARN")
	case LevelError:
		lvl = p.st.Error.Render("ERR ")
	}
	prefix := inZone(m.Time, p.loc).Format("15:04:05") + " " + lvl + " "
	if m.Account != "" {
		prefix += p.st.Title.Render(m.Account) + " "
	}
	w := p.textW()
	out := wrapIndented(prefix, m.Text, w, 2)
	if m.Advice != "" {
		out = append(out, wrapIndented("  → ", m.Advice, w, 4)...)
	}
	return out
}

// wrapIndented puts prefix then text, wrapping text into further lines
// indented by indent cells; every line fits in w.
func wrapIndented(prefix, text string, w, indent int) []string {
	if w <= 0 {
		return nil
	}
	pw := ansi.StringWidth(prefix)
	if pw >= w-4 {
		// Too narrow for the prefix beside the text: text under it, every
		// line indented alike. Not by calling this again: on a pane a few
		// cells wide the indent is itself too wide a prefix, and the call
		// never ended.
		in := min(indent, w/4)
		out := []string{fit(prefix, w)}
		for _, l := range splitLines(ansi.Wrap(text, w-in, "")) {
			out = append(out, fit(spaces(in)+l, w))
		}
		return out
	}
	first := ansi.Wrap(text, w-pw, "")
	lines := splitLines(first)
	out := []string{fit(prefix+lines[0], w)}
	if len(lines) > 1 {
		rest := ansi.Wrap(joinSpace(lines[1:]), w-indent, "")
		for _, l := range splitLines(rest) {
			out = append(out, fit(spaces(indent)+l, w))
		}
	}
	return out
}

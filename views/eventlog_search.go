package views

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// searchKeys are the event log's keys for finding lines: / to search (as
// in less, k9s and lazygit), n/N between matches, l to cycle the level
// shown, esc to clear the search.
type searchKeys struct {
	Search key.Binding
	Next   key.Binding
	Prev   key.Binding
	Level  key.Binding
	Clear  key.Binding
}

func newSearchKeys() searchKeys {
	return searchKeys{
		Search: key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search")),
		Next:   key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next match")),
		Prev:   key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous match")),
		Level:  key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "level: all → warn+ → error")),
		Clear:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear search")),
	}
}

func (k searchKeys) searchBindings() []key.Binding {
	return []key.Binding{k.Search, k.Next, k.Prev, k.Level, k.Clear}
}

// logSearch is the event log's search and level filter. While a query is
// set every line has a two-cell gutter: "▶ " on the current match, "• " on
// the other matches, so matches read without colour.
type logSearch struct {
	minLvl  Level
	query   string // as typed
	typing  bool
	matches []int // entry indices (oldest first) shown and matching
	cur     int   // index into matches
	startOf []int // first line in lines of each entry, -1 when filtered out
	gutter  bool  // entries are rendered with the gutter
	view    []string
}

// Capturing reports whether the search line has the keyboard, so the root
// passes letters (q, digits) to it.
func (p *EventLog) Capturing() bool { return p.focused && p.typing }

// Query is the search text and Level the lowest level shown.
func (p *EventLog) Query() string { return p.query }

// MinLevel is the lowest level shown.
func (p *EventLog) MinLevel() Level { return p.minLvl }

func levelName(l Level) string {
	switch l {
	case LevelWarn:
		return "warn+"
	case LevelError:
		return "error"
	}
	return "all"
}

func (p *EventLog) titleNote() string {
	var s string
	if p.minLvl > LevelInfo {
		s += " · " + levelName(p.minLvl)
	}
	if p.query != "" {
		s += " · /" + p.query
	}
	return s
}

func (p *EventLog) stopTyping() {
	if p.typing {
		p.typing = false
		p.flatten()
	}
}

// filtered: lines are not simply every entry's.
func (p *EventLog) filtered() bool { return p.minLvl > LevelInfo || p.query != "" }

func (p *EventLog) footerShown() bool {
	return p.h > 1 && (p.typing || p.filtered())
}

// bodyH is the height for entries: the pane less the footer.
func (p *EventLog) bodyH() int {
	if p.footerShown() {
		return p.h - 1
	}
	return p.h
}

// textW is the width entries are rendered at: less the gutter while
// searching.
func (p *EventLog) textW() int {
	if p.gutter && p.w > 4 {
		return p.w - 2
	}
	return p.w
}

func (p *EventLog) rerenderAll() {
	p.entries = p.entries[:0]
	for i := 0; i < p.n; i++ {
		p.entries = append(p.entries, p.renderEntry(p.ring[(p.start+i)%LogCapacity]))
	}
}

func (p *EventLog) hit(m LogMsg) bool {
	q := strings.ToLower(p.query)
	return strings.Contains(strings.ToLower(m.Text), q) || strings.Contains(strings.ToLower(m.Advice), q) ||
		strings.Contains(strings.ToLower(m.Account), q)
}

// flattenFiltered lays out the entries at or above the level, marking the
// matches of the query in the gutter.
func (p *EventLog) flattenFiltered() {
	p.matches = p.matches[:0]
	p.startOf = p.startOf[:0]
	shown := func(m LogMsg) bool { return m.Level >= p.minLvl }
	for i := range p.entries {
		m := p.ring[(p.start+i)%LogCapacity]
		if shown(m) && p.query != "" && p.hit(m) {
			p.matches = append(p.matches, i)
		}
	}
	p.cur = min(max(p.cur, 0), max(0, len(p.matches)-1))
	cur := -1
	if len(p.matches) > 0 {
		cur = p.matches[p.cur]
	}
	mi := 0
	for i, e := range p.entries {
		m := p.ring[(p.start+i)%LogCapacity]
		if !shown(m) {
			p.startOf = append(p.startOf, -1)
			continue
		}
		p.startOf = append(p.startOf, len(p.lines))
		isHit := mi < len(p.matches) && p.matches[mi] == i
		if isHit {
			mi++
		}
		for j, l := range e {
			if p.gutter {
				mark := "  "
				switch {
				case j == 0 && i == cur:
					mark = p.st.Title.Render("▶ ")
				case j == 0 && isHit:
					mark = "• "
				}
				l = mark + l
			}
			p.lines = append(p.lines, l)
		}
	}
}

// searchWindow is the entries shown and the footer under them.
func (p *EventLog) searchWindow() []string {
	bh := p.bodyH()
	p.view = append(p.view[:0], window(p.lines, p.off, bh)...)
	if len(p.lines) == 0 {
		p.view = append(p.view, fit(p.st.Muted.Render("no events at level "+levelName(p.minLvl)), p.w))
	}
	for len(p.view) < bh {
		p.view = append(p.view, "")
	}
	return append(p.view, fit(p.footer(), p.w))
}

// footer says the level, the search and its keys.
func (p *EventLog) footer() string {
	parts := []string{"level " + levelName(p.minLvl) + " (l)"}
	switch {
	case p.typing:
		parts = append(parts, "/"+p.query+"▏ enter keeps · esc clears")
	case p.query != "" && len(p.matches) == 0:
		parts = append(parts, fmt.Sprintf("/%s: no match · esc clears", p.query))
	case p.query != "":
		parts = append(parts, fmt.Sprintf("/%s: match %d of %d (n/N) · esc clears", p.query, p.cur+1, len(p.matches)))
	}
	return p.st.Muted.Render(strings.Join(parts, " · "))
}

// setQuery changes the search and jumps to the newest match.
func (p *EventLog) setQuery(q string) {
	p.query = q
	if q == "" {
		p.matches, p.cur = p.matches[:0], 0
	}
	if g := q != ""; g != p.gutter {
		p.gutter = g
		p.rerenderAll()
	}
	p.cur = LogCapacity // clamped to the newest match by flatten
	p.flatten()
	p.jump()
}

// jump scrolls so the current match is in view, a little above the middle.
func (p *EventLog) jump() {
	if p.query == "" || p.cur >= len(p.matches) || p.matches[p.cur] >= len(p.startOf) {
		return
	}
	line := p.startOf[p.matches[p.cur]]
	bh := p.bodyH()
	last := max(0, len(p.lines)-bh)
	p.off = clampOff(line-bh/3, len(p.lines), bh)
	p.follow = p.off >= last
}

// searchKey handles the search and level keys; it reports whether msg was
// one of them.
func (p *EventLog) searchKey(msg tea.KeyPressMsg) bool {
	k := p.keys.searchKeys
	if p.typing {
		switch msg.String() {
		case "esc":
			p.typing = false
			p.setQuery("")
		case "enter":
			p.typing = false
			p.flatten()
		case "backspace":
			if r := []rune(p.query); len(r) > 0 {
				p.setQuery(string(r[:len(r)-1]))
			}
		default:
			if msg.Text != "" {
				p.setQuery(p.query + msg.Text)
			}
		}
		return true
	}
	switch {
	case key.Matches(msg, k.Search):
		p.typing = true
		p.flatten()
	case key.Matches(msg, k.Next) && len(p.matches) > 0:
		p.cur = (p.cur + 1) % len(p.matches)
		p.flatten()
		p.jump()
	case key.Matches(msg, k.Prev) && len(p.matches) > 0:
		p.cur = (p.cur + len(p.matches) - 1) % len(p.matches)
		p.flatten()
		p.jump()
	case key.Matches(msg, k.Level):
		p.minLvl = (p.minLvl + 1) % (LevelError + 1)
		p.flatten()
		if len(p.matches) > 0 {
			p.jump()
		}
	case key.Matches(msg, k.Clear) && p.query != "":
		p.setQuery("")
	default:
		return false
	}
	return true
}

package views

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/vigil-trade/vigil/exchange"
)

// ClockKeys is the keymap of the clock pane.
type ClockKeys struct {
	Up, Down  key.Binding
	Resync    key.Binding
	ResyncAll key.Binding
}

// Clock shows each account's clock offset to its venue and how much room
// is left before the venue refuses a timestamp.
type Clock struct {
	st      *Styles
	keys    ClockKeys
	w, h    int
	focused bool
	now     time.Time

	accts accountOrder
	snap  map[string]exchange.ClockSnapshot
	sel   int

	lines []string
	first []int // index in lines of each account's first line
	off   int
	stale bool // lines are behind the data; View renders them
	shown shown
}

// NewClock returns an empty clock pane.
func NewClock(st *Styles) *Clock {
	return &Clock{st: st, snap: map[string]exchange.ClockSnapshot{}, keys: ClockKeys{
		Up:        key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "prev account")),
		Down:      key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "next account")),
		Resync:    key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "resync")),
		ResyncAll: key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "resync all")),
	}}
}

func (p *Clock) Title() string { return "Clock" }
func (p *Clock) Focus()        { p.focused = true; p.stale = true }
func (p *Clock) Blur()         { p.focused = false; p.stale = true }

func (p *Clock) SetSize(w, h int) {
	p.w, p.h = w, h
	p.stale = true
}

func (p *Clock) ShortHelp() []key.Binding { return []key.Binding{p.keys.Resync, p.keys.ResyncAll} }
func (p *Clock) FullHelp() [][]key.Binding {
	return [][]key.Binding{{p.keys.Up, p.keys.Down}, {p.keys.Resync, p.keys.ResyncAll}}
}

// Selected is the account r re-syncs.
func (p *Clock) Selected() string {
	if p.sel < len(p.accts.list) {
		return p.accts.list[p.sel]
	}
	return ""
}

func (p *Clock) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case AccountsMsg:
		p.accts.set(msg)
		p.sel = min(p.sel, max(0, len(p.accts.list)-1))
	case ClockMsg:
		p.accts.ensure(msg.Snapshot.Account)
		p.snap[msg.Snapshot.Account] = msg.Snapshot
	case TickMsg:
		p.now = msg.Now
	case tea.KeyPressMsg:
		if !p.focused {
			return nil
		}
		switch {
		case key.Matches(msg, p.keys.Up):
			p.sel = max(0, p.sel-1)
		case key.Matches(msg, p.keys.Down):
			p.sel = min(max(0, len(p.accts.list)-1), p.sel+1)
		case key.Matches(msg, p.keys.Resync):
			if a := p.Selected(); a != "" {
				return intent(ResyncClock{Account: a})
			}
			return nil
		case key.Matches(msg, p.keys.ResyncAll):
			return intent(ResyncClock{})
		default:
			return nil
		}
	default:
		return nil
	}
	p.stale = true
	return nil
}

// intent wraps a message as a command; the closure holds a value, never the model.
func intent(m tea.Msg) tea.Cmd { return func() tea.Msg { return m } }

func (p *Clock) View() string {
	p.settle()
	return p.shown.view(window(p.lines, p.off, p.h))
}

// Version moves when View would show other text (see shown).
func (p *Clock) Version() uint64 {
	p.settle()
	return p.shown.version(window(p.lines, p.off, p.h))
}

// settle renders what changed since the last View. Updates only mark the
// pane stale: a flush of many accounts' news then costs one render, not
// one render of every account per account.
func (p *Clock) settle() {
	if p.stale {
		p.stale = false
		p.render()
	}
}

func (p *Clock) render() {
	p.lines, p.first = p.lines[:0], p.first[:0]
	if p.w <= 0 {
		return
	}
	if len(p.accts.list) == 0 {
		p.lines = append(p.lines, fit(p.st.Muted.Render("no accounts"), p.w))
		return
	}
	facts := make([]clockFacts, len(p.accts.list))
	for i, name := range p.accts.list {
		facts[i] = p.facts(i, name)
	}
	cw := clockColsOf(facts)
	shapes := []clockShape{clockOneLineFull, clockTwoLineFull, clockOneLine, clockTwoLine, clockOneLineShort, clockOneLineMin, clockTwoLineNarrow}
	// A richer shape without the sync error's own line beats a poorer one
	// with it: the state column still says UNSYNCED or "sync err", and the
	// event log has the words.
	var cands []blocks
	for _, sh := range shapes {
		cands = append(cands, p.shape(facts, cw, sh, true), p.shape(facts, cw, sh, false))
	}
	cands = append(cands, p.shape(facts, cw, clockStacked, true))
	selEnd := 0
	for i, b := range pickBlocks(p.w, p.h, cands...) {
		p.first = append(p.first, len(p.lines))
		p.lines = append(p.lines, b...)
		if i == p.sel {
			selEnd = len(p.lines) - 1
		}
	}
	if p.sel < len(p.first) {
		p.off = follow(p.off, selEnd, p.h)
		p.off = follow(p.off, p.first[p.sel], p.h)
	}
	if len(p.lines) < p.h {
		// A row to spare says what "room" means: a room ahead past the
		// venue's limit (1.09s of 1s) otherwise reads as a bug.
		for _, l := range clockLegend {
			if len(l) <= p.w {
				p.lines = append(p.lines, p.st.Muted.Render(l))
				break
			}
		}
	}
	p.off = clampOff(p.off, len(p.lines), p.h)
}

// clockLegend explains the room figures, longest first; the pane shows the
// longest that fits a spare row, whole.
var clockLegend = []string{
	"room: time left after offset correction before the venue refuses a stamp (stamps trail its clock, so ahead may pass its limit)",
	"room: time left after offset correction before the venue refuses a stamp",
	"room: left after offset correction",
}

// clockFacts are one account's clock facts, formatted once per render and
// assembled into whichever shape fits.
type clockFacts struct {
	mark, name string
	synced     bool   // a snapshot has arrived
	ok         bool   // synced and out of danger
	state      string // "ok", "⚠ DANGER", "⚠ DANGER unsynced"
	stateShort string // the same in fewer cells: "⚠ UNSYNCED"
	off, dir   string // "+12.0ms ±1.0ms", "behind"/"AHEAD"
	offOnly    string // "+12.0ms"
	isAhead    bool
	ahead      string // headroom toward the venue's future limit, "850ms"
	behind     string // headroom toward recvWindow, "4.50s"
	af, bf     float64
	rtt, drift string
	age        string // "5s ago"
	err        string
	recent     []time.Duration
}

// clockCols are the widths that line the columns up across accounts.
type clockCols struct{ name, state, stateShort, off, offOnly, dir, ahead, behind, rtt int }

// maxNameW caps an account name column; longer names are cut.
const maxNameW = 18

func clockColsOf(fs []clockFacts) clockCols {
	var c clockCols
	for _, f := range fs {
		c.name = max(c.name, min(maxNameW, lipgloss.Width(f.name)))
		if f.synced {
			c.state = max(c.state, lipgloss.Width(f.state))
			c.stateShort = max(c.stateShort, lipgloss.Width(f.stateShort))
			c.off, c.dir = max(c.off, lipgloss.Width(f.off)), max(c.dir, lipgloss.Width(f.dir))
			c.offOnly = max(c.offOnly, lipgloss.Width(f.offOnly))
			c.ahead, c.behind = max(c.ahead, lipgloss.Width(f.ahead)), max(c.behind, lipgloss.Width(f.behind))
			c.rtt = max(c.rtt, len(f.rtt))
		}
	}
	return c
}

func (p *Clock) facts(i int, name string) clockFacts {
	f := clockFacts{mark: "  ", name: p.st.Title.Render(name)}
	if i == p.sel {
		f.mark = "▶ "
	}
	s, ok := p.snap[name]
	if !ok {
		return f
	}
	f.synced = true
	switch {
	case !s.Synced:
		f.state, f.stateShort = p.st.Danger.Render("⚠ DANGER unsynced"), p.st.Danger.Render("⚠ UNSYNCED")
	case s.Danger:
		f.state = p.st.Danger.Render("⚠ DANGER")
	default:
		f.state, f.ok = p.st.OK.Render("ok"), true
	}
	if f.stateShort == "" {
		f.stateShort = f.state
	}
	f.offOnly = signedMs(s.Offset)
	f.off = f.offOnly + " ±" + ms(s.Uncertainty)
	f.dir = p.st.Muted.Render("behind")
	switch {
	case s.Offset < 0 && -s.Offset <= s.Uncertainty && !s.Danger:
		// Within the uncertainty the sign is noise (a venue whose time
		// has 1 s resolution reads ±500 ms either way): say neither, and
		// leave DANGER, which counts the uncertainty, to warn.
		f.dir = p.st.Muted.Render("even")
	case s.Offset < 0:
		// Offset is server minus local: negative means this machine runs ahead,
		// which the venue refuses sooner than lateness.
		st := p.st.Warn
		if s.Danger {
			st = p.st.Danger
		}
		f.dir, f.isAhead = st.Render("AHEAD"), true
	case s.Offset > 0 && s.Offset <= s.Uncertainty:
		f.dir = p.st.Muted.Render("even")
	}
	f.af, f.bf = frac(s.HeadroomAhead, s.AheadLimit), frac(s.HeadroomBehind, s.BehindLimit)
	f.ahead, f.behind = p.room(s.HeadroomAhead, s.AheadLimit), p.room(s.HeadroomBehind, s.BehindLimit)
	f.rtt = fmt.Sprintf("rtt %dms", s.RTT.Milliseconds())
	// Until the samples span long enough for a fit there is no drift to
	// show: "+0.0ms/h" would read as a measured, perfect clock.
	f.drift = "drift —"
	if s.DriftKnown {
		f.drift = "drift " + signedMs(s.DriftPerHr) + "/h"
	}
	f.age = "never"
	if !s.LastSync.IsZero() && !p.now.IsZero() {
		f.age = shortDur(p.now.Sub(s.LastSync)) + " ago"
	}
	f.err, f.recent = s.Err, s.Recent
	return f
}

// room is a headroom as a time: a percentage of the limit would pass 100%
// (a stamp placed behind the estimate has more than the limit ahead of it),
// and a time says what a trader can check against the venue's error. Under
// a quarter of the limit it is marked, not only coloured.
func (p *Clock) room(d, limit time.Duration) string {
	if limit > 0 && d < limit/4 {
		return p.st.Danger.Render("⚠" + span(d))
	}
	return span(d)
}

// clockShape is one way to lay out an account's clock facts.
type clockShape int

const (
	clockOneLineFull   clockShape = iota // everything on one line, gauge and sparkline
	clockTwoLineFull                     // facts, then headroom gauge, drift and sparkline
	clockOneLine                         // offset, headroom, rtt, age
	clockTwoLine                         // offset; then headroom, rtt, age
	clockOneLineShort                    // offset ± uncertainty and headroom
	clockOneLineMin                      // offset and headroom (which already allows for the uncertainty)
	clockTwoLineNarrow                   // offset; then headroom
	clockStacked                         // narrow: name, offset and headroom on lines of their own
)

// shape renders every account in shape sh. With withErr false a sync error
// is a word in the state column instead of a line of its own.
func (p *Clock) shape(fs []clockFacts, c clockCols, sh clockShape, withErr bool) blocks {
	out := make(blocks, 0, len(fs))
	for _, f := range fs {
		head := f.mark + padRight(f.name, c.name)
		if !f.synced {
			out = append(out, []string{head + "  " + p.st.Muted.Render("no clock yet")})
			continue
		}
		state, stateW := f.state, c.state
		if sh > clockOneLine {
			state, stateW = f.stateShort, c.stateShort
		}
		if f.err != "" && !withErr && f.ok {
			state = p.st.Warn.Render("⚠ sync err")
		}
		state = padRight(state, max(stateW, lipgloss.Width(state)))
		off := padLeft(f.off, c.off) + " " + padRight(f.dir, c.dir)
		pair := "ahead " + padLeft(f.ahead, c.ahead) + " · behind " + padLeft(f.behind, c.behind)
		var lines []string
		switch sh {
		case clockOneLineFull:
			g := "ahead " + padLeft(f.ahead, c.ahead) + " " + p.bar(f, 13) + " " + padRight(f.behind, c.behind) + " behind"
			line := strings.Join([]string{head, state, off, "room " + g, padRight(f.rtt, c.rtt), f.drift, "synced " + padRight(f.age, 9)}, "  ")
			lines = []string{p.withSpark(line, f, 24)}
		case clockTwoLineFull:
			l1 := strings.Join([]string{head, state, off, padRight(f.rtt, c.rtt), f.age}, "  ")
			g := "room ahead " + padLeft(f.ahead, c.ahead) + " " + p.bar(f, 13) + " " + padRight(f.behind, c.behind) + " behind"
			lines = []string{l1, p.withSpark("    "+g+"  "+f.drift, f, 24)}
		case clockOneLine:
			lines = []string{strings.Join([]string{head, state, off, "room " + pair, padRight(f.rtt, c.rtt), f.age}, "  ")}
		case clockTwoLine:
			l1 := strings.Join([]string{head, state, off}, " ")
			lines = []string{l1, "    room " + pair + "  " + f.age}
		case clockOneLineShort:
			lines = []string{strings.Join([]string{head, state, padLeft(f.off, c.off), p.ahead(f, c), "room " + pair}, " ")}
		case clockOneLineMin:
			lines = []string{strings.Join([]string{head, state, padLeft(f.offOnly, c.offOnly), p.ahead(f, c), "room " + pair}, " ")}
		case clockTwoLineNarrow:
			lines = []string{
				strings.Join([]string{head, state, padLeft(f.offOnly, c.offOnly), p.ahead(f, c)}, " "),
				"  room " + pair,
			}
		case clockStacked:
			lines = []string{
				strings.Join([]string{head, state}, " "),
				"  " + f.off + " " + f.dir,
				"  room " + pair,
			}
		}
		if f.err != "" && withErr {
			lines = append(lines, fit("    "+p.st.Error.Render("sync error: "+f.err), p.w))
		}
		out = append(out, lines)
	}
	return out
}

// ahead is the direction column of the short shapes: the sign says which
// way the offset goes, so only the dangerous direction spends a word.
func (p *Clock) ahead(f clockFacts, c clockCols) string {
	if f.isAhead {
		return f.dir
	}
	return spaces(min(c.dir, len("AHEAD")))
}

// bar is the two-sided headroom gauge: the ahead side fills toward the
// centre from the left, the behind side from the right.
func (p *Clock) bar(f clockFacts, w int) string {
	return "▕" + twoSided(p.st, f.af, f.bf, w) + "▏"
}

// withSpark adds the recent offsets as a sparkline in what the pane's width
// leaves, up to max cells, or nothing when under six would fit.
func (p *Clock) withSpark(line string, f clockFacts, most int) string {
	sw := min(most, p.w-lipgloss.Width(line)-2)
	if sw < 6 {
		return line
	}
	if sp := sparkline(f.recent, sw); sp != "" {
		return line + "  " + p.st.Muted.Render(sp)
	}
	return line
}

func frac(part, whole time.Duration) float64 {
	if whole <= 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

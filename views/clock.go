package views

import (
	"fmt"
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
func (p *Clock) Focus()        { p.focused = true; p.render() }
func (p *Clock) Blur()         { p.focused = false; p.render() }

func (p *Clock) SetSize(w, h int) {
	p.w, p.h = w, h
	p.render()
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
	p.render()
	return nil
}

// intent wraps a message as a command; the closure holds a value, never the model.
func intent(m tea.Msg) tea.Cmd { return func() tea.Msg { return m } }

func (p *Clock) View() string { return joinLines(window(p.lines, p.off, p.h)) }

func (p *Clock) render() {
	p.lines, p.first = p.lines[:0], p.first[:0]
	if p.w <= 0 {
		return
	}
	if len(p.accts.list) == 0 {
		p.lines = append(p.lines, fit(p.st.Muted.Render("no accounts"), p.w))
		return
	}
	wide := p.w >= 120
	selEnd := 0
	for i, name := range p.accts.list {
		p.first = append(p.first, len(p.lines))
		mark := "  "
		if i == p.sel {
			mark = "▶ "
		}
		s, ok := p.snap[name]
		if !ok {
			p.lines = append(p.lines, fit(mark+p.st.Title.Render(name)+"  "+p.st.Muted.Render("no clock yet"), p.w))
		} else {
			head, bar := p.rows(mark, name, s, wide)
			if wide {
				p.lines = append(p.lines, joinFit(p.w, "  ", head, bar))
			} else {
				p.lines = append(p.lines, head, fit("    "+bar, p.w))
			}
			if s.Err != "" {
				p.lines = append(p.lines, fit("    "+p.st.Error.Render("sync error: "+s.Err), p.w))
			}
		}
		if i == p.sel {
			selEnd = len(p.lines) - 1
		}
	}
	if p.sel < len(p.first) {
		p.off = follow(p.off, selEnd, p.h)
		p.off = follow(p.off, p.first[p.sel], p.h)
	}
	p.off = clampOff(p.off, len(p.lines), p.h)
}

// rows renders the facts line and the headroom+sparkline part of one account.
func (p *Clock) rows(mark, name string, s exchange.ClockSnapshot, wide bool) (string, string) {
	var state string
	switch {
	case !s.Synced:
		state = p.st.Danger.Render("⚠ DANGER unsynced")
	case s.Danger:
		state = p.st.Danger.Render("⚠ DANGER")
	default:
		state = p.st.OK.Render("ok")
	}
	dir := "behind"
	dirStyle := p.st.Muted
	if s.Offset < 0 {
		// Offset is server minus local: negative means this machine runs ahead,
		// which the venue refuses sooner than lateness.
		dir, dirStyle = "AHEAD", p.st.Warn
	}
	offset := fmt.Sprintf("%s ±%s %s", signedMs(s.Offset), ms(s.Uncertainty), dirStyle.Render(dir))
	age := "never"
	if !s.LastSync.IsZero() && !p.now.IsZero() {
		age = shortDur(p.now.Sub(s.LastSync)) + " ago"
	}
	drift := "drift " + signedMs(s.DriftPerHr) + "/h"
	rtt := fmt.Sprintf("rtt %dms", s.RTT.Milliseconds())
	var head string
	if wide {
		head = joinFit(p.w, "  ", mark+p.st.Title.Render(name), state, offset, rtt, drift, "synced "+age)
	} else {
		// Narrow: drift moves to the bar line, where the sparkline gives way.
		head = joinFit(p.w, " ", mark+p.st.Title.Render(name), state, offset, rtt, age)
	}

	af, bf := frac(s.HeadroomAhead, s.AheadLimit), frac(s.HeadroomBehind, s.BehindLimit)
	bw := 13
	if wide {
		bw = 21
	}
	bar := fmt.Sprintf("ahead %3d%% ▕%s▏ %d%% behind", pct(af), twoSided(p.st, af, bf, bw), pct(bf))
	sw := 24
	if !wide {
		bar += "  " + drift
		sw = max(0, p.w-4-lipgloss.Width(bar)-2)
	}
	if sp := sparkline(s.Recent, sw); sp != "" {
		bar += "  " + p.st.Muted.Render(sp)
	}
	return head, bar
}

func frac(part, whole time.Duration) float64 {
	if whole <= 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

func pct(f float64) int {
	if f != f || f < 0 {
		return 0
	}
	return int(f*100 + 0.5)
}

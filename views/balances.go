package views

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/shopspring/decimal"
)

// StaleAfter is how old a balance snapshot may get before it is marked
// STALE, or twice its source's cadence (BalancesMsg.Every) if longer.
const StaleAfter = 30 * time.Second

// dustBelow is the total under which an asset is dust. There are no prices
// in the cockpit, so this is a plain amount, not a value.
var dustBelow = decimal.New(1, -4)

// BalancesKeys is the keymap of the balances pane.
type BalancesKeys struct {
	ScrollKeys
	HideDust key.Binding
}

// Balances shows free and locked amounts per account and asset.
type Balances struct {
	st       *Styles
	keys     BalancesKeys
	w, h     int
	focused  bool
	now      time.Time
	hideDust bool

	accts accountOrder
	data  map[string]BalancesMsg
	// lastOK keeps the last good balances when a refresh fails, so a failure
	// shows old numbers marked STALE rather than none.
	lastOK map[string]BalancesMsg

	scrolled
}

// NewBalances returns an empty balances pane that hides dust.
func NewBalances(st *Styles) *Balances {
	return &Balances{st: st, hideDust: true, data: map[string]BalancesMsg{}, lastOK: map[string]BalancesMsg{},
		keys: BalancesKeys{ScrollKeys: newScrollKeys(),
			HideDust: key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "show dust"))}}
}

func (p *Balances) Title() string { return "Balances" }
func (p *Balances) Focus()        { p.focused = true }
func (p *Balances) Blur()         { p.focused = false }

// HideDust reports whether dust rows are hidden.
func (p *Balances) HideDust() bool { return p.hideDust }

func (p *Balances) SetSize(w, h int) {
	p.w, p.h = w, h
	p.stale = true
}

func (p *Balances) ShortHelp() []key.Binding { return []key.Binding{p.keys.HideDust} }
func (p *Balances) FullHelp() [][]key.Binding {
	return [][]key.Binding{p.keys.bindings(), {p.keys.HideDust}}
}

func (p *Balances) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case AccountsMsg:
		p.accts.set(msg)
	case BalancesMsg:
		p.accts.ensure(msg.Account)
		p.data[msg.Account] = msg
		if msg.Err == nil {
			p.lastOK[msg.Account] = msg
		}
	case TickMsg:
		p.now = msg.Now
	case tea.KeyPressMsg:
		if !p.focused {
			return nil
		}
		if key.Matches(msg, p.keys.HideDust) {
			p.hideDust = !p.hideDust
			if p.hideDust {
				p.keys.HideDust.SetHelp("h", "show dust")
			} else {
				p.keys.HideDust.SetHelp("h", "hide dust")
			}
			break
		}
		p.scroll(p.keys.ScrollKeys, msg, p.h, p.render)
		return nil
	default:
		return nil
	}
	p.stale = true
	return nil
}

func (p *Balances) View() string { return p.viewOf(p.h, p.render) }

// Version moves when View would show other text (see shown).
func (p *Balances) Version() uint64 { return p.versionOf(p.h, p.render) }

type balRow struct{ asset, free, locked, total string }

// numCol is a number column aligned on the decimal point: integer parts
// right-aligned to one place, fractions left-aligned after it, so 0.5 and
// 10234.5 put their points under each other.
type numCol struct {
	name        string
	ints, fracs int
}

func (c *numCol) see(s string) {
	i, f, dot := strings.Cut(s, ".")
	c.ints = max(c.ints, len(i))
	if dot {
		c.fracs = max(c.fracs, len(f))
	}
}

// width is the column's width: its numbers or its name, the wider.
func (c numCol) width() int {
	w := c.ints
	if c.fracs > 0 {
		w += 1 + c.fracs
	}
	return max(w, len(c.name))
}

// cell renders s in the column, its point at the column's place.
func (c numCol) cell(s string) string {
	i, f, dot := strings.Cut(s, ".")
	out := padLeft(i, c.ints)
	switch {
	case dot:
		out += "." + padRight(f, c.fracs)
	case c.fracs > 0:
		out += strings.Repeat(" ", c.fracs+1)
	}
	return padLeft(out, c.width())
}

func (p *Balances) render() {
	p.lines = p.lines[:0]
	if p.w <= 0 {
		return
	}
	if len(p.accts.list) == 0 {
		p.lines = append(p.lines, fit(p.st.Muted.Render("no accounts"), p.w))
		return
	}
	// Columns share widths across accounts so decimals line up pane-wide.
	rows := map[string][]balRow{}
	hidden := map[string]int{}
	aw := 5
	cw := balCols{free: numCol{name: "free"}, locked: numCol{name: "locked"}, total: numCol{name: "total"}}
	for _, name := range p.accts.list {
		m, ok := p.lastOK[name]
		if !ok {
			continue
		}
		for _, b := range m.Balances {
			t := b.Total()
			if p.hideDust && t.LessThan(dustBelow) {
				hidden[name]++
				continue
			}
			r := balRow{b.Asset, b.Free.String(), b.Locked.String(), t.String()}
			aw = max(aw, len(r.asset))
			cw.free.see(r.free)
			cw.locked.see(r.locked)
			cw.total.see(r.total)
			rows[name] = append(rows[name], r)
		}
	}
	cw.asset = min(aw, 10)
	// The richest table that fits. Spacing shrinks first, then columns go
	// by priority: total (free plus locked) before locked (what open
	// orders hold, which the blotter shows too); a column that goes is
	// named on a last line, never dropped silently.
	var cands []blocks
	for _, sh := range []struct {
		total, locked bool
		indent, sep   string
	}{
		{true, true, "  ", "  "}, {true, true, "  ", " "}, {true, true, " ", " "},
		{false, true, "  ", "  "}, {false, true, " ", " "},
		{false, false, " ", " "},
	} {
		b := p.table(rows, hidden, cw, sh.total, sh.locked, sh.indent, sh.sep)
		if len(rows) > 0 {
			switch {
			case !sh.locked:
				b = append(b, []string{fit(p.st.Muted.Render("no room for locked, total"), p.w)})
			case !sh.total:
				b = append(b, []string{fit(p.st.Muted.Render("no room for total"), p.w)})
			}
		}
		cands = append(cands, b)
	}
	for _, b := range pickBlocks(p.w, 1<<20, cands...) {
		p.lines = append(p.lines, b...)
	}
}

type balCols struct {
	asset               int
	free, locked, total numCol
}

// table renders every account's balances with the columns asked for.
func (p *Balances) table(rows map[string][]balRow, hidden map[string]int, c balCols, total, locked bool, indent, sep string) blocks {
	out := make(blocks, 0, len(p.accts.list))
	for _, name := range p.accts.list {
		head := []string{p.st.Title.Render(name)}
		cur, ok := p.data[name]
		good, hasGood := p.lastOK[name]
		var errText string
		switch {
		case !ok:
			head = append(head, p.st.Muted.Render("no balances yet"))
		case cur.Err != nil:
			st := "STALE"
			if hasGood && !p.now.IsZero() {
				st += " " + shortDur(p.now.Sub(good.At))
			}
			head = append(head, p.st.Stale.Render("⚠ "+st))
			errText = p.st.Error.Render(cur.Err.Error())
		case !p.now.IsZero() && p.now.Sub(cur.At) > max(StaleAfter, 2*cur.Every):
			head = append(head, p.st.Stale.Render("⚠ STALE "+shortDur(p.now.Sub(cur.At))))
		}
		polled := ""
		if ok && cur.Polled && cur.Every > 0 {
			polled = p.st.Muted.Render("polled every " + shortDur(cur.Every))
		}
		dust := ""
		if n := hidden[name]; n > 0 {
			dust = p.st.Muted.Render(fmt.Sprintf("%d dust hidden", n))
		}
		// Name and staleness always; the error and the dust note when they
		// fit, the error on a line of its own (cut if it must be) when not.
		lines := []string{joinWhile(p.w, "  ", head, errText, polled, dust)}
		if errText != "" && !strings.Contains(lines[0], errText) {
			lines = append(lines, fit("  "+errText, p.w))
		}
		if !hasGood {
			out = append(out, lines)
			continue
		}
		if len(rows[name]) == 0 {
			out = append(out, append(lines, fit(indent+p.st.Muted.Render("nothing held"), p.w)))
			continue
		}
		row := func(asset, free, lck, tot string) string {
			cols := []string{indent + padRight(asset, c.asset), free}
			if locked {
				cols = append(cols, lck)
			}
			if total {
				cols = append(cols, tot)
			}
			return strings.TrimRight(strings.Join(cols, sep), " ")
		}
		lines = append(lines, p.st.Header.Render(row("asset", padLeft("free", c.free.width()),
			padLeft("locked", c.locked.width()), padLeft("total", c.total.width()))))
		for _, r := range rows[name] {
			lines = append(lines, row(r.asset, c.free.cell(r.free), c.locked.cell(r.locked), c.total.cell(r.total)))
		}
		out = append(out, lines)
	}
	return out
}

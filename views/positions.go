package views

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
)

// PositionsMsg replaces an account's open positions. Only accounts whose
// venue holds positions send it, so the pane lists only those.
type PositionsMsg struct {
	Account   string
	Positions []exchange.Position
	At        time.Time     // when they were known to be current
	Every     time.Duration // the source's cadence; STALE past twice it
	Err       error
}

// liqNear is how close the mark may come to the liquidation price, as a
// fraction of the mark, before the row is a danger.
var liqNear = decimal.New(10, -2)

// Positions shows each derivatives account's open positions: size in the
// venue's own unit with the notional beside it, entry, mark, liquidation
// price and unrealised PnL. A venue's unit is kept (contracts, USD, coin)
// because it is what the venue's screen and its order entry speak.
type Positions struct {
	st      *Styles
	keys    ScrollKeys
	w, h    int
	focused bool
	now     time.Time

	accts  accountOrder
	data   map[string]PositionsMsg
	lastOK map[string]PositionsMsg

	scrolled
}

// NewPositions returns an empty positions pane.
func NewPositions(st *Styles) *Positions {
	return &Positions{st: st, keys: newScrollKeys(), data: map[string]PositionsMsg{}, lastOK: map[string]PositionsMsg{}}
}

func (p *Positions) Title() string { return "Positions" }
func (p *Positions) Focus()        { p.focused = true }
func (p *Positions) Blur()         { p.focused = false }

func (p *Positions) SetSize(w, h int) {
	p.w, p.h = w, h
	p.stale = true
}

func (p *Positions) ShortHelp() []key.Binding  { return nil }
func (p *Positions) FullHelp() [][]key.Binding { return [][]key.Binding{p.keys.bindings()} }

func (p *Positions) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case AccountsMsg:
		// Only accounts that sent positions are listed; the order is the
		// config's.
		p.accts.set(msg)
	case PositionsMsg:
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
		p.scroll(p.keys, msg, p.h, p.render)
		return nil
	default:
		return nil
	}
	p.stale = true
	return nil
}

func (p *Positions) View() string { return p.viewOf(p.h, p.render) }

// Version moves when View would show other text (see shown).
func (p *Positions) Version() uint64 { return p.versionOf(p.h, p.render) }

// posRow is one position's cells, formatted once.
type posRow struct {
	symbol, side, size, unit, notional string
	entry, mark, liq, pnl, settle      string
	near                               bool // mark within liqNear of liquidation
	liqAway                            string
	short                              bool
}

func positionRow(x exchange.Position) posRow {
	r := posRow{symbol: x.Symbol, side: x.Side(), size: x.Size.Abs().String(), unit: x.Unit,
		entry: orDash(x.Entry), mark: orDash(x.Mark), liq: orDash(x.Liquidation), settle: x.Settle,
		short: x.Size.IsNegative()}
	if !x.PnL.IsZero() || x.Settle != "" {
		r.pnl = x.PnL.String()
		if x.PnL.IsPositive() {
			r.pnl = "+" + r.pnl
		}
	}
	if !x.Notional.IsZero() {
		r.notional = "≈ " + x.Notional.Abs().StringFixed(0) + " " + x.NotionalIn
	}
	if x.Liquidation.IsPositive() && x.Mark.IsPositive() {
		away := x.Mark.Sub(x.Liquidation).Abs().Div(x.Mark)
		r.near = away.LessThan(liqNear)
		r.liqAway = away.Mul(decimal.NewFromInt(100)).StringFixed(1) + "% away"
	}
	return r
}

func orDash(d decimal.Decimal) string {
	if d.IsZero() {
		return "—"
	}
	return d.String()
}

func (p *Positions) render() {
	p.lines = p.lines[:0]
	if p.w <= 0 {
		return
	}
	var names []string
	for _, n := range p.accts.list {
		if _, ok := p.data[n]; ok {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		p.lines = append(p.lines, fit(p.st.Muted.Render("no account holds positions"), p.w))
		return
	}
	rows := map[string][]posRow{}
	cols := posCols{symbol: 6, size: numCol{name: "size"}, entry: numCol{name: "entry"}, mark: numCol{name: "mark"},
		liq: numCol{name: "liq"}, pnl: numCol{name: "PnL"}}
	for _, n := range names {
		for _, x := range p.lastOK[n].Positions {
			r := positionRow(x)
			cols.symbol = max(cols.symbol, len(r.symbol))
			cols.unit = max(cols.unit, len(r.unit))
			cols.settle = max(cols.settle, len(r.settle))
			cols.size.see(r.size)
			for c, s := range map[*numCol]string{&cols.entry: r.entry, &cols.mark: r.mark, &cols.liq: r.liq, &cols.pnl: r.pnl} {
				if s != "—" {
					c.see(s)
				}
			}
			rows[n] = append(rows[n], r)
		}
	}
	for _, b := range pickBlocks(p.w, 1<<20, p.table(names, rows, cols, true), p.table(names, rows, cols, false)) {
		p.lines = append(p.lines, b...)
	}
}

type posCols struct {
	symbol, unit, settle        int
	size, entry, mark, liq, pnl numCol
}

// table renders every account: wide, one line a position; else two.
func (p *Positions) table(names []string, rows map[string][]posRow, c posCols, wide bool) blocks {
	out := make(blocks, 0, len(names))
	for _, name := range names {
		lines := []string{p.head(name)}
		if _, ok := p.lastOK[name]; !ok {
			out = append(out, lines)
			continue
		}
		if len(rows[name]) == 0 {
			out = append(out, append(lines, "  "+p.st.Muted.Render("no open positions")))
			continue
		}
		if wide {
			lines = append(lines, p.st.Header.Render(strings.TrimRight(strings.Join([]string{
				"  " + padRight("symbol", c.symbol), padRight("side", 5), padLeft("size", c.size.width()) + " " + padRight("", c.unit),
				padLeft("entry", c.entry.width()), padLeft("mark", c.mark.width()), padLeft("liq", c.liq.width()),
				padLeft("PnL", c.pnl.width()) + " " + padRight("", c.settle)}, "  "), " ")))
		}
		for _, r := range rows[name] {
			side := p.st.Buy.Render(padRight(r.side, 5))
			if r.short {
				side = p.st.Sell.Render(padRight(r.side, 5))
			}
			liq := c.liq.cell(r.liq)
			if r.liq == "—" {
				liq = padLeft("—", c.liq.width())
			}
			if r.near {
				liq = p.st.Danger.Render(liq)
			}
			cell := func(col numCol, s string) string {
				if s == "—" {
					return padLeft("—", col.width())
				}
				return col.cell(s)
			}
			if wide {
				line := strings.Join([]string{"  " + padRight(r.symbol, c.symbol), side,
					c.size.cell(r.size) + " " + padRight(r.unit, c.unit),
					cell(c.entry, r.entry), cell(c.mark, r.mark), liq,
					cell(c.pnl, r.pnl) + " " + padRight(r.settle, c.settle)}, "  ")
				near := ""
				if r.near {
					near = p.st.Danger.Render("liq " + r.liqAway)
				}
				// Not cut: a line wider than the pane makes pickBlocks
				// take the two-line shape.
				for _, o := range []string{near, p.st.Muted.Render(r.notional)} {
					if o != "" && lipgloss.Width(line)+2+lipgloss.Width(o) <= p.w {
						line += "  " + o
					}
				}
				lines = append(lines, strings.TrimRight(line, " "))
				continue
			}
			first := joinWhile(p.w, " ", []string{"  " + r.symbol, side, r.size + " " + r.unit}, p.st.Muted.Render(r.notional))
			liqText := "liq " + r.liq
			if r.near {
				liqText = p.st.Danger.Render(liqText + " " + r.liqAway)
			}
			// What a trader must see first: PnL and how close liquidation is.
			second := joinWhile(p.w, "  ", []string{"    PnL " + strings.TrimSpace(r.pnl+" "+r.settle), liqText},
				"entry "+r.entry, "mark "+r.mark)
			lines = append(lines, first, second)
		}
		out = append(out, lines)
	}
	return out
}

// head is an account's line: its name, and what is wrong with the data.
func (p *Positions) head(name string) string {
	parts := []string{p.st.Title.Render(name)}
	cur := p.data[name]
	good, hasGood := p.lastOK[name]
	switch {
	case cur.Err != nil:
		st := "⚠ STALE"
		if hasGood && !p.now.IsZero() {
			st += " " + shortDur(p.now.Sub(good.At))
		}
		return joinWhile(p.w, "  ", append(parts, p.st.Stale.Render(st)), p.st.Error.Render(cur.Err.Error()))
	case !p.now.IsZero() && p.now.Sub(cur.At) > max(StaleAfter, 2*cur.Every):
		parts = append(parts, p.st.Stale.Render("⚠ STALE "+shortDur(p.now.Sub(cur.At))))
	case hasGood:
		parts = append(parts, p.st.Muted.Render(fmt.Sprintf("%d open", len(good.Positions))))
	}
	return joinWhile(p.w, "  ", parts)
}

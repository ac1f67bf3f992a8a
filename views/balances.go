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

	lines []string
	off   int
	stale bool // lines are behind the data; View renders them
	shown shown
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
		p.settle()
		p.off, _ = p.keys.move(msg, p.off, max(1, len(p.lines)-p.h+1), p.h)
		return nil
	default:
		return nil
	}
	p.stale = true
	return nil
}

func (p *Balances) View() string {
	p.settle()
	return p.shown.view(window(p.lines, p.off, p.h))
}

// Version moves when View would show other text (see shown).
func (p *Balances) Version() uint64 {
	p.settle()
	return p.shown.version(window(p.lines, p.off, p.h))
}

// settle renders what changed since the last View. Updates only mark the
// pane stale: a flush of many accounts' news then costs one render, not
// one render of every account per account.
func (p *Balances) settle() {
	if p.stale {
		p.stale = false
		p.render()
	}
}

type balRow struct{ asset, free, locked, total string }

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
	aw, fw, lw, tw := 5, 4, 6, 5
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
			aw, fw, lw, tw = max(aw, len(r.asset)), max(fw, len(r.free)), max(lw, len(r.locked)), max(tw, len(r.total))
			rows[name] = append(rows[name], r)
		}
	}
	aw = min(aw, 10)
	// The richest table that fits: with totals, then free and locked, then
	// tighter, then free alone (locked is what open orders hold, and the
	// blotter shows those).
	cw := balCols{aw, fw, lw, tw}
	var cands []blocks
	for _, sh := range []struct {
		total, locked bool
		sep           string
	}{{true, true, "  "}, {false, true, "  "}, {false, true, " "}, {false, false, " "}} {
		cands = append(cands, p.table(rows, hidden, cw, sh.total, sh.locked, sh.sep))
	}
	for _, b := range pickBlocks(p.w, 1<<20, cands...) {
		p.lines = append(p.lines, b...)
	}
}

type balCols struct{ asset, free, locked, total int }

// table renders every account's balances with the columns asked for.
func (p *Balances) table(rows map[string][]balRow, hidden map[string]int, c balCols, total, locked bool, sep string) blocks {
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
		dust := ""
		if n := hidden[name]; n > 0 {
			dust = p.st.Muted.Render(fmt.Sprintf("%d dust hidden", n))
		}
		// Name and staleness always; the error and the dust note when they
		// fit, the error on a line of its own (cut if it must be) when not.
		lines := []string{joinWhile(p.w, "  ", head, errText, dust)}
		if errText != "" && !strings.Contains(lines[0], errText) {
			lines = append(lines, fit("  "+errText, p.w))
		}
		if !hasGood {
			out = append(out, lines)
			continue
		}
		if len(rows[name]) == 0 {
			out = append(out, append(lines, fit("  "+p.st.Muted.Render("nothing held"), p.w)))
			continue
		}
		row := func(asset, free, lck, tot string) string {
			cols := []string{"  " + padRight(asset, c.asset), padLeft(free, c.free)}
			if locked {
				cols = append(cols, padLeft(lck, c.locked))
			}
			if total {
				cols = append(cols, padLeft(tot, c.total))
			}
			return strings.Join(cols, sep)
		}
		lines = append(lines, p.st.Header.Render(row("asset", "free", "locked", "total")))
		for _, r := range rows[name] {
			lines = append(lines, row(r.asset, r.free, r.locked, r.total))
		}
		out = append(out, lines)
	}
	return out
}

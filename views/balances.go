package views

import (
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/shopspring/decimal"
)

// StaleAfter is how old a balance snapshot may get before it is marked STALE.
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
	p.render()
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
		p.off, _ = p.keys.move(msg, p.off, max(1, len(p.lines)-p.h+1), p.h)
		return nil
	default:
		return nil
	}
	p.render()
	return nil
}

func (p *Balances) View() string { return joinLines(window(p.lines, p.off, p.h)) }

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
	wide := p.w >= 100
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
	for _, name := range p.accts.list {
		head := []string{p.st.Title.Render(name)}
		cur, ok := p.data[name]
		good, hasGood := p.lastOK[name]
		switch {
		case !ok:
			head = append(head, p.st.Muted.Render("no balances yet"))
		case cur.Err != nil:
			st := "STALE"
			if hasGood && !p.now.IsZero() {
				st += " " + shortDur(p.now.Sub(good.At))
			}
			head = append(head, p.st.Stale.Render("⚠ "+st), p.st.Error.Render(cur.Err.Error()))
		case !p.now.IsZero() && p.now.Sub(cur.At) > StaleAfter:
			head = append(head, p.st.Stale.Render("⚠ STALE "+shortDur(p.now.Sub(cur.At))))
		}
		if n := hidden[name]; n > 0 {
			head = append(head, p.st.Muted.Render(fmt.Sprintf("%d dust hidden", n)))
		}
		p.lines = append(p.lines, joinFit(p.w, "  ", head...))
		if !hasGood {
			continue
		}
		if len(rows[name]) == 0 {
			p.lines = append(p.lines, fit("  "+p.st.Muted.Render("nothing held"), p.w))
			continue
		}
		hdr := []string{"  " + padRight("asset", aw), padLeft("free", fw), padLeft("locked", lw)}
		if wide {
			hdr = append(hdr, padLeft("total", tw))
		}
		p.lines = append(p.lines, p.st.Header.Render(joinFit(p.w, "  ", hdr...)))
		for _, r := range rows[name] {
			cols := []string{"  " + padRight(r.asset, aw), padLeft(r.free, fw), padLeft(r.locked, lw)}
			if wide {
				cols = append(cols, padLeft(r.total, tw))
			}
			p.lines = append(p.lines, joinFit(p.w, "  ", cols...))
		}
	}
}

package views

import (
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/vigil-trade/vigil/exchange"
)

// BudgetsKeys is the keymap of the budgets pane.
type BudgetsKeys struct{ ScrollKeys }

// Budgets shows each account's rate-limit buckets as gauges, a ban as a
// countdown, and how many requests wait locally.
type Budgets struct {
	st      *Styles
	keys    BudgetsKeys
	w, h    int
	focused bool
	now     time.Time

	accts accountOrder
	snap  map[string]exchange.BudgetSnapshot

	lines []string
	off   int
}

// NewBudgets returns an empty budgets pane.
func NewBudgets(st *Styles) *Budgets {
	return &Budgets{st: st, keys: BudgetsKeys{newScrollKeys()}, snap: map[string]exchange.BudgetSnapshot{}}
}

func (p *Budgets) Title() string { return "Budgets" }
func (p *Budgets) Focus()        { p.focused = true }
func (p *Budgets) Blur()         { p.focused = false }

func (p *Budgets) SetSize(w, h int) {
	p.w, p.h = w, h
	p.render()
}

func (p *Budgets) ShortHelp() []key.Binding  { return []key.Binding{p.keys.Up, p.keys.Down} }
func (p *Budgets) FullHelp() [][]key.Binding { return [][]key.Binding{p.keys.bindings()} }

func (p *Budgets) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case AccountsMsg:
		p.accts.set(msg)
	case BudgetMsg:
		p.accts.ensure(msg.Snapshot.Account)
		p.snap[msg.Snapshot.Account] = msg.Snapshot
	case TickMsg:
		p.now = msg.Now
	case tea.KeyPressMsg:
		if p.focused {
			p.off, _ = p.keys.move(msg, p.off, max(1, len(p.lines)-p.h+1), p.h)
		}
		return nil
	default:
		return nil
	}
	p.render()
	return nil
}

func (p *Budgets) View() string { return joinLines(window(p.lines, p.off, p.h)) }

func (p *Budgets) render() {
	p.lines = p.lines[:0]
	if p.w <= 0 {
		return
	}
	if len(p.accts.list) == 0 {
		p.lines = append(p.lines, fit(p.st.Muted.Render("no accounts"), p.w))
		return
	}
	nameW := 10
	if p.w >= 120 {
		nameW = 14
	}
	for _, name := range p.accts.list {
		s, ok := p.snap[name]
		if !ok {
			p.lines = append(p.lines, fit(p.st.Title.Render(name)+"  "+p.st.Muted.Render("no budget yet"), p.w))
			continue
		}
		head := []string{p.st.Title.Render(name)}
		if s.Banned(p.now) {
			ban := p.st.Danger.Render("⚠ BANNED " + shortDur(s.BannedUntil.Sub(p.now)))
			if s.BanReason != "" {
				ban += " " + p.st.Muted.Render(s.BanReason)
			}
			head = append(head, ban)
		}
		if s.Waiting > 0 {
			head = append(head, p.st.Warn.Render(fmt.Sprintf("waiting %d", s.Waiting)))
		} else {
			head = append(head, p.st.Muted.Render("waiting 0"))
		}
		p.lines = append(p.lines, joinFit(p.w, "  ", head...))
		for _, b := range s.Buckets {
			p.lines = append(p.lines, p.bucket(b, nameW))
		}
	}
}

// bucket is "  weight/1m  ████░░░░  450/1200  38%  reset 42s"; the gauge
// takes what the text leaves.
func (p *Budgets) bucket(b exchange.Bucket, nameW int) string {
	percent := 0
	if b.Limit > 0 {
		percent = b.Used * 100 / b.Limit
	}
	pc := fmt.Sprintf("%3d%%", percent)
	switch {
	case percent >= 95:
		pc = p.st.Danger.Render(pc + " FULL")
	case percent >= 80:
		pc = p.st.Warn.Render(pc + " high")
	}
	count := padLeft(fmt.Sprintf("%d/%d", b.Used, b.Limit), 11)
	reset := ""
	if !b.ResetAt.IsZero() && !p.now.IsZero() && b.ResetAt.After(p.now) {
		reset = p.st.Muted.Render("reset " + shortDur(b.ResetAt.Sub(p.now)))
	}
	fixed := 2 + nameW + 2 + 11 + 2 + 9 + 2 + 12
	gw := min(40, p.w-fixed-2)
	g := ""
	if gw >= 4 {
		g = gauge(p.st, b.Used, b.Limit, gw)
	}
	return joinFit(p.w, "  ", "  "+padRight(b.Name, nameW), g, count, padRight(pc, 9), reset)
}

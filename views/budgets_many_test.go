package views

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/exchange"
)

// TestBudgetsShortcutPicksWhatTheFullSearchWould: when the pane skips
// building the expanded shapes (none can fit the height), its lines are
// the ones the search over every shape picks, at every size and account
// count, banned or not.
func TestBudgetsShortcutPicksWhatTheFullSearchWould(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, n := range []int{1, 3, 8, 20} {
		p := NewBudgets(testStyles())
		var accts AccountsMsg
		for i := range n {
			accts.Accounts = append(accts.Accounts, exchange.AccountInfo{Name: fmt.Sprintf("acct-%02d", i)})
		}
		p.Update(accts)
		p.Update(TickMsg{Now: now})
		for i := range n {
			if i%5 == 4 {
				continue // no budget yet
			}
			s := exchange.BudgetSnapshot{Account: fmt.Sprintf("acct-%02d", i), Waiting: i % 3}
			for k := range 1 + i%4 {
				s.Buckets = append(s.Buckets, exchange.Bucket{Name: fmt.Sprintf("b%d/1m", k), Used: (i*37 + k*11) % 70,
					Limit: 60, Window: time.Minute, ResetAt: now.Add(time.Duration(k+1) * 7 * time.Second)})
			}
			if i%7 == 3 {
				s.BannedUntil, s.BanReason = now.Add(90*time.Second), "418 teapot"
			}
			p.Update(BudgetMsg{Snapshot: s})
		}
		for w := 12; w <= 120; w += 18 {
			// The heights where the choice changes: one-line shapes fit
			// from n rows, expanded ones from 2n (n+ with missing
			// budgets) to one row per bucket.
			for _, h := range []int{1, n - 1, n, n + 1, 2*n - 2, 2*n - 1, 2 * n, 2*n + 1, 3 * n, 4*n + 2} {
				if h < 1 {
					continue
				}
				p.SetSize(w, h)
				_ = p.View()
				if got, want := p.lines, fullSearch(p); !slices.Equal(got, want) {
					t.Fatalf("%d accounts at %dx%d:\ngot  %q\nwant %q", n, w, h, got, want)
				}
			}
		}
	}
}

// fullSearch is the unfocused pane's choice among every shape, expanded
// ones included, as render made it before the shortcut.
func fullSearch(p *Budgets) []string {
	var c, cs budgetCols
	most := 0
	for _, name := range p.accts.list {
		c.name = max(c.name, min(maxNameW, len(name)))
		bs := p.snap[name].Buckets
		most = max(most, len(bs))
		for _, b := range bs {
			c.widen(b)
		}
		if b, ok := fullest(bs); ok {
			cs.widen(b)
		}
	}
	cs.name = c.name
	var cands []blocks
	for k := most; k >= 1; k-- {
		cands = append(cands, p.gauged(c, budgetExpanded, k), p.shape(c, budgetExpanded, 0, k), p.shape(c, budgetExpandedShort, 0, k))
	}
	cands = append(cands, p.gauged(cs, budgetSummary, 1), p.shape(cs, budgetSummary, 0, 1), p.shape(cs, budgetSummaryShort, 0, 1), p.shape(cs, budgetSummaryMin, 0, 1))
	var out []string
	for _, b := range pickBlocks(p.w, p.h, cands...) {
		out = append(out, b...)
	}
	return out
}

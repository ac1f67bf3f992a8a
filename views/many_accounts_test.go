package views

import (
	"fmt"
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/shopspring/decimal"

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
		ks := p.spread(k)
		cands = append(cands, p.gauged(c, budgetExpanded, ks), p.shape(c, budgetExpanded, 0, ks), p.shape(c, budgetExpandedShort, 0, ks))
	}
	cands = append(cands, p.gauged(cs, budgetSummary, nil), p.shape(cs, budgetSummary, 0, nil), p.shape(cs, budgetSummaryShort, 0, nil), p.shape(cs, budgetSummaryMin, 0, nil))
	var out []string
	for _, b := range pickBlocks(p.w, p.h, cands...) {
		out = append(out, b...)
	}
	return out
}

// manyAccounts is n live accounts as a cockpit sees them once settled:
// audited keys on live streams, synced clocks, budgets with a few buckets,
// three balances each.
func manyAccounts(n int, at time.Time) []tea.Msg {
	msgs := []tea.Msg{}
	var accts AccountsMsg
	for i := range n {
		accts.Accounts = append(accts.Accounts, exchange.AccountInfo{Name: fmt.Sprintf("demo-acct-%02d", i), Venue: "binance",
			Network: exchange.Testnet, Scheme: exchange.SchemeHMAC, KeyID: "abcd…wxyz", KeyCreated: at.Add(-30 * 24 * time.Hour)})
	}
	msgs = append(msgs, accts, TickMsg{Now: at})
	for i, a := range accts.Accounts {
		name := a.Name
		msgs = append(msgs,
			KeyInfoMsg{Account: name, Info: exchange.KeyInfo{Read: exchange.TriYes, Trade: exchange.TriYes, Withdraw: exchange.TriNo, CheckedAt: at}},
			StreamMsg{Account: name, State: "live", Since: at.Add(-time.Minute), LastEvent: at.Add(-time.Duration(i) * time.Second)},
			ClockMsg{Snapshot: exchange.ClockSnapshot{Account: name, Synced: true, Offset: time.Duration(i*1300-9000) * time.Microsecond,
				Uncertainty: 3 * time.Millisecond, RTT: 6 * time.Millisecond, LastSync: at.Add(-time.Duration(i) * time.Second),
				AheadLimit: time.Second, BehindLimit: 5 * time.Second, HeadroomAhead: time.Second, HeadroomBehind: 4 * time.Second,
				Recent: []time.Duration{time.Millisecond, 2 * time.Millisecond}, Samples: 5}},
			BudgetMsg{Snapshot: exchange.BudgetSnapshot{Account: name, At: at, Buckets: []exchange.Bucket{
				{Name: "weight/1m", Used: 900 + i, Limit: 6000, Window: time.Minute, ResetAt: at.Add(40 * time.Second)},
				{Name: "orders/10s", Used: i % 3, Limit: 50, Window: 10 * time.Second, ResetAt: at.Add(4 * time.Second)},
				{Name: "raw/5m", Used: 19, Limit: 61000, Window: 5 * time.Minute, ResetAt: at.Add(3 * time.Minute)},
			}}},
			BalancesMsg{Account: name, At: at, Every: 30 * time.Second, Balances: []exchange.Balance{
				{Asset: "BTC", Free: decimal.RequireFromString("0.5"), Locked: decimal.Zero},
				{Asset: "ETH", Free: decimal.NewFromInt(5), Locked: decimal.Zero},
				{Asset: "USDT", Free: decimal.RequireFromString("9996.98452"), Locked: decimal.RequireFromString("193.04326")},
			}},
		)
	}
	return msgs
}

// BenchmarkPanesTick is what the 1 Hz tick costs each summary pane with
// many accounts, at the size the 160x48 layout gives it: the tick moves
// every "5s ago" and countdown, so each pane renders again.
func BenchmarkPanesTick(b *testing.B) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, n := range []int{4, 20} {
		st := testStyles()
		for _, pc := range []struct {
			name string
			p    Pane
		}{{"keys", NewKeys(st)}, {"clock", NewClock(st)}, {"budgets", NewBudgets(st)}, {"balances", NewBalances(st)}} {
			b.Run(fmt.Sprintf("%s/%d", pc.name, n), func(b *testing.B) {
				p := pc.p
				feed(p, manyAccounts(n, at))
				p.SetSize(50, 11)
				_ = p.View()
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					i++
					p.Update(TickMsg{Now: at.Add(time.Duration(i) * time.Second)})
					_ = p.View()
				}
			})
		}
	}
}

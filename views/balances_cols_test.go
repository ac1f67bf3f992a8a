package views

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/vigil-trade/vigil/exchange"
)

// balancesWith is a balances pane with one account holding bals.
func balancesWith(bals ...exchange.Balance) *Balances {
	p := NewBalances(testStyles())
	feed(p, []tea.Msg{fixtureAccounts(1), TickMsg{Now: t0}, BalancesMsg{Account: acctNames[0], At: t0, Balances: bals}})
	return p
}

// headerOf is the pane's column header line.
func headerOf(t *testing.T, v string) string {
	t.Helper()
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, "asset") && strings.Contains(l, "free") {
			return l
		}
	}
	t.Fatalf("no header in:\n%s", v)
	return ""
}

// Issue 14: at 160×48 a 10-character value pushed locked out, and total
// went while the pane had room for it with tighter spacing, without a
// word. Spacing shrinks before a column goes, and a column that goes is
// named.
func TestBalancesColumnsShrinkBeforeTheyVanish(t *testing.T) {
	p := balancesWith(
		exchange.Balance{Asset: "BTC", Free: d("0.51234567"), Locked: d("0.01")},
		exchange.Balance{Asset: "USDT", Free: d("9876.5"), Locked: d("1234.56789")},
	)
	// One-space table: " asset" + " 9876.50000000"(13) + " 1234.56789"(10)
	// + " 11111.06789000"(14) = 46 cells.
	const need = 46
	for w := 20; w <= 80; w++ {
		p.SetSize(w, 20)
		v := ansi.Strip(p.View())
		h := headerOf(t, v)
		for _, col := range []string{"locked", "total"} {
			switch {
			case !strings.Contains(h, col) && w >= need:
				t.Errorf("width %d has room for %s, but it went:\n%s", w, col, v)
			case !strings.Contains(h, col) && !strings.Contains(v, "no room for"):
				t.Errorf("at width %d %s vanished silently:\n%s", w, col, v)
			}
		}
	}
}

// Issue 14: decimals did not line up. Every number column puts its
// points (or where an integer's point would be) in one place.
func TestBalancesAlignOnDecimalPoint(t *testing.T) {
	p := balancesWith(
		exchange.Balance{Asset: "BTC", Free: d("0.51234567"), Locked: d("0.01")},
		exchange.Balance{Asset: "USDT", Free: d("10234.5"), Locked: d("1500")},
		exchange.Balance{Asset: "ETH", Free: d("3"), Locked: d("0.125")},
	)
	for _, w := range []int{30, 60, 120} {
		p.SetSize(w, 20)
		v := ansi.Strip(p.View())
		var rows []string
		for _, l := range strings.Split(v, "\n") {
			if f := strings.Fields(l); len(f) >= 2 && (f[0] == "BTC" || f[0] == "USDT" || f[0] == "ETH") {
				rows = append(rows, l)
			}
		}
		if len(rows) != 3 {
			t.Fatalf("width %d: rows %q", w, rows)
		}
		// Column k's point: the offset of '.' in field k, or the cell
		// after its last digit.
		point := func(l string, k int) int {
			at := 0
			for i := 0; i <= k; i++ {
				rest := l[at:]
				start := at + len(rest) - len(strings.TrimLeft(rest, " "))
				f := strings.Fields(l[start:])[0]
				at = start + len(f)
				if i == k {
					if j := strings.IndexByte(f, '.'); j >= 0 {
						return start + j
					}
					return start + len(f)
				}
			}
			return -1
		}
		cols := len(strings.Fields(rows[0])) - 1
		for k := 1; k <= cols; k++ {
			want := point(rows[0], k)
			for _, r := range rows[1:] {
				if got := point(r, k); got != want {
					t.Errorf("width %d column %d: point at %d, %d:\n%s", w, k, want, got, v)
				}
			}
		}
	}
}

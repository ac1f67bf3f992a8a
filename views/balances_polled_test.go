package views

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/vigil-trade/vigil/exchange"
)

// TestBalancesSayWhenPolled: an account whose venue pushes no balances
// (Coinbase) says they are polled and how often; one whose stream pushes
// them says nothing of the kind; the note goes before the name would.
func TestBalancesSayWhenPolled(t *testing.T) {
	bal := exchange.Balance{Asset: "USDC", Free: d("100")}
	for _, polled := range []bool{true, false} {
		p := NewBalances(testStyles())
		feed(p, []tea.Msg{fixtureAccounts(1), TickMsg{Now: t0},
			BalancesMsg{Account: acctNames[0], At: t0, Balances: []exchange.Balance{bal}, Every: 30 * time.Second, Polled: polled}})
		p.SetSize(60, 10)
		v := ansi.Strip(p.View())
		if got := strings.Contains(v, "polled every 30s"); got != polled {
			t.Errorf("polled %v, the pane says %q:\n%s", polled, "polled every 30s", v)
		}
		p.SetSize(len(acctNames[0])+4, 10)
		if v := ansi.Strip(p.View()); !strings.Contains(v, acctNames[0]) {
			t.Errorf("narrow, the name went before the note:\n%s", v)
		}
	}
}

package views

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// Read off the demo in tmux: a symbol the venue does not list ("ETH"
// typed on the way to ETHUSDT, or a typo) said "waiting for ETH rules",
// which never come: only listed symbols' rules are asked for.
func TestOrderEntrySaysASymbolIsNotListed(t *testing.T) {
	p := orderEntry(t)
	p.Update(SymbolsMsg{Account: acctNames[0], Symbols: []string{"BTCUSDT", "ETHUSDT"}})
	p.Update(press(t, p.keys.Next))
	typeText(p, "ETH")
	v := ansi.Strip(p.View())
	if strings.Contains(v, "waiting for ETH rules") || !strings.Contains(p.Blocked(), "ETH is not a symbol "+acctNames[0]+" lists") {
		t.Fatalf("blocked %q:\n%s", p.Blocked(), v)
	}
	typeText(p, "USDT")
	if !strings.Contains(p.Blocked(), "waiting for ETHUSDT rules") {
		t.Fatalf("a listed symbol: blocked %q", p.Blocked())
	}
}

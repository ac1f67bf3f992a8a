package ui

import (
	"strings"
	"testing"

	"github.com/vigil-trade/vigil/views"
)

// Issue 14: the order form's symbol started empty on the first account
// (only a hint) while an account switch reset it to a listed symbol. It
// now starts on the first symbol the venue lists, and a symbol typed
// before the list arrives is kept.
func TestCockpitOrderFormStartsOnAListedSymbol(t *testing.T) {
	m := realModel(t, 120, 40)
	m.Update(views.SymbolsMsg{Account: "alpha", Symbols: []string{"ADAUSDT", "BTCUSDT"}})
	keys(t, m, "o")
	s := screen(m)
	if !strings.Contains(s, "symbol    ADAUSDT") || strings.Contains(s, "no symbol") {
		t.Fatalf("the form does not start on the venue's first symbol:\n%s", s)
	}

	m = realModel(t, 120, 40)
	keys(t, m, "o", "down")
	typeText(t, m, "ETHUSDT")
	m.Update(views.SymbolsMsg{Account: "alpha", Symbols: []string{"ADAUSDT", "ETHUSDT"}})
	if s := screen(m); !strings.Contains(s, "symbol    ETHUSDT") {
		t.Fatalf("a symbol typed before the list arrived was replaced:\n%s", s)
	}
}

package views

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/vigil-trade/vigil/exchange"
)

// Issue 14: the keys pane at 80 columns never showed key id, age or
// expiry; `R T -` had no legend; there was no cursor.
func TestKeysPaneAt80ColumnsShowsIDAgeExpiryLegendCursor(t *testing.T) {
	p := NewKeys(testStyles())
	for _, m := range fixture(4) {
		p.Update(m)
	}
	p.SetSize(78, 7) // the focused top slot at 80×24
	p.Focus()
	v := ansi.Strip(p.View())
	lines := strings.Split(v, "\n")
	if !strings.HasPrefix(lines[0], "▸ ks-test") {
		t.Fatalf("no cursor on the first account:\n%s", v)
	}
	for _, want := range []string{"ab00…00zz", "age 30d", "no expiry", "perms: R read · T trade · W withdraw"} {
		if !strings.Contains(v, want) {
			t.Errorf("keys pane lacks %q:\n%s", want, v)
		}
	}
	p.Update(keyMsg("down"))
	v = ansi.Strip(p.View())
	if p.Selected() != "owl-demo" || !strings.Contains(v, "▸ owl-demo") || !strings.Contains(v, "ab01…07zz") || !strings.Contains(v, "expires in 5d03h") {
		t.Fatalf("down: cursor on %q, screen:\n%s", p.Selected(), v)
	}
	if strings.Contains(v, "ab00…00zz") {
		t.Fatalf("the account left by the cursor keeps its key line:\n%s", v)
	}
	// The window follows the cursor to the last account.
	p.SetSize(78, 4)
	p.Update(keyMsg("end"))
	v = ansi.Strip(p.View())
	if !strings.Contains(v, "▸ ks-spot2") {
		t.Fatalf("end: the cursor's account is not shown:\n%s", v)
	}
	// Blurred: no cursor.
	p.Blur()
	if v = ansi.Strip(p.View()); strings.Contains(v, "▸") {
		t.Fatalf("a blurred pane shows a cursor:\n%s", v)
	}
}

// Blurred in a short slot, the pane says how many accounts it leaves out
// instead of dropping the last ones silently (five accounts at 80×24).
func TestKeysPaneSaysWhatItLeavesOut(t *testing.T) {
	p := NewKeys(testStyles())
	for _, m := range fixture(5) {
		p.Update(m)
	}
	p.SetSize(78, 4)
	v := ansi.Strip(p.View())
	lines := strings.Split(v, "\n")
	if len(lines) != 4 || !strings.Contains(lines[3], "↓ 2 more") {
		t.Fatalf("no count of the accounts left out:\n%s", v)
	}
	p.SetSize(78, 12)
	if v := ansi.Strip(p.View()); strings.Contains(v, "more") {
		t.Fatalf("a marker with room for every account:\n%s", v)
	}
}

// TestKeysPaneShortListsRiskyFirst: blurred with rows for three of five
// accounts, the ones that need a look (an audit that failed, a key that
// may withdraw) are shown and the quiet ones are the ones counted below
// the fold; focused, the config's order is back.
func TestKeysPaneShortListsRiskyFirst(t *testing.T) {
	p := NewKeys(testStyles())
	// The fixture's second account may withdraw and its fourth failed its
	// audit; the fifth may withdraw too.
	for _, m := range fixture(5) {
		p.Update(m)
	}
	p.Update(KeyInfoMsg{Account: acctNames[4], Info: exchange.KeyInfo{Read: exchange.TriYes, Trade: exchange.TriYes,
		Withdraw: exchange.TriYes, IPBound: exchange.TriYes, IPs: []string{"203.0.113.7"}, CheckedAt: t0}})
	p.SetSize(78, 4)
	v := ansi.Strip(p.View())
	lines := strings.Split(v, "\n")
	if len(lines) != 4 || !strings.Contains(lines[3], "↓ 2 more") {
		t.Fatalf("want three accounts and the count of the rest:\n%s", v)
	}
	for i, want := range []int{1, 3, 4} {
		if !strings.HasPrefix(lines[i], acctNames[want]) {
			t.Errorf("line %d is not %s (risky accounts first, in config order):\n%s", i, acctNames[want], v)
		}
	}
	p.Focus()
	p.SetSize(78, 12)
	if v := ansi.Strip(p.View()); strings.Index(v, acctNames[0]) > strings.Index(v, acctNames[4]) {
		t.Fatalf("focused, the config's order is lost:\n%s", v)
	}
}

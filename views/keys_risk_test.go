package views

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/orders/policy"
)

// Issue 13: the keys pane warned about an expiry at 7 days while `vigil
// check` warned at 14. Both render policy.KeyRisks now: a key expiring in
// 10 days, on a mainnet account with an old key and no IP binding, shows
// every risk the table lists, in the table's words, in the one-line shape
// as in the detail shape.
func TestKeysPaneRendersTheKeyRiskTable(t *testing.T) {
	info := exchange.AccountInfo{Name: "heron-main", Venue: "heron", Network: exchange.Mainnet,
		KeyCreated: t0.Add(-120 * 24 * time.Hour), AllowMainnet: true}
	ki := exchange.KeyInfo{Read: exchange.TriYes, Trade: exchange.TriYes, Withdraw: exchange.TriNo,
		IPBound: exchange.TriNo, Expires: t0.Add(10*24*time.Hour + 2*time.Hour), CheckedAt: t0}
	risks := policy.KeyRisks(ki, info, t0)
	var codes []string
	for _, r := range risks {
		codes = append(codes, r.Code)
	}
	if got := strings.Join(codes, ","); got != "key_old,ip_unbound,key_expiring" {
		t.Fatalf("the table lists %s", got)
	}
	p := NewKeys(testStyles())
	for _, m := range []any{AccountsMsg{Accounts: []exchange.AccountInfo{info}}, TickMsg{Now: t0}, KeyInfoMsg{Account: info.Name, Info: ki}} {
		p.Update(m)
	}
	for _, size := range [][2]int{{160, 10}, {78, 10}, {60, 1}} {
		p.SetSize(size[0], size[1])
		v := ansi.Strip(p.View())
		for _, r := range risks {
			if r.Code == policy.RiskKeyOld && size[1] == 1 {
				continue // the one-line shape has room for the worst risk of its last column only
			}
			if !strings.Contains(v, r.Word) {
				t.Errorf("%dx%d: no %q (%s):\n%s", size[0], size[1], r.Word, r.Code, v)
			}
		}
	}
	// The one line says the expiry (a warning here, as in check), which
	// the pane left out at 10 days before.
	p.SetSize(60, 1)
	if v := ansi.Strip(p.View()); !strings.Contains(v, "expires in 10d02h") {
		t.Fatalf("one line: %s", v)
	}
}

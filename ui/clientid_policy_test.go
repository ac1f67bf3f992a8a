package ui

import (
	"regexp"
	"testing"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/views"
)

// The cockpit makes an order's client id with the account's venue policy,
// not one venue's shape: a venue that takes only 0x + 32 hex digits gets
// one.
func TestConfirmedOrderUsesTheAccountsClientIDPolicy(t *testing.T) {
	info := acctInfo("alpha", exchange.Testnet)
	info.ClientID = exchange.ClientIDPolicy{Field: "cloid", Make: exchange.FormHex128, NoText: true, Also: exchange.Of(exchange.FormHex128)}
	f := newFixture(t, info)
	m := f.m
	m.Update(views.SubmitOrder{Account: "alpha", Req: limitBuy("0.01", "40000")})
	msgs := run(t, m, press(t, m, m.dkeys.Yes))
	var res placeResult
	for _, msg := range msgs {
		if r, ok := msg.(placeResult); ok {
			res = r
		}
	}
	if !regexp.MustCompile(`^0x[0-9a-f]{32}$`).MatchString(res.req.ClientID) || info.ClientID.Check(res.req.ClientID) != nil {
		t.Fatalf("client id %q (err %v)", res.req.ClientID, res.err)
	}
}

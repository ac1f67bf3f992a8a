package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/orders/policy"
)

// dialogKind says what a confirmed dialog does.
type dialogKind int

const (
	dialogAlert     dialogKind = iota // a refusal or notice; any answer closes it
	dialogPlace                       // place req on account
	dialogCancel                      // cancel ref on account
	dialogCancelAll                   // cancel every open order of account
)

// dialog is modal: while one is open it gets every key but ctrl+c (dialogs
// first). Its text is built once when it opens.
type dialog struct {
	kind    dialogKind
	title   string
	lines   []string
	account string
	req     exchange.OrderRequest
	ref     exchange.OrderRef

	// typed, when set, is what the user must type to confirm (the symbol,
	// as policy.TypedMatches judges it; not "yes"). why says why it is asked.
	typed string
	why   string
	input string
	wrong bool // the last enter did not match
}

// dialogAnswer is what a key press did to a dialog.
type dialogAnswer int

const (
	answerNone dialogAnswer = iota
	answerYes
	answerNo
)

func (d *dialog) handleKey(k DialogKeys, msg tea.KeyPressMsg) dialogAnswer {
	if d.kind == dialogAlert {
		if key.Matches(msg, k.Yes, k.No) {
			return answerNo
		}
		return answerNone
	}
	if d.typed == "" {
		switch {
		case key.Matches(msg, k.Yes):
			return answerYes
		case key.Matches(msg, k.No):
			return answerNo
		}
		return answerNone
	}
	// Typed confirmation: letters go to the input, so only esc backs out
	// and only enter submits.
	switch {
	case msg.String() == "esc":
		return answerNo
	case msg.String() == "enter":
		if policy.TypedMatches(d.typed, d.input) {
			return answerYes
		}
		d.wrong = true
		return answerNone
	case key.Matches(msg, k.Erase):
		if r := []rune(d.input); len(r) > 0 {
			d.input = string(r[:len(r)-1])
		}
		d.wrong = false
	case msg.Text != "" && len([]rune(d.input)) < 32:
		d.input += msg.Text
		d.wrong = false
	}
	return answerNone
}

// orderLines restates an order the way the venue will see it.
func orderLines(info exchange.AccountInfo, req exchange.OrderRequest, notional decimal.Decimal, notionalKnown bool, quote string) []string {
	badge := strings.ToUpper(string(info.Network))
	if badge == "" {
		badge = "UNKNOWN NETWORK"
	}
	side := string(req.Side)
	if req.Side == exchange.Buy {
		side = "▲ " + side
	} else if req.Side == exchange.Sell {
		side = "▼ " + side
	}
	price := "market"
	if req.Type != exchange.MarketOrder {
		price = req.Price.String()
	}
	n := "unknown (no reference price)"
	if notionalKnown {
		n = notional.StringFixed(2) + " " + quote
		if req.Type == exchange.MarketOrder {
			n = "≈ " + n + " at last price"
		}
	}
	tif := string(req.TIF)
	if req.Type == exchange.MarketOrder || tif == "" {
		tif = "-"
	}
	return []string{
		fmt.Sprintf("Account   %s (%s) [%s]", info.Name, info.Venue, badge),
		fmt.Sprintf("Symbol    %s", req.Symbol),
		fmt.Sprintf("Side      %s", side),
		fmt.Sprintf("Type      %s", req.Type),
		fmt.Sprintf("Qty       %s", req.Qty.String()),
		fmt.Sprintf("Price     %s", price),
		fmt.Sprintf("Notional  %s", n),
		fmt.Sprintf("TIF       %s", tif),
	}
}

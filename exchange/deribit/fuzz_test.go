package deribit

import (
	"net/http"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/venuefuzz"
)

// Replies as deribittest, the fake, sends them: the seeds of every target.
const (
	fuzzTime    = `{"jsonrpc":"2.0","result":1796439396884,"usIn":1796439396884101,"usOut":1796439396884190,"usDiff":89,"testnet":true}`
	fuzzInstr   = `{"jsonrpc":"2.0","result":[{"base_currency":"BTC","contract_size":0.001,"counter_currency":"USDC","instrument_name":"BTC_USDC-PERPETUAL","instrument_type":"linear","is_active":true,"kind":"future","min_trade_amount":0.001,"quote_currency":"USDC","settlement_currency":"USDC","settlement_period":"perpetual","tick_size":0.5},{"base_currency":"BTC","contract_size":10,"instrument_name":"BTC-PERPETUAL","instrument_type":"reversed","is_active":true,"kind":"future","min_trade_amount":10,"quote_currency":"USD","settlement_currency":"BTC","settlement_period":"perpetual","tick_size":0.5}],"usIn":1796439396884101,"usOut":1796439396884190,"usDiff":89,"testnet":true}`
	fuzzSummary = `{"jsonrpc":"2.0","result":{"limits":{"matching_engine":{"burst":20,"rate":5},"non_matching_engine":{"burst":100,"rate":20}},"summaries":[{"available_funds":99950,"balance":100000,"currency":"USDC","equity":100000,"initial_margin":50},{"available_funds":0,"balance":0,"currency":"ETH","equity":0}]},"usIn":"1796439396884101","usOut":"1796439396884190","usDiff":89,"testnet":true}`
	fuzzOrder   = `{"amount":0.001,"api":true,"average_price":0,"creation_timestamp":1796439396884,"direction":"buy","filled_amount":0,"instrument_name":"BTC_USDC-PERPETUAL","label":"cap1","last_update_timestamp":1796439396884,"order_id":"9007199254740993","order_state":"open","order_type":"limit","price":50000,"time_in_force":"good_til_cancelled"}`
	fuzzPlaced  = `{"jsonrpc":"2.0","result":{"order":` + fuzzOrder + `,"trades":[]},"usIn":1,"usOut":2,"usDiff":1,"testnet":true}`
	fuzzList    = `{"jsonrpc":"2.0","result":[` + fuzzOrder + `],"usIn":1,"usOut":2,"usDiff":1,"testnet":true}`
	fuzzOne     = `{"jsonrpc":"2.0","result":` + fuzzOrder + `,"usIn":1,"usOut":2,"usDiff":1,"testnet":true}`
)

var fuzz = venuefuzz.Target{
	Symbol:   "BTC_USDC-PERPETUAL",
	NotFound: `{"jsonrpc":"2.0","error":{"message":"Method not found","code":-32601},"testnet":true}`,
	Fixed:    map[string]string{"/api/v2/public/get_time": fuzzTime, "/api/v2/public/get_instruments": fuzzInstr},
	Paths: venuefuzz.Paths{Time: "/api/v2/public/get_time", Balances: "/api/v2/private/get_account_summaries", Rules: "/api/v2/public/get_instruments",
		Place: "/api/v2/private/buy", Quote: "/api/v2/public/ticker",
		Orders: []string{"/api/v2/private/buy", "/api/v2/private/get_order_state_by_label", "/api/v2/private/get_order_state",
			"/api/v2/private/cancel", "/api/v2/private/get_open_orders"}},
	Client: func(t *testing.T, rt http.RoundTripper) exchange.Venue {
		c, err := New(WithBaseURL("http://deribit.fuzz"), WithKey("k", crypto.NewSecret([]byte("s"))), WithHTTPClient(&http.Client{Transport: rt}))
		if err != nil {
			t.Fatal(err)
		}
		return c
	},
}

func FuzzTimeReply(f *testing.F) {
	fuzz.TimeReply(f, fuzzTime, `{"jsonrpc":"2.0","result":-1}`, `{"jsonrpc":"2.0","result":"x"}`, `{"jsonrpc":"2.0","result":1,"usIn":"x"}`, `{}`, ``)
}

func FuzzBalancesReply(f *testing.F) {
	fuzz.BalancesReply(f, fuzzSummary, `{"jsonrpc":"2.0","result":{"summaries":[]}}`,
		`{"jsonrpc":"2.0","result":{"summaries":[{"currency":"BTC","equity":-1,"available_funds":"x"}],"limits":{"non_matching_engine":200,"non_matching_engine_burst":300}}}`, `{}`)
}

func FuzzRulesReply(f *testing.F) {
	fuzz.RulesReply(f, fuzzInstr, `{"jsonrpc":"2.0","result":[]}`,
		`{"jsonrpc":"2.0","result":[{"instrument_name":"BTC_USDC-PERPETUAL","kind":"future","settlement_period":"perpetual","contract_size":0,"min_trade_amount":-1,"tick_size":0,"is_active":true}]}`, `{}`)
}

func FuzzOrderReply(f *testing.F) {
	fuzz.OrderReply(f, venuefuzz.Seed{N: 0, Body: fuzzPlaced}, venuefuzz.Seed{N: 1, Body: fuzzList}, venuefuzz.Seed{N: 2, Body: fuzzOne},
		venuefuzz.Seed{N: 3, Body: fuzzList}, venuefuzz.Seed{N: 1, Body: `{"jsonrpc":"2.0","result":[{}]}`},
		venuefuzz.Seed{N: 0, Body: `{"jsonrpc":"2.0","result":{"order":{"order_id":"1","amount":-1,"order_state":"open"}}}`},
		venuefuzz.Seed{N: 0, Body: `{"jsonrpc":"2.0","result":{"order":null}}`})
}

func FuzzErrorReply(f *testing.F) {
	var seeds []venuefuzz.Seed
	for _, s := range []string{`{"jsonrpc":"2.0","error":{"message":"unauthorized","data":{"reason":"invalid_timestamp","param":"timestamp"},"code":13009}}`,
		`{"jsonrpc":"2.0","error":{"message":"too_many_requests","code":10028}}`, `{"jsonrpc":"2.0","error":{"message":"forbidden","code":13021}}`,
		`{"jsonrpc":"2.0","error":{"message":"Invalid params","data":{"reason":"must be a multiple of contract size","param":"amount"},"code":-32602}}`,
		`<html>502 Bad Gateway</html>`, ``} {
		seeds = append(seeds, venuefuzz.Seed{N: 100, Body: s})
	}
	fuzz.ErrorReply(f, append(seeds, venuefuzz.Seed{N: 129, Body: `{"jsonrpc":"2.0","error":{"message":"too_many_requests","code":10028}}`},
		venuefuzz.Seed{N: 203, Body: `{"jsonrpc":"2.0","error":{"message":"settlement_in_progress","code":10041}}`})...)
}

func FuzzQuoteReply(f *testing.F) {
	fuzz.QuoteReply(f,
		`{"jsonrpc":"2.0","result":{"instrument_name":"BTC_USDC-PERPETUAL","best_bid_price":49999.5,"best_ask_price":50000.5,"last_price":50000,"mark_price":50000}}`,
		`{"jsonrpc":"2.0","result":{"best_bid_price":null,"best_ask_price":null,"last_price":50000}}`,
		`{"jsonrpc":"2.0","result":{"best_bid_price":2,"best_ask_price":1,"last_price":"x"}}`,
		`{"jsonrpc":"2.0","error":{"message":"Invalid params","code":-32602}}`, `{}`, ``)
}

// Messages of the fake's WebSocket.
const (
	fuzzPushOrder = `{"jsonrpc":"2.0","method":"subscription","params":{"channel":"user.orders.any.any.raw","data":` + fuzzOrder + `}}`
	fuzzPushFill  = `{"jsonrpc":"2.0","method":"subscription","params":{"channel":"user.orders.any.any.raw","data":{"order_id":"9007199254740993","label":"cap1","order_state":"filled","direction":"buy","instrument_name":"BTC_USDC-PERPETUAL","order_type":"limit","amount":0.001,"filled_amount":0.001,"price":50000,"average_price":49990,"last_update_timestamp":1796439396900}}}`
	fuzzPortfolio = `{"jsonrpc":"2.0","method":"subscription","params":{"channel":"user.portfolio.usdc","data":{"currency":"USDC","balance":1000,"equity":1000,"available_funds":950,"initial_margin":50}}}`
)

func FuzzStreamMessage(f *testing.F) {
	for _, s := range []string{fuzzPushOrder, fuzzPushFill, fuzzPortfolio,
		`{"jsonrpc":"2.0","method":"subscription","params":{"channel":"user.orders.BTC-PERPETUAL.100ms","data":[` + fuzzOrder + `]}}`,
		`{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}`, `{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"heartbeat"}}`,
		`{"jsonrpc":"2.0","method":"subscription","params":{"channel":"user.changes.any.any.raw","data":{"instrument_name":"BTC_USDC-PERPETUAL","orders":[],"trades":[],"positions":[{"instrument_name":"BTC_USDC-PERPETUAL","size":0.05,"average_price":65000,"mark_price":65100,"estimated_liquidation_price":32500,"floating_profit_loss":5}]}}}`,
		`{"jsonrpc":"2.0","method":"subscription","params":{"channel":"user.changes.any.any.raw","data":{"positions":[{"size":"x"}]}}}`,
		`{"jsonrpc":"2.0","id":3,"result":["user.orders.any.any.raw"],"usIn":1,"usOut":2,"usDiff":1,"testnet":true}`,
		`{"jsonrpc":"2.0","id":1,"error":{"message":"unauthorized","data":{"reason":"invalid_timestamp"},"code":13009}}`,
		`{"jsonrpc":"2.0","method":"subscription","params":{"channel":"user.portfolio.btc","data":{"currency":"BTC","equity":-1}}}`,
		`{"jsonrpc":"2.0","method":"subscription","params":{"channel":"user.orders.any.any.raw","data":{"order_id":"1","amount":"x"}}}`, `{}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := New(WithAccount(exchange.AccountInfo{Name: "acct"}), WithNow(func() time.Time { return time.Unix(1796439396, 0) }))
		if err != nil {
			t.Fatal(err)
		}
		_, evs, err := c.classifier()(raw)
		venuefuzz.StreamEvents(t, raw, err, evs...)
	})
}

// FuzzPositionsReply: a positions reply either fails or lists positions
// with a symbol and no negative price.
func FuzzPositionsReply(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","result":[{"instrument_name":"BTC_USDC-PERPETUAL","kind":"future","direction":"buy","size":0.05,"average_price":65000,"mark_price":65100,"estimated_liquidation_price":32500,"floating_profit_loss":5,"leverage":10}]}`,
		`{"jsonrpc":"2.0","result":[{"instrument_name":"BTC-PERPETUAL","size":-120,"average_price":65000,"mark_price":"x"}]}`,
		`{"jsonrpc":"2.0","result":[{"size":1}]}`, `{"jsonrpc":"2.0","result":{}}`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		routes := venuefuzz.NewRoutes(fuzz.NotFound, fuzz.Fixed, http.StatusOK, body, "/api/v2/private/get_positions")
		c := fuzz.Client(t, routes).(*Client)
		ps, err := c.Positions(venuefuzz.Ctx(t))
		venuefuzz.GarbageAccepted(t, body, err)
		for _, p := range ps {
			if p.Symbol == "" || p.Size.IsZero() || p.Entry.IsNegative() || p.Mark.IsNegative() || p.Liquidation.IsNegative() || p.Notional.IsNegative() {
				t.Fatalf("accepted %+v", p)
			}
		}
	})
}

package kraken

import (
	"net/http"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/venuefuzz"
)

// Replies as krakentest, the fake, sends them: the seeds of every target.
const (
	fuzzTime     = `{"error":[],"result":{"unixtime":1796439396,"rfc1123":"Mon, 04 Dec 26 05:36:36 +0000"}}`
	fuzzPairs    = `{"error":[],"result":{"ETHUSDT":{"altname":"ETHUSDT","wsname":"ETH/USDT","base":"XETH","quote":"USDT","pair_decimals":2,"lot_decimals":8,"cost_decimals":5,"ordermin":"0.002","costmin":"0.5","tick_size":"0.01","status":"online"},"XBTUSDT":{"altname":"XBTUSDT","wsname":"XBT/USDT","base":"XXBT","quote":"USDT","pair_decimals":1,"lot_decimals":8,"cost_decimals":5,"ordermin":"0.00005","costmin":"0.5","tick_size":"0.1","status":"online"}}}`
	fuzzBalance  = `{"error":[],"result":{"USDT":{"balance":"10000","hold_trading":"50"},"XXBT":{"balance":"1.2","hold_trading":"0"}}}`
	fuzzPlaced   = `{"error":[],"result":{"descr":{"order":"buy 0.001 XBTUSDT @ limit 50000"},"txid":["9007199254740993"]}}`
	fuzzQueried  = `{"error":[],"result":{"open":{"9007199254740993":{"refid":null,"userref":0,"cl_ord_id":"cap1","status":"open","opentm":1796439396.884000,"starttm":0,"expiretm":0,"descr":{"pair":"XBTUSDT","type":"buy","ordertype":"limit","price":"50000","price2":"0","leverage":"none","order":"buy 0.00100000 XBTUSDT @ limit 50000","close":""},"vol":"0.00100000","vol_exec":"0.00000000","cost":"0","fee":"0","price":"0","stopprice":"0.00000","limitprice":"0.00000","misc":"","oflags":"fciq"}}}}`
	fuzzCanceled = `{"error":[],"result":{"count":1}}`
	fuzzByTxid   = `{"error":[],"result":{"9007199254740993":{"cl_ord_id":"cap1","status":"canceled","opentm":1796439396.884000,"closetm":1796439397.1,"descr":{"pair":"XBTUSDT","type":"buy","ordertype":"limit","price":"50000"},"vol":"0.00100000","vol_exec":"0.00000000","cost":"0","reason":"User requested"}}}`
)

var fuzz = venuefuzz.Target{
	Symbol:   "XBTUSDT",
	NotFound: `{"error":["EGeneral:Unknown method"]}`,
	Fixed:    map[string]string{"/0/public/Time": fuzzTime, "/0/public/AssetPairs": fuzzPairs},
	Paths: venuefuzz.Paths{Time: "/0/public/Time", Balances: "/0/private/BalanceEx", Rules: "/0/public/AssetPairs",
		Place: "/0/private/AddOrder", Quote: "/0/public/Ticker",
		Orders: []string{"/0/private/AddOrder", "/0/private/OpenOrders", "/0/private/ClosedOrders", "/0/private/QueryOrders", "/0/private/CancelOrder"}},
	Client: func(t *testing.T, rt http.RoundTripper) exchange.Venue {
		c, err := New(WithBaseURL("http://kraken.fuzz"), WithNetwork(exchange.Testnet), WithNonceDir(""),
			WithKey("k", crypto.NewSecret([]byte("c2VjcmV0"))), WithHTTPClient(&http.Client{Transport: rt}))
		if err != nil {
			t.Fatal(err)
		}
		return c
	},
}

func FuzzTimeReply(f *testing.F) {
	fuzz.TimeReply(f, fuzzTime, `{"error":[],"result":{}}`, `{"error":[],"result":{"unixtime":-1}}`, `{"error":[],"result":{"unixtime":"x"}}`, `{}`, ``)
}

func FuzzBalancesReply(f *testing.F) {
	fuzz.BalancesReply(f, fuzzBalance, `{"error":[],"result":{}}`, `{"error":[],"result":{"XXBT":{"balance":"1","hold_trading":"x"}}}`, `{}`)
}

func FuzzRulesReply(f *testing.F) {
	fuzz.RulesReply(f, fuzzPairs, `{"error":[],"result":{}}`, `{"error":[],"result":{"XBTUSDT":{"altname":"XBTUSDT","base":"XXBT","quote":"USDT","lot_decimals":8,"ordermin":"-1","tick_size":"0","status":"online"}}}`, `{}`)
}

func FuzzOrderReply(f *testing.F) {
	fuzz.OrderReply(f, venuefuzz.Seed{N: 0, Body: fuzzPlaced}, venuefuzz.Seed{N: 1, Body: fuzzQueried}, venuefuzz.Seed{N: 2, Body: fuzzCanceled},
		venuefuzz.Seed{N: 3, Body: fuzzByTxid}, venuefuzz.Seed{N: 1, Body: `{"error":[],"result":{"open":{"1":{}}}}`},
		venuefuzz.Seed{N: 1, Body: `{"error":[],"result":{"open":{"1":{"cl_ord_id":"cap1","status":"open","vol":"-1"}}}}`},
		venuefuzz.Seed{N: 0, Body: `{"error":[],"result":{"txid":[]}}`})
}

func FuzzErrorReply(f *testing.F) {
	var seeds []venuefuzz.Seed
	for _, s := range []string{`{"error":["EOrder:Unknown order"]}`, `{"error":["EAPI:Invalid nonce"]}`, `{"error":["EAPI:Rate limit exceeded"]}`,
		`{"error":["EService: Throttled: 1796439400"]}`, `{"error":["EGeneral:Invalid arguments:volume"]}`, `{"error":["EAPI:Invalid key"]}`,
		`<html>502 Bad Gateway</html>`, ``} {
		seeds = append(seeds, venuefuzz.Seed{N: 100, Body: s})
	}
	fuzz.ErrorReply(f, append(seeds, venuefuzz.Seed{N: 103, Body: `{"error":["EAPI:Rate limit exceeded"]}`},
		venuefuzz.Seed{N: 203, Body: `{"error":["EService:Unavailable"]}`})...)
}

func FuzzQuoteReply(f *testing.F) {
	fuzz.QuoteReply(f,
		`{"error":[],"result":{"XBTUSDT":{"a":["50000.1","1","1.000"],"b":["49999.9","1","1.000"],"c":["50000.0","0.001"]}}}`,
		`{"error":[],"result":{"XBTUSDT":{"a":[],"b":[],"c":["50000"]}}}`,
		`{"error":[],"result":{"XBTUSDT":{"a":["1"],"b":["2"],"c":["x"]}}}`,
		`{"error":["EQuery:Unknown asset pair"]}`, `{}`, ``)
}

// Messages of the fake's private stream.
const (
	fuzzPushAck  = `{"channel":"executions","type":"update","data":[{"order_id":"9007199254740993","cl_ord_id":"cap1","symbol":"BTC/USDT","side":"buy","order_qty":0.001,"limit_price":50000,"time_in_force":"GTC","order_type":"limit","exec_type":"new","order_status":"new","cum_qty":0,"cum_cost":0,"timestamp":"2026-12-04T05:36:36.884000Z","order_userref":0,"ratecount":1.00}],"sequence":2}`
	fuzzPushFill = `{"channel":"executions","type":"update","data":[{"order_id":"9007199254740993","exec_type":"trade","exec_id":"7","order_status":"filled","cum_qty":0.001,"cum_cost":50,"last_qty":0.001,"last_price":50000,"timestamp":"2026-12-04T05:36:36.900000Z"}],"sequence":3}`
	fuzzBalSnap  = `{"channel":"balances","type":"snapshot","data":[{"asset":"USDT","asset_class":"currency","balance":1000,"wallets":[{"type":"spot","id":"main","balance":1000}]},{"asset":"BTC","asset_class":"currency","balance":0.5,"wallets":[{"type":"spot","id":"main","balance":0.4},{"type":"earn","id":"flex","balance":0.1}]}],"sequence":4}`
	fuzzBalPush  = `{"channel":"balances","type":"update","data":[{"ledger_id":"L1","ref_id":"R1","timestamp":"2026-12-04T05:36:36.900000Z","type":"trade","subtype":"","asset":"BTC","asset_class":"currency","category":"trade","wallet_type":"spot","wallet_id":"main","balance":0.001}],"sequence":5}`
)

func FuzzStreamMessage(f *testing.F) {
	for _, s := range []string{fuzzPushAck, fuzzPushFill, fuzzBalSnap, fuzzBalPush,
		`{"channel":"balances","type":"update","data":[{"asset":"USDT","wallet_type":"spot","balance":-1}]}`,
		`{"channel":"balances","type":"update","data":[{"asset":"USDT","wallet_type":"earn","balance":"x"},{"asset":"ETH"}]}`,
		`{"channel":"balances","type":"snapshot","data":{}}`, `{"method":"pong","req_id":1,"time_in":"x","time_out":"y"}`,
		`{"method":"subscribe","req_id":1,"result":{"channel":"executions","maxratecount":125},"success":true}`,
		`{"method":"subscribe","req_id":1,"success":false,"error":"EAccount:Invalid permissions"}`, `{"channel":"heartbeat"}`,
		`{"channel":"executions","type":"snapshot","data":[{"order_id":"1","order_qty":-1,"order_status":"new"}],"sequence":1}`, `{}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		c := &Client{info: exchangeInfo, rates: newRates("acct", nowFunc, TierIntermediate)}
		_, evs, err := c.classifier()(raw)
		venuefuzz.StreamEvents(t, raw, err, evs...)
	})
}

var exchangeInfo = exchange.AccountInfo{Name: "acct", Venue: venueName}

func nowFunc() time.Time { return time.Unix(1796439396, 0) }

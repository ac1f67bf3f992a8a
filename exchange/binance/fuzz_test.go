package binance

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/venuefuzz"
)

// Replies of binancetest, the fake, as the seeds of every REST target.
const (
	fuzzTime         = `{"serverTime":1796439396877}`
	fuzzExchangeInfo = `{"timezone":"UTC","serverTime":1796439396877,"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000},{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":50},{"rateLimitType":"ORDERS","interval":"DAY","intervalNum":1,"limit":160000},{"rateLimitType":"RAW_REQUESTS","interval":"MINUTE","intervalNum":5,"limit":61000}],"exchangeFilters":[],"symbols":[{"symbol":"BTCUSDT","status":"TRADING","baseAsset":"BTC","baseAssetPrecision":8,"quoteAsset":"USDT","quotePrecision":8,"quoteAssetPrecision":8,"baseCommissionPrecision":8,"quoteCommissionPrecision":8,"orderTypes":["LIMIT","MARKET"],"icebergAllowed":false,"ocoAllowed":false,"otoAllowed":false,"quoteOrderQtyMarketAllowed":true,"allowTrailingStop":false,"cancelReplaceAllowed":false,"amendAllowed":false,"isSpotTradingAllowed":true,"isMarginTradingAllowed":false,"filters":[{"filterType":"PRICE_FILTER","minPrice":"0.01000000","maxPrice":"1000000.00000000","tickSize":"0.01000000"},{"filterType":"LOT_SIZE","minQty":"0.00001000","maxQty":"9000.00000000","stepSize":"0.00001000"},{"filterType":"MARKET_LOT_SIZE","minQty":"0.00000000","maxQty":"120.00000000","stepSize":"0.00000000"},{"filterType":"NOTIONAL","minNotional":"5.00000000","applyMinToMarket":true,"maxNotional":"9000000.00000000","applyMaxToMarket":false,"avgPriceMins":5}],"permissions":[],"permissionSets":[["SPOT"]],"defaultSelfTradePreventionMode":"EXPIRE_MAKER","allowedSelfTradePreventionModes":["NONE","EXPIRE_TAKER","EXPIRE_MAKER","EXPIRE_BOTH","DECREMENT"]}]}`
	fuzzAccount      = `{"makerCommission":0,"takerCommission":0,"buyerCommission":0,"sellerCommission":0,"commissionRates":{"maker":"0.00000000","taker":"0.00000000","buyer":"0.00000000","seller":"0.00000000"},"canTrade":true,"canWithdraw":true,"canDeposit":true,"brokered":false,"requireSelfTradePrevention":false,"preventSor":false,"updateTime":1796439396877,"accountType":"SPOT","balances":[{"asset":"USDT","free":"10000.00000000","locked":"0.00000000"}],"permissions":["SPOT"],"uid":354937869}`
	fuzzPlaced       = `{"symbol":"BTCUSDT","orderId":9007199254740993,"orderListId":-1,"clientOrderId":"cap1","transactTime":1796439396878,"price":"50000.00000000","origQty":"0.00100000","executedQty":"0.00000000","origQuoteOrderQty":"0.00000000","cummulativeQuoteQty":"0.00000000","status":"NEW","timeInForce":"GTC","type":"LIMIT","side":"BUY","workingTime":1796439396878,"selfTradePreventionMode":"EXPIRE_MAKER"}`
	fuzzQueried      = `{"symbol":"BTCUSDT","orderId":9007199254740993,"orderListId":-1,"clientOrderId":"cap1","price":"50000.00000000","origQty":"0.00100000","executedQty":"0.00000000","cummulativeQuoteQty":"0.00000000","status":"NEW","timeInForce":"GTC","type":"LIMIT","side":"BUY","stopPrice":"0.00000000","icebergQty":"0.00000000","time":1796439396878,"updateTime":1796439396878,"isWorking":true,"workingTime":1796439396878,"origQuoteOrderQty":"0.00000000","selfTradePreventionMode":"EXPIRE_MAKER"}`
	fuzzCanceled     = `{"symbol":"BTCUSDT","origClientOrderId":"cap1","orderId":9007199254740993,"orderListId":-1,"clientOrderId":"G7UtCLSz0p2bIp29uTOVsD","transactTime":1796439396879,"price":"50000.00000000","origQty":"0.00100000","executedQty":"0.00000000","origQuoteOrderQty":"0.00000000","cummulativeQuoteQty":"0.00000000","status":"CANCELED","timeInForce":"GTC","type":"LIMIT","side":"BUY","selfTradePreventionMode":"EXPIRE_MAKER"}`
)

// fuzz serves time and exchangeInfo as the fake does; each target feeds
// one of the other paths.
var fuzz = venuefuzz.Target{
	Symbol:   "BTCUSDT",
	NotFound: `{"code":-1000,"msg":"no route"}`,
	Fixed:    map[string]string{"/api/v3/time": fuzzTime, "/api/v3/exchangeInfo": fuzzExchangeInfo},
	Paths: venuefuzz.Paths{Time: "/api/v3/time", Balances: "/api/v3/account", Rules: "/api/v3/exchangeInfo",
		Place: "/api/v3/order", Orders: []string{"/api/v3/order", "/api/v3/openOrders"}},
	Client: func(t *testing.T, rt http.RoundTripper) exchange.Venue {
		c, err := New(WithBaseURL("http://binance.fuzz"), WithAPIKey("k"), WithSecret(crypto.NewSecret([]byte("s"))),
			WithHTTPClient(&http.Client{Transport: rt}),
			WithLimits(exchange.Limit{Name: "weight/1m", Kind: exchange.LimitWeight, Limit: 1 << 30, Window: time.Minute}))
		if err != nil {
			t.Fatal(err)
		}
		return c
	},
}

func FuzzTimeReply(f *testing.F) {
	fuzz.TimeReply(f, fuzzTime, `{"serverTime":0}`, `{"serverTime":-1}`, `{"serverTime":"1"}`, `{}`, `[]`, ``)
}

func FuzzBalancesReply(f *testing.F) {
	fuzz.BalancesReply(f, fuzzAccount, `{"balances":[]}`, `{"balances":[{"asset":"BTC","free":"-1","locked":"0"}]}`, `{}`, `null`)
}

func FuzzRulesReply(f *testing.F) {
	fuzz.RulesReply(f, fuzzExchangeInfo, `{"symbols":[]}`, `{"symbols":[{"symbol":"BTCUSDT","status":"TRADING","filters":[{"filterType":"PRICE_FILTER","minPrice":"-1","maxPrice":"0","tickSize":"-0.01"}]}]}`, `{}`)
}

func FuzzOrderReply(f *testing.F) {
	fuzz.OrderReply(f, venuefuzz.Seed{N: 0, Body: fuzzPlaced}, venuefuzz.Seed{N: 1, Body: fuzzQueried}, venuefuzz.Seed{N: 2, Body: fuzzCanceled},
		venuefuzz.Seed{N: 3, Body: "[" + fuzzQueried + "]"}, venuefuzz.Seed{N: 0, Body: `{}`},
		venuefuzz.Seed{N: 1, Body: `{"symbol":"BTCUSDT","orderId":1,"clientOrderId":"a","origQty":"-1","status":"NEW"}`}, venuefuzz.Seed{N: 3, Body: `[{}]`})
}

func FuzzErrorReply(f *testing.F) {
	var seeds []venuefuzz.Seed
	for _, s := range []string{`{"code":-2013,"msg":"Order does not exist."}`, `{"code":-1013,"msg":"Filter failure: NOTIONAL"}`,
		`{"code":-1021,"msg":"Timestamp for this request was 1000ms ahead of the server's time."}`, `{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}`,
		`{"code":0,"msg":""}`, `<html>502 Bad Gateway</html>`, ``} {
		seeds = append(seeds, venuefuzz.Seed{N: 400, Body: s})
	}
	fuzz.ErrorReply(f, append(seeds, venuefuzz.Seed{N: 429, Body: `{"code":-1003,"msg":"Too many requests."}`},
		venuefuzz.Seed{N: 503, Body: `{"code":-1007,"msg":"Timeout waiting for response from backend server."}`})...)
}

// Events of the fake's user data stream.
const (
	fuzzExecution = `{"e":"executionReport","E":1796439396878,"s":"BTCUSDT","c":"cap1","S":"BUY","o":"LIMIT","f":"GTC","q":"0.00100000","p":"50000.00000000","P":"0.00000000","F":"0.00000000","g":-1,"C":"","x":"NEW","X":"NEW","r":"NONE","i":9007199254740993,"l":"0.00000000","z":"0.00000000","L":"0.00000000","n":"0.00000000","N":null,"T":1796439396878,"t":-1,"I":7,"w":true,"m":false,"M":false,"O":1796439396878,"Z":"0.00000000","Y":"0.00000000","Q":"0.00000000","W":1796439396878,"V":"EXPIRE_MAKER"}`
	fuzzFill      = `{"e":"executionReport","E":1796439396900,"s":"BTCUSDT","c":"cap1","S":"BUY","o":"LIMIT","f":"GTC","q":"0.00100000","p":"50000.00000000","P":"0.00000000","F":"0.00000000","g":-1,"C":"","x":"TRADE","X":"FILLED","r":"NONE","i":9007199254740993,"l":"0.00100000","z":"0.00100000","L":"50000.00000000","n":"0.00000100","N":"BTC","T":1796439396900,"t":12,"I":9,"w":false,"m":true,"M":false,"O":1796439396878,"Z":"50.00000000","Y":"50.00000000","Q":"0.00000000","W":1796439396878,"V":"EXPIRE_MAKER"}`
	fuzzPosition  = `{"e":"outboundAccountPosition","E":1796439396900,"u":1796439396900,"B":[{"a":"BTC","f":"0.00100000","l":"0.00000000"},{"a":"USDT","f":"9950.00000000","l":"0.00000000"}]}`
)

func FuzzStreamEvent(f *testing.F) {
	for _, s := range []string{fuzzExecution, fuzzFill, fuzzPosition,
		`{"e":"eventStreamTerminated","E":1796439396900}`, `{"e":"serverShutdown","E":1796439396900}`,
		`{"e":"executionReport","q":"-1","i":1,"c":"a","x":"NEW","X":"NEW"}`, `{}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, err := parseEvent("acct", raw)
		if ev == nil {
			venuefuzz.StreamEvents(t, raw, err)
			return
		}
		venuefuzz.StreamEvents(t, raw, err, *ev)
	})
}

// FuzzQuoteReply: a bookTicker reply either fails to decode or gives a
// quote with no negative price and no crossed book. Quote's second request
// (the last price) is ticker/price, fuzzed by its own decoder.
func FuzzQuoteReply(f *testing.F) {
	for _, s := range []string{
		`{"symbol":"BTCUSDT","bidPrice":"49999.99000000","bidQty":"1.00000000","askPrice":"50000.01000000","askQty":"1.00000000"}`,
		`{"symbol":"BTCUSDT","bidPrice":"0.00000000","bidQty":"0.00000000","askPrice":"0.00000000","askQty":"0.00000000"}`,
		`{"symbol":"BTCUSDT","bidPrice":"2","askPrice":"1"}`,
		`{"symbol":"BTCUSDT","bidPrice":"-1","askPrice":"x"}`, `{}`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var r bookTickerResp
		if json.Unmarshal(body, &r) != nil {
			return
		}
		if q, err := quoteOf("BTCUSDT", r); err == nil {
			venuefuzz.Quote(t, "BTCUSDT", q)
		}
	})
}

package bybit

import (
	"net/http"
	"testing"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/venuefuzz"
)

// Replies of bybittest, the fake, as the seeds of every REST target.
const (
	fuzzTime        = `{"retCode":0,"retMsg":"OK","result":{"timeNano":"1796439396883720315","timeSecond":"1796439396"},"retExtInfo":{},"time":1796439396883}`
	fuzzInstruments = `{"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[{"baseCoin":"BTC","innovation":"0","lotSizeFilter":{"basePrecision":"0.000001","maxLimitOrderQty":"71.73956243","maxMarketOrderQty":"35.86978121","maxOrderAmt":"2000000","maxOrderQty":"71.73956243","minOrderAmt":"1","minOrderQty":"0.000048","quotePrecision":"0.00000001"},"marginTrading":"none","priceFilter":{"tickSize":"0.01"},"quoteCoin":"USDT","riskParameters":{"priceLimitRatioX":"0.05","priceLimitRatioY":"0.05"},"stTag":"0","status":"Trading","symbol":"BTCUSDT"},{"baseCoin":"ETH","innovation":"0","lotSizeFilter":{"basePrecision":"0.00001","maxLimitOrderQty":"1229.2336343","maxMarketOrderQty":"614.61681715","maxOrderAmt":"2000000","maxOrderQty":"1229.2336343","minOrderAmt":"1","minOrderQty":"0.00062","quotePrecision":"0.00000001"},"marginTrading":"none","priceFilter":{"tickSize":"0.01"},"quoteCoin":"USDT","riskParameters":{"priceLimitRatioX":"0.05","priceLimitRatioY":"0.05"},"stTag":"0","status":"Trading","symbol":"ETHUSDT"}],"nextPageCursor":""},"retExtInfo":{},"time":1796439396884}`
	fuzzBalance     = `{"retCode":0,"retMsg":"OK","result":{"list":[{"accountIMRate":"0","accountLTV":"0","accountMMRate":"0","accountType":"UNIFIED","coin":[{"accruedInterest":"0","availableToBorrow":"","availableToWithdraw":"","bonus":"0","borrowAmount":"0","coin":"USDT","collateralSwitch":true,"cumRealisedPnl":"0","equity":"10000","free":"","locked":"0","marginCollateral":true,"spotHedgingQty":"0","totalOrderIM":"0","totalPositionIM":"0","totalPositionMM":"0","unrealisedPnl":"0","usdValue":"10000","walletBalance":"10000"}],"totalAvailableBalance":"10000","totalEquity":"10000","totalInitialMargin":"0","totalMaintenanceMargin":"0","totalMarginBalance":"10000","totalPerpUPL":"0","totalWalletBalance":"10000"}]},"retExtInfo":{},"time":1796439396883}`
	fuzzPlaced      = `{"retCode":0,"retMsg":"OK","result":{"orderId":"9007199254740993","orderLinkId":"cap1"},"retExtInfo":{},"time":1796439396884}`
	fuzzQueried     = `{"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[{"avgPrice":"","blockTradeId":"","cancelType":"UNKNOWN","category":"spot","closeOnTrigger":false,"createdTime":"1796439396884","cumExecFee":"0","cumExecQty":"0","cumExecValue":"0","feeCurrency":"BTC","isLeverage":"0","lastPriceOnCreated":"","leavesQty":"0.001","leavesValue":"50","marketUnit":"","orderId":"9007199254740993","orderIv":"","orderLinkId":"cap1","orderStatus":"New","orderType":"Limit","placeType":"","positionIdx":0,"price":"50000","qty":"0.001","reduceOnly":false,"rejectReason":"EC_NoError","side":"Buy","slLimitPrice":"","slTriggerBy":"","smpGroup":0,"smpOrderId":"","smpType":"None","stopLoss":"0","stopOrderType":"","symbol":"BTCUSDT","takeProfit":"0","timeInForce":"GTC","tpLimitPrice":"","tpTriggerBy":"","tpslMode":"","triggerBy":"","triggerDirection":0,"triggerPrice":"0","updatedTime":"1796439396884"}],"nextPageCursor":""},"retExtInfo":{},"time":1796439396884}`
	fuzzCanceled    = `{"retCode":0,"retMsg":"OK","result":{"orderId":"9007199254740993","orderLinkId":"cap1"},"retExtInfo":{},"time":1796439396884}`
)

// fuzz serves time and instruments as the fake does; each target feeds
// one of the other paths.
var fuzz = venuefuzz.Target{
	Symbol:   "BTCUSDT",
	NotFound: `{"retCode":10001,"retMsg":"no route","result":{},"time":1796439396883}`,
	Fixed:    map[string]string{"/v5/market/time": fuzzTime, "/v5/market/instruments-info": fuzzInstruments},
	Paths: venuefuzz.Paths{Time: "/v5/market/time", Balances: "/v5/account/wallet-balance", Rules: "/v5/market/instruments-info",
		Place: "/v5/order/create", Quote: "/v5/market/tickers",
		Orders: []string{"/v5/order/create", "/v5/order/realtime", "/v5/order/history", "/v5/order/cancel"}},
	Client: func(t *testing.T, rt http.RoundTripper) exchange.Venue {
		c, err := New(WithBaseURL("http://bybit.fuzz"), WithNetwork(exchange.Testnet),
			WithKey("k", crypto.NewSecret([]byte("s"))), WithHTTPClient(&http.Client{Transport: rt}))
		if err != nil {
			t.Fatal(err)
		}
		return c
	},
}

func FuzzTimeReply(f *testing.F) {
	fuzz.TimeReply(f, fuzzTime, `{"retCode":0,"retMsg":"OK","result":{}}`, `{"retCode":0,"result":{"timeNano":"-1"}}`, `{"retCode":0,"result":{"timeNano":"x"}}`, `{}`, ``)
}

func FuzzBalancesReply(f *testing.F) {
	fuzz.BalancesReply(f, fuzzBalance, `{"retCode":0,"retMsg":"OK","result":{"list":[]}}`, `{"retCode":0,"result":{"list":[{"coin":[{"coin":"BTC","walletBalance":"1","locked":"x"}]}]}}`, `{}`)
}

func FuzzRulesReply(f *testing.F) {
	fuzz.RulesReply(f, fuzzInstruments, `{"retCode":0,"retMsg":"OK","result":{"list":[]}}`, `{"retCode":0,"result":{"list":[{"symbol":"BTCUSDT","status":"Trading","priceFilter":{"tickSize":"-0.01"},"lotSizeFilter":{"basePrecision":"1","minOrderQty":"2","maxLimitOrderQty":"1"}}]}}`, `{}`)
}

// FuzzOrderReply: cancel's read-back gets the same reply as the cancel.
func FuzzOrderReply(f *testing.F) {
	fuzz.OrderReply(f, venuefuzz.Seed{N: 0, Body: fuzzPlaced}, venuefuzz.Seed{N: 1, Body: fuzzQueried}, venuefuzz.Seed{N: 2, Body: fuzzCanceled},
		venuefuzz.Seed{N: 3, Body: fuzzQueried}, venuefuzz.Seed{N: 1, Body: `{"retCode":0,"retMsg":"OK","result":{"list":[{}]}}`},
		venuefuzz.Seed{N: 1, Body: `{"retCode":0,"retMsg":"OK","result":{"list":[{"orderId":"1","qty":"-1","orderStatus":"New"}]}}`},
		venuefuzz.Seed{N: 0, Body: `{"retCode":0,"retMsg":"OK","result":{"orderId":""}}`})
}

func FuzzErrorReply(f *testing.F) {
	var seeds []venuefuzz.Seed
	for _, s := range []string{`{"retCode":110001,"retMsg":"Order does not exist.","result":{},"time":1796439396885}`,
		`{"retCode":170135,"retMsg":"Order quantity too large.","result":{},"time":1796439396885}`,
		`{"retCode":10002,"retMsg":"invalid request, please check your server timestamp or recv_window param","result":{},"time":1796439396885}`,
		`{"retCode":10003,"retMsg":"API key is invalid.","result":{}}`, `{"retCode":10006,"retMsg":"Too many visits!","result":{}}`,
		`<html>502 Bad Gateway</html>`, ``} {
		seeds = append(seeds, venuefuzz.Seed{N: 100, Body: s})
	}
	fuzz.ErrorReply(f, append(seeds, venuefuzz.Seed{N: 103, Body: `{"retCode":10006,"retMsg":"Too many visits!","result":{}}`},
		venuefuzz.Seed{N: 203, Body: `{"retCode":10016,"retMsg":"Server error.","result":{}}`})...)
}

// Pushes of the fake's private topics.
const (
	fuzzPushAck    = `{"id":"5923240c6880ab-c59f-420b-9adb-3639adc9dd90","topic":"order","creationTime":1796439396884,"data":[{"avgPrice":"","blockTradeId":"","cancelType":"UNKNOWN","category":"spot","closeOnTrigger":false,"createdTime":"1796439396884","cumExecFee":"0","cumExecQty":"0","cumExecValue":"0","feeCurrency":"BTC","isLeverage":"0","lastPriceOnCreated":"","leavesQty":"0.001","leavesValue":"50","marketUnit":"","orderId":"9007199254740993","orderIv":"","orderLinkId":"cap1","orderStatus":"New","orderType":"Limit","placeType":"","positionIdx":0,"price":"50000","qty":"0.001","reduceOnly":false,"rejectReason":"EC_NoError","side":"Buy","slLimitPrice":"","slTriggerBy":"","smpGroup":0,"smpOrderId":"","smpType":"None","stopLoss":"0","stopOrderType":"","symbol":"BTCUSDT","takeProfit":"0","timeInForce":"GTC","tpLimitPrice":"","tpTriggerBy":"","tpslMode":"","triggerBy":"","triggerDirection":0,"triggerPrice":"0","updatedTime":"1796439396884"}]}`
	fuzzPushFill   = `{"id":"5923240c6880ab-c59f-420b-9adb-3639adc9dd91","topic":"order","creationTime":1796439396900,"data":[{"avgPrice":"50000","blockTradeId":"","cancelType":"UNKNOWN","category":"spot","closeOnTrigger":false,"createdTime":"1796439396884","cumExecFee":"0","cumExecQty":"0.001","cumExecValue":"50","feeCurrency":"BTC","isLeverage":"0","lastPriceOnCreated":"","leavesQty":"0","leavesValue":"50","marketUnit":"","orderId":"9007199254740993","orderIv":"","orderLinkId":"cap1","orderStatus":"Filled","orderType":"Limit","placeType":"","positionIdx":0,"price":"50000","qty":"0.001","reduceOnly":false,"rejectReason":"EC_NoError","side":"Buy","slLimitPrice":"","slTriggerBy":"","smpGroup":0,"smpOrderId":"","smpType":"None","stopLoss":"0","stopOrderType":"","symbol":"BTCUSDT","takeProfit":"0","timeInForce":"GTC","tpLimitPrice":"","tpTriggerBy":"","tpslMode":"","triggerBy":"","triggerDirection":0,"triggerPrice":"0","updatedTime":"1796439396900"}]}`
	fuzzPushWallet = `{"id":"592324d2bce751-ad38-48eb-8f42-4671d1fb4d4e","topic":"wallet","creationTime":1796439396900,"data":[{"accountType":"UNIFIED","coin":[{"coin":"USDT","walletBalance":"9950","locked":"0","equity":"9950"},{"coin":"BTC","walletBalance":"0.001","locked":"0","equity":"0.001"}]}]}`
)

func FuzzStreamMessage(f *testing.F) {
	for _, s := range []string{fuzzPushAck, fuzzPushFill, fuzzPushWallet, `{"op":"pong","args":["1796439396900"],"conn_id":"c1"}`,
		`{"success":true,"ret_msg":"","op":"auth","conn_id":"c1"}`, `{"success":false,"ret_msg":"Params Error","op":"subscribe","conn_id":"c1"}`,
		`{"topic":"order","data":[{"orderId":"1","qty":"-1","orderStatus":"New"}]}`, `{}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		// A fresh decoder per input: it keeps each order's fills so far.
		_, evs, err := classifier("acct")(raw)
		venuefuzz.StreamEvents(t, raw, err, evs...)
	})
}

// FuzzQuoteReply: a tickers reply either fails or gives a quote with no
// negative price and no crossed book, for the symbol asked.
func FuzzQuoteReply(f *testing.F) {
	seeds := []string{
		`{"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[{"symbol":"BTCUSDT","lastPrice":"50000","bid1Price":"49999.9","bid1Size":"1","ask1Price":"50000.1","ask1Size":"1"}]},"retExtInfo":{},"time":1796439396880}`,
		`{"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[{"symbol":"BTCUSDT","lastPrice":"50000","bid1Price":"","ask1Price":""}]}}`,
		`{"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[{"symbol":"BTCUSDT","lastPrice":"x","bid1Price":"2","ask1Price":"1"}]}}`,
		`{"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[]}}`,
		`{"retCode":10001,"retMsg":"Not supported symbols","result":{}}`, `{}`, ``,
	}
	fuzz.QuoteReply(f, seeds...)
}

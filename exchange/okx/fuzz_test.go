package okx

import (
	"net/http"
	"testing"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/venuefuzz"
)

// Replies of okxtest, the fake, as the seeds of every REST target.
const (
	fuzzTime        = `{"code":"0","msg":"","data":[{"ts":"1796439396880"}]}`
	fuzzInstruments = `{"code":"0","msg":"","data":[{"instType":"SPOT","instId":"BTC-USDT","instIdCode":100000,"uly":"","instFamily":"","category":"1","baseCcy":"BTC","quoteCcy":"USDT","settleCcy":"","ctVal":"","ctMult":"","ctValCcy":"","optType":"","stk":"","listTime":"1606468572000","expTime":"","lever":"","tickSz":"0.1","lotSz":"0.00000001","minSz":"0.00001","ctType":"","alias":"","state":"live","ruleType":"normal","maxLmtSz":"9999999999","maxMktSz":"1000000","maxLmtAmt":"20000000","maxMktAmt":"1000000","maxTwapSz":"9999999999","maxIcebergSz":"9999999999","maxTriggerSz":"9999999999","maxStopSz":"1000000"},{"instType":"SPOT","instId":"ETH-USDT","instIdCode":100001,"uly":"","instFamily":"","category":"1","baseCcy":"ETH","quoteCcy":"USDT","settleCcy":"","ctVal":"","ctMult":"","ctValCcy":"","optType":"","stk":"","listTime":"1606468572000","expTime":"","lever":"","tickSz":"0.01","lotSz":"0.000001","minSz":"0.0001","ctType":"","alias":"","state":"live","ruleType":"normal","maxLmtSz":"9999999999","maxMktSz":"1000000","maxLmtAmt":"20000000","maxMktAmt":"1000000","maxTwapSz":"9999999999","maxIcebergSz":"9999999999","maxTriggerSz":"9999999999","maxStopSz":"1000000"},{"instType":"SPOT","instId":"OKB-USDT","instIdCode":100002,"uly":"","instFamily":"","category":"1","baseCcy":"OKB","quoteCcy":"USDT","settleCcy":"","ctVal":"","ctMult":"","ctValCcy":"","optType":"","stk":"","listTime":"1606468572000","expTime":"","lever":"","tickSz":"0.001","lotSz":"0.0001","minSz":"0.01","ctType":"","alias":"","state":"live","ruleType":"normal","maxLmtSz":"9999999999","maxMktSz":"1000000","maxLmtAmt":"20000000","maxMktAmt":"1000000","maxTwapSz":"9999999999","maxIcebergSz":"9999999999","maxTriggerSz":"9999999999","maxStopSz":"1000000"}]}`
	fuzzBalance     = `{"code":"0","msg":"","data":[{"adjEq":"","borrowFroz":"","details":[{"accAvgPx":"","availBal":"10000","availEq":"10000","cashBal":"10000","ccy":"USDT","crossLiab":"","disEq":"10000","eq":"10000","eqUsd":"10000","fixedBal":"0","frozenBal":"0","interest":"","isoEq":"0","isoUpl":"0","liab":"","maxLoan":"","mgnRatio":"","notionalLever":"","openAvgPx":"","ordFrozen":"0","spotBal":"10000","spotInUseAmt":"","spotUpl":"","spotUplRatio":"","stgyEq":"0","totalPnl":"","totalPnlRatio":"","twap":"0","uTime":"1796439396881","upl":"0"}],"imr":"","isoEq":"0","mgnRatio":"","mmr":"","notionalUsd":"","ordFroz":"","totalEq":"10000","uTime":"1796439396881","upl":""}]}`
	fuzzPlaced      = `{"code":"0","msg":"","data":[{"clOrdId":"cap1","ordId":"9007199254740993","tag":"","ts":"1796439396882","sCode":"0","sMsg":"Order placed"}],"inTime":"1796439396882123","outTime":"1796439396882174"}`
	fuzzQueried     = `{"code":"0","msg":"","data":[{"accFillSz":"0","algoClOrdId":"","algoId":"","attachAlgoClOrdId":"","attachAlgoOrds":[],"avgPx":"","cTime":"1796439396882","cancelSource":"","cancelSourceReason":"","category":"normal","ccy":"","clOrdId":"cap1","fee":"0","feeCcy":"BTC","fillPx":"","fillSz":"0","fillTime":"","instId":"BTC-USDT","instType":"SPOT","isTpLimit":"false","lever":"","linkedAlgoOrd":{"algoId":""},"ordId":"9007199254740993","ordType":"limit","pnl":"0","posSide":"net","px":"50000","pxType":"","pxUsd":"","pxVol":"","quickMgnType":"","rebate":"0","rebateCcy":"USDT","reduceOnly":"false","side":"buy","slOrdPx":"","slTriggerPx":"","slTriggerPxType":"","source":"","state":"live","stpId":"","stpMode":"cancel_maker","sz":"0.001","tag":"","tdMode":"cash","tgtCcy":"","tpOrdPx":"","tpTriggerPx":"","tpTriggerPxType":"","tradeId":"","uTime":"1796439396882"}]}`
	fuzzCanceled    = `{"code":"0","msg":"","data":[{"clOrdId":"cap1","ordId":"9007199254740993","tag":"","ts":"1796439396882","sCode":"0","sMsg":""}],"inTime":"1796439396882539","outTime":"1796439396882580"}`
)

// fuzz serves time and instruments as the fake does; each target feeds
// one of the other paths.
var fuzz = venuefuzz.Target{
	Symbol:   "BTC-USDT",
	NotFound: `{"code":"50000","msg":"no route","data":[]}`,
	Fixed:    map[string]string{"/api/v5/public/time": fuzzTime, "/api/v5/public/instruments": fuzzInstruments},
	Paths: venuefuzz.Paths{Time: "/api/v5/public/time", Balances: "/api/v5/account/balance", Rules: "/api/v5/public/instruments",
		Place: "/api/v5/trade/order", Quote: "/api/v5/market/ticker",
		Orders: []string{"/api/v5/trade/order", "/api/v5/trade/cancel-order", "/api/v5/trade/orders-pending"}},
	Client: func(t *testing.T, rt http.RoundTripper) exchange.Venue {
		c, err := New(WithBaseURL("http://okx.fuzz"), WithNetwork(exchange.Testnet),
			WithKey("k", crypto.NewSecret([]byte("s")), crypto.NewSecret([]byte("p"))),
			WithHTTPClient(&http.Client{Transport: rt}))
		if err != nil {
			t.Fatal(err)
		}
		return c
	},
}

func FuzzTimeReply(f *testing.F) {
	fuzz.TimeReply(f, fuzzTime, `{"code":"0","msg":"","data":[]}`, `{"code":"0","msg":"","data":[{"ts":"-1"}]}`, `{"code":"0","data":[{"ts":"x"}]}`, `{}`, ``)
}

func FuzzBalancesReply(f *testing.F) {
	fuzz.BalancesReply(f, fuzzBalance, `{"code":"0","msg":"","data":[]}`, `{"code":"0","data":[{"details":[{"ccy":"BTC","availBal":"","cashBal":"1","frozenBal":"x"}]}]}`, `{}`)
}

func FuzzRulesReply(f *testing.F) {
	fuzz.RulesReply(f, fuzzInstruments, `{"code":"0","msg":"","data":[]}`, `{"code":"0","data":[{"instId":"BTC-USDT","tickSz":"-0.1","lotSz":"1","minSz":"2","maxLmtSz":"1","state":"live"}]}`, `{}`)
}

// FuzzOrderReply: cancel's read-back gets the same reply as the cancel.
func FuzzOrderReply(f *testing.F) {
	fuzz.OrderReply(f, venuefuzz.Seed{N: 0, Body: fuzzPlaced}, venuefuzz.Seed{N: 1, Body: fuzzQueried}, venuefuzz.Seed{N: 2, Body: fuzzCanceled},
		venuefuzz.Seed{N: 3, Body: fuzzQueried}, venuefuzz.Seed{N: 1, Body: `{"code":"0","msg":"","data":[{}]}`},
		venuefuzz.Seed{N: 1, Body: `{"code":"0","msg":"","data":[{"ordId":"1","sz":"-1","state":"live"}]}`},
		venuefuzz.Seed{N: 0, Body: `{"code":"0","msg":"","data":[{"ordId":"","sCode":"0"}]}`})
}

func FuzzErrorReply(f *testing.F) {
	var seeds []venuefuzz.Seed
	for _, s := range []string{`{"code":"51603","msg":"Order does not exist","data":[]}`,
		`{"code":"1","msg":"","data":[{"clOrdId":"cap1","ordId":"","sCode":"51008","sMsg":"Order failed. Insufficient USDT balance in account."}]}`,
		`{"code":"50102","msg":"Timestamp request expired","data":[]}`, `{"code":"50111","msg":"Invalid OK-ACCESS-KEY","data":[]}`,
		`{"code":"50011","msg":"Too Many Requests","data":[]}`, `<html>502 Bad Gateway</html>`, ``} {
		seeds = append(seeds, venuefuzz.Seed{N: 100, Body: s})
	}
	fuzz.ErrorReply(f, append(seeds, venuefuzz.Seed{N: 129, Body: `{"code":"50011","msg":"Too Many Requests","data":[]}`},
		venuefuzz.Seed{N: 203, Body: `{"code":"50001","msg":"Service temporarily unavailable","data":[]}`})...)
}

// Pushes of the fake's private channels.
const (
	fuzzPushAck     = `{"arg":{"channel":"orders","instType":"SPOT","uid":"1"},"data":[{"accFillSz":"0","algoClOrdId":"","algoId":"","attachAlgoClOrdId":"","attachAlgoOrds":[],"avgPx":"","cTime":"1796439396882","cancelSource":"","cancelSourceReason":"","category":"normal","ccy":"","clOrdId":"cap1","fee":"0","feeCcy":"BTC","fillPx":"","fillSz":"0","fillTime":"","instId":"BTC-USDT","instType":"SPOT","isTpLimit":"false","lever":"","linkedAlgoOrd":{"algoId":""},"ordId":"9007199254740993","ordType":"limit","pnl":"0","posSide":"net","px":"50000","pxType":"","pxUsd":"","pxVol":"","quickMgnType":"","rebate":"0","rebateCcy":"USDT","reduceOnly":"false","side":"buy","slOrdPx":"","slTriggerPx":"","slTriggerPxType":"","source":"","state":"live","stpId":"","stpMode":"cancel_maker","sz":"0.001","tag":"","tdMode":"cash","tgtCcy":"","tpOrdPx":"","tpTriggerPx":"","tpTriggerPxType":"","tradeId":"","uTime":"1796439396882","code":"0","msg":""}]}`
	fuzzPushFill    = `{"arg":{"channel":"orders","instType":"SPOT","uid":"1"},"data":[{"accFillSz":"0.001","algoClOrdId":"","algoId":"","attachAlgoClOrdId":"","attachAlgoOrds":[],"avgPx":"50000","cTime":"1796439396882","cancelSource":"","cancelSourceReason":"","category":"normal","ccy":"","clOrdId":"cap1","fee":"0","feeCcy":"BTC","fillPx":"50000","fillSz":"0.001","fillTime":"1796439396900","instId":"BTC-USDT","instType":"SPOT","isTpLimit":"false","lever":"","linkedAlgoOrd":{"algoId":""},"ordId":"9007199254740993","ordType":"limit","pnl":"0","posSide":"net","px":"50000","pxType":"","pxUsd":"","pxVol":"","quickMgnType":"","rebate":"0","rebateCcy":"USDT","reduceOnly":"false","side":"buy","slOrdPx":"","slTriggerPx":"","slTriggerPxType":"","source":"","state":"filled","stpId":"","stpMode":"cancel_maker","sz":"0.001","tag":"","tdMode":"cash","tgtCcy":"","tpOrdPx":"","tpTriggerPx":"","tpTriggerPxType":"","tradeId":"12","uTime":"1796439396882","code":"0","msg":""}]}`
	fuzzPushAccount = `{"arg":{"channel":"account","uid":"1"},"eventType":"event","curPage":1,"lastPage":true,"data":[{"totalEq":"10000","uTime":"1796439396900","details":[{"ccy":"USDT","eq":"10000","cashBal":"10000","availBal":"9950","frozenBal":"50","uTime":"1796439396900"}]}]}`
)

func FuzzStreamMessage(f *testing.F) {
	for _, s := range []string{fuzzPushAck, fuzzPushFill, fuzzPushAccount, "pong",
		`{"event":"login","code":"0","msg":"","connId":"a4d3ae55"}`, `{"event":"error","code":"60012","msg":"Invalid request"}`,
		`{"arg":{"channel":"orders","instType":"SPOT"},"data":[{"ordId":"1","sz":"-1","state":"live"}]}`, `{}`, `[]`} {
		f.Add([]byte(s))
	}
	classify := classifier("acct")
	f.Fuzz(func(t *testing.T, raw []byte) {
		_, evs, err := classify(raw)
		if string(raw) == "pong" { // OKX's heartbeat answer is the bare word
			return
		}
		venuefuzz.StreamEvents(t, raw, err, evs...)
	})
}

// FuzzQuoteReply: a ticker reply either fails or gives a quote with no
// negative price and no crossed book, for the symbol asked.
func FuzzQuoteReply(f *testing.F) {
	seeds := []string{
		`{"code":"0","msg":"","data":[{"instType":"SPOT","instId":"BTC-USDT","last":"50000","lastSz":"0.00001","askPx":"50000.1","askSz":"1","bidPx":"49999.9","bidSz":"1","ts":"1796439396880"}]}`,
		`{"code":"0","msg":"","data":[{"instId":"BTC-USDT","last":"50000","askPx":"","bidPx":""}]}`,
		`{"code":"0","msg":"","data":[{"instId":"BTC-USDT","last":"x","askPx":"1","bidPx":"2"}]}`,
		`{"code":"0","msg":"","data":[{"instId":"BTC-USDT","last":"-1","askPx":"-1","bidPx":"-2"}]}`,
		`{"code":"0","msg":"","data":[]}`, `{"code":"51001","msg":"Instrument ID does not exist","data":[]}`, `{}`, ``,
	}
	fuzz.QuoteReply(f, seeds...)
}

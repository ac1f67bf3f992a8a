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

// fuzzClient answers time and instruments as the fake does, and each of
// the given paths with (status, body). A fresh client per input keeps the
// rate counts, the clock and the rule cache from carrying over.
func fuzzClient(t *testing.T, status int, body []byte, paths ...string) *Client {
	t.Helper()
	routes := venuefuzz.NewRoutes(`{"code":"50000","msg":"no route","data":[]}`, map[string]string{
		"/api/v5/public/time":        fuzzTime,
		"/api/v5/public/instruments": fuzzInstruments,
	}, status, body, paths...)
	c, err := New(WithBaseURL("http://okx.fuzz"), WithNetwork(exchange.Testnet),
		WithKey("k", crypto.NewSecret([]byte("s")), crypto.NewSecret([]byte("p"))),
		WithHTTPClient(&http.Client{Transport: routes}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func FuzzTimeReply(f *testing.F) {
	for _, s := range []string{fuzzTime, `{"code":"0","msg":"","data":[]}`, `{"code":"0","msg":"","data":[{"ts":"-1"}]}`, `{"code":"0","data":[{"ts":"x"}]}`, `{}`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		c := fuzzClient(t, 200, body, "/api/v5/public/time")
		err := c.SyncClock(venuefuzz.Ctx(t))
		venuefuzz.GarbageAccepted(t, body, err)
	})
}

func FuzzBalancesReply(f *testing.F) {
	for _, s := range []string{fuzzBalance, `{"code":"0","msg":"","data":[]}`, `{"code":"0","data":[{"details":[{"ccy":"BTC","availBal":"","cashBal":"1","frozenBal":"x"}]}]}`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		c := fuzzClient(t, 200, body, "/api/v5/account/balance")
		_, err := c.Balances(venuefuzz.Ctx(t))
		venuefuzz.GarbageAccepted(t, body, err)
	})
}

func FuzzRulesReply(f *testing.F) {
	for _, s := range []string{fuzzInstruments, `{"code":"0","msg":"","data":[]}`, `{"code":"0","data":[{"instId":"BTC-USDT","tickSz":"-0.1","lotSz":"1","minSz":"2","maxLmtSz":"1","state":"live"}]}`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		c := fuzzClient(t, 200, body, "/api/v5/public/instruments")
		r, err := c.Rules(venuefuzz.Ctx(t), "BTC-USDT")
		venuefuzz.GarbageAccepted(t, body, err)
		if err != nil {
			return
		}
		if r.Symbol != "BTC-USDT" {
			t.Fatalf("asked for BTC-USDT, got rules of %q", r.Symbol)
		}
		if err := exchange.CheckRules(r); err != nil {
			t.Fatalf("accepted rules: %v", err)
		}
	})
}

// FuzzOrderReply feeds one reply to place, query, cancel (whose read-back
// gets the same reply) or the open orders list (op picks).
func FuzzOrderReply(f *testing.F) {
	for op, s := range []string{fuzzPlaced, fuzzQueried, fuzzCanceled, fuzzQueried} {
		f.Add(uint8(op), []byte(s))
	}
	f.Add(uint8(1), []byte(`{"code":"0","msg":"","data":[{}]}`))
	f.Add(uint8(1), []byte(`{"code":"0","msg":"","data":[{"ordId":"1","sz":"-1","state":"live"}]}`))
	f.Add(uint8(0), []byte(`{"code":"0","msg":"","data":[{"ordId":"","sCode":"0"}]}`))
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		c := fuzzClient(t, 200, body, "/api/v5/trade/order", "/api/v5/trade/cancel-order", "/api/v5/trade/orders-pending")
		venuefuzz.OrderOp(t, c, "BTC-USDT", op, body)
	})
}

// FuzzErrorReply feeds a non-2xx reply: it is an error whatever the body
// says, and its text stays short whatever the body's size.
func FuzzErrorReply(f *testing.F) {
	for _, s := range []string{`{"code":"51603","msg":"Order does not exist","data":[]}`,
		`{"code":"1","msg":"","data":[{"clOrdId":"cap1","ordId":"","sCode":"51008","sMsg":"Order failed. Insufficient USDT balance in account."}]}`,
		`{"code":"50102","msg":"Timestamp request expired","data":[]}`, `{"code":"50111","msg":"Invalid OK-ACCESS-KEY","data":[]}`,
		`{"code":"50011","msg":"Too Many Requests","data":[]}`, `<html>502 Bad Gateway</html>`, ``} {
		f.Add(uint16(100), []byte(s))
	}
	f.Add(uint16(129), []byte(`{"code":"50011","msg":"Too Many Requests","data":[]}`))
	f.Add(uint16(203), []byte(`{"code":"50001","msg":"Service temporarily unavailable","data":[]}`))
	f.Fuzz(func(t *testing.T, status uint16, body []byte) {
		code := venuefuzz.ErrorStatus(status)
		ctx := venuefuzz.ErrorCtx(t) // a client per call: a refusal holds its next requests back
		_, err := fuzzClient(t, code, body, "/api/v5/account/balance", "/api/v5/trade/order").Balances(ctx)
		venuefuzz.ErrorReply(t, code, body, err)
		_, err = fuzzClient(t, code, body, "/api/v5/account/balance", "/api/v5/trade/order").Place(ctx, venuefuzz.LimitBuy("BTC-USDT"))
		venuefuzz.ErrorReply(t, code, body, err)
	})
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
		if string(raw) != "pong" {
			venuefuzz.GarbageAccepted(t, raw, err)
		}
		if err != nil {
			return
		}
		for _, ev := range evs {
			if ev.Order == nil {
				continue
			}
			if err := exchange.CheckOrder(ev.Order.Order); err != nil {
				t.Fatalf("accepted %+v: %v", ev.Order.Order, err)
			}
			if ev.Order.LastQty.IsNegative() || ev.Order.LastPrice.IsNegative() {
				t.Fatalf("accepted a fill of %s at %s", ev.Order.LastQty, ev.Order.LastPrice)
			}
		}
	})
}

// FuzzQuoteReply: a ticker reply either fails or gives a quote with no
// negative price and no crossed book, for the symbol asked.
func FuzzQuoteReply(f *testing.F) {
	for _, s := range []string{
		`{"code":"0","msg":"","data":[{"instType":"SPOT","instId":"BTC-USDT","last":"50000","lastSz":"0.00001","askPx":"50000.1","askSz":"1","bidPx":"49999.9","bidSz":"1","ts":"1796439396880"}]}`,
		`{"code":"0","msg":"","data":[{"instId":"BTC-USDT","last":"50000","askPx":"","bidPx":""}]}`,
		`{"code":"0","msg":"","data":[{"instId":"BTC-USDT","last":"x","askPx":"1","bidPx":"2"}]}`,
		`{"code":"0","msg":"","data":[{"instId":"BTC-USDT","last":"-1","askPx":"-1","bidPx":"-2"}]}`,
		`{"code":"0","msg":"","data":[]}`, `{"code":"51001","msg":"Instrument ID does not exist","data":[]}`, `{}`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		c := fuzzClient(t, 200, body, "/api/v5/market/ticker")
		q, err := c.Quote(venuefuzz.Ctx(t), "BTC-USDT")
		venuefuzz.GarbageAccepted(t, body, err)
		if err != nil {
			return
		}
		if q.Symbol != "BTC-USDT" || q.Bid.IsNegative() || q.Ask.IsNegative() || q.Last.IsNegative() {
			t.Fatalf("accepted quote %+v", q)
		}
		if q.Bid.IsPositive() && q.Ask.IsPositive() && q.Bid.GreaterThan(q.Ask) {
			t.Fatalf("accepted a crossed book %+v", q)
		}
	})
}

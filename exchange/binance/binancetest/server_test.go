package binancetest

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/sim/simtest"
)

// Vectors from /work/shared/vectors/signing.json, copied so the test runs
// from a bare clone; TestAllPublishedVectors reads the file when present.
const (
	vecOrderBody = "timestamp=1499827319559&symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&newClientOrderId=oracle-1"
	vecOrderSig  = "85ce402c7a63c5f0bb0fd456536737d753f5c08c6636a05355d5284a71cd0658"
	vecOrderTS   = int64(1499827319559)
)

func TestPublishedVectorAccepted(t *testing.T) {
	f := newFixture(t)
	must(t, f.srv.Sim().Deposit(DefaultAccount, "BTC", decimal.RequireFromString("1")))
	hdr := map[string]string{"X-MBX-APIKEY": testKey}

	f.clock.Set(time.UnixMilli(vecOrderTS))
	r := f.mustRaw("POST", "/api/v3/order", "", vecOrderBody+"&signature="+vecOrderSig, hdr)
	expectOK(t, r)
	var o map[string]any
	r.decode(t, &o)
	if o["clientOrderId"] != "oracle-1" || o["status"] != "FILLED" {
		t.Errorf("reply %s", r.body)
	}
	if n := f.srv.Sim().ClientIDCount(DefaultAccount, "oracle-1"); n != 1 {
		t.Errorf("orders with the vector's client id: %d", n)
	}

	// The same bytes are refused once the server's clock has moved on, and
	// one changed byte breaks the signature.
	f.clock.Set(time.UnixMilli(vecOrderTS + 5001))
	expectErr(t, f.mustRaw("POST", "/api/v3/order", "", vecOrderBody+"&signature="+vecOrderSig, hdr),
		400, -1021, "Timestamp for this request is outside of the recvWindow.")
	f.clock.Set(time.UnixMilli(vecOrderTS - 1000))
	expectErr(t, f.mustRaw("POST", "/api/v3/order", "", vecOrderBody+"&signature="+vecOrderSig, hdr),
		400, -1021, "Timestamp for this request was 1000ms ahead of the server's time.")
	f.clock.Set(time.UnixMilli(vecOrderTS))
	tampered := strings.Replace(vecOrderBody, "oracle-1", "oracle-2", 1)
	expectErr(t, f.mustRaw("POST", "/api/v3/order", "", tampered+"&signature="+vecOrderSig, hdr),
		400, -1022, "Signature for this request is not valid.")
}

func TestEd25519VectorAccepted(t *testing.T) {
	const pemKey = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIKRrRiKygRUAYUvDF/IaB+OHbU9mhYspXbdBSJq+2pHa\n-----END PRIVATE KEY-----\n"
	const keyID = "oracleEd25519TestKey000000000000000000000000000000000000000000000"
	const body = "timestamp=1668481559918&symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=123456789.12345678&price=0.00000001&recvWindow=5000&newClientOrderId=ed-1"
	const sig = "gHtMMFUwxjVgJ2krqObj8mlo3FGGnqMHlVW5AcfUn2SY5NlIlVE7HVMCVOVWEYj1ggXsHE4VEXVnkHNWaI53CA=="
	blk, _ := pem.Decode([]byte(pemKey))
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	must(t, err)
	pub := k.(ed25519.PrivateKey).Public().(ed25519.PublicKey)

	clk := simtest.NewClock(time.UnixMilli(1668481559918))
	x := sim.New(sim.WithClock(clk.Now))
	d := decimal.RequireFromString
	must(t, x.AddSymbol(sim.SymbolSpec{Rules: exchange.SymbolRules{
		Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Trading: true,
		TickSize: d("0.00000001"), StepSize: d("0.00000001"),
	}, Price: d("0.00000002")}))
	must(t, x.Deposit("ed", "BTC", d("200000000")))
	srv := NewServer(WithSim(x))
	defer srv.Close()
	srv.AddEd25519Key(keyID, pub, TradePerms("ed"))
	f := &fixture{t: t, srv: srv, clock: clk, http: srv.Client()}
	hdr := map[string]string{"X-MBX-APIKEY": keyID}

	r := f.mustRaw("POST", "/api/v3/order", "", body+"&signature="+url.QueryEscape(sig), hdr)
	expectOK(t, r)
	if o, ok := x.OrderByClientID("ed", "ed-1"); !ok || !o.Qty.Equal(d("123456789.12345678")) || !o.Price.Equal(d("0.00000001")) {
		t.Errorf("order as the sim has it: %+v", o)
	}
	// A signature by another key is refused.
	_, other, _ := ed25519.GenerateKey(nil)
	bad := ed25519.Sign(other, []byte(body))
	r = f.mustRaw("POST", "/api/v3/order", "", body+"&signature="+url.QueryEscape(encodeB64(bad)), hdr)
	expectErr(t, r, 400, -1022, "Signature for this request is not valid.")
}

// TestAllPublishedVectors checks that every Binance vector's exact bytes pass
// signature and clock checks when the server clock is at its timestamp.
func TestAllPublishedVectors(t *testing.T) {
	raw, err := os.ReadFile("../testdata/signing.json")
	if err != nil {
		t.Fatal("vector copy missing (exchange/<venue>/testdata/signing.json):", err)
	}
	var file struct {
		Vectors []struct {
			Venue, Name, Scheme, Method, Path string
			KeyID                             string `json:"key_id"`
			Secret                            string
			Query                             string          `json:"query_sent"`
			Body                              string          `json:"body_sent"`
			Signature                         json.RawMessage `json:"expected_signature"`
		}
	}
	must(t, json.Unmarshal(raw, &file))
	for _, v := range file.Vectors {
		if v.Venue != "binance" {
			continue
		}
		var signature string
		must(t, json.Unmarshal(v.Signature, &signature))
		t.Run(v.Name, func(t *testing.T) {
			f := newFixture(t)
			must(t, f.srv.Sim().Deposit(DefaultAccount, "BTC", decimal.RequireFromString("1")))
			if v.Scheme == "ed25519" {
				blk, _ := pem.Decode([]byte(v.Secret))
				k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
				must(t, err)
				f.srv.AddEd25519Key(v.KeyID, k.(ed25519.PrivateKey).Public().(ed25519.PublicKey), TradePerms(DefaultAccount))
			} else {
				f.srv.AddHMACKey(v.KeyID, v.Secret, TradePerms(DefaultAccount))
			}
			vals, _ := url.ParseQuery(v.Query + "&" + v.Body)
			ts, _ := parseTimestamp(vals.Get("timestamp"))
			f.clock.Set(time.UnixMicro(ts))
			sig := "&signature=" + url.QueryEscape(signature)
			q, b := v.Query, v.Body
			if b != "" {
				b += sig
			} else {
				q += sig
			}
			r := f.mustRaw(v.Method, v.Path, q, b, map[string]string{"X-MBX-APIKEY": v.KeyID})
			switch r.code {
			case -1022, -1021, -2014, -2015, -1102, -1104:
				t.Fatalf("vector refused at the gate: %d %s", r.code, r.msg)
			}
			// The gate did look: a different signature is refused.
			bad := "&signature=" + url.QueryEscape(encodeB64(make([]byte, 64)))
			if v.Scheme != "ed25519" {
				bad = "&signature=" + strings.Repeat("0", 64)
			}
			q, b = v.Query, v.Body
			if b != "" {
				b += bad
			} else {
				q += bad
			}
			r = f.mustRaw(v.Method, v.Path, q, b, map[string]string{"X-MBX-APIKEY": v.KeyID})
			expectErr(t, r, 400, -1022, "Signature for this request is not valid.")
		})
	}
}

func TestRejections(t *testing.T) {
	f := newFixture(t)
	f.srv.AddHMACKey("readonlyKey", "ro-secret", Perms{Read: true})
	f.srv.AddHMACKey("boundKey", "bound-secret", Perms{Read: true, Trade: true, IPRestrict: true, IPs: []string{"10.1.2.3"}})
	f.srv.AddHMACKey("localKey", "local-secret", Perms{Read: true, Trade: true, IPRestrict: true, IPs: []string{"127.0.0.1"}})
	now := f.clock.Now().UnixMilli()
	order := "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=60000"
	sign := func(p string) string { return p + "&signature=" + hmacHex(testSecret, p) }
	hdr := map[string]string{"X-MBX-APIKEY": testKey}
	ts := fmt.Sprint("timestamp=", now)

	cases := []struct {
		name   string
		got    func() resp
		status int
		code   int
		msg    string
	}{
		{"no key", func() resp { return f.mustRaw("GET", "/api/v3/account", sign(ts), "", nil) }, 401, -2015, "Invalid API-key, IP, or permissions for action."},
		{"unknown key", func() resp {
			return f.mustRaw("GET", "/api/v3/account", sign(ts), "", map[string]string{"X-MBX-APIKEY": "unknownKey123"})
		}, 401, -2015, "Invalid API-key, IP, or permissions for action."},
		{"malformed key", func() resp {
			return f.mustRaw("GET", "/api/v3/account", sign(ts), "", map[string]string{"X-MBX-APIKEY": "not a key!"})
		}, 401, -2014, "API-key format invalid."},
		{"wrong secret", func() resp { return f.signedAs(testKey, "other", "GET", "/api/v3/account", "", false, now) }, 400, -1022, "Signature for this request is not valid."},
		{"signature not last", func() resp {
			return f.mustRaw("GET", "/api/v3/account", "signature="+hmacHex(testSecret, ts)+"&"+ts, "", hdr)
		}, 400, -1022, "Signature for this request is not valid."},
		{"no signature", func() resp { return f.mustRaw("GET", "/api/v3/account", ts, "", hdr) }, 400, -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed."},
		{"no timestamp", func() resp { return f.mustRaw("GET", "/api/v3/account", sign("omitZeroBalances=true"), "", hdr) }, 400, -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed."},
		{"1000ms ahead", func() resp { return f.signedAs(testKey, testSecret, "GET", "/api/v3/account", "", false, now+1000) }, 400, -1021, "Timestamp for this request was 1000ms ahead of the server's time."},
		{"outside recvWindow", func() resp { return f.signedAs(testKey, testSecret, "GET", "/api/v3/account", "", false, now-5001) }, 400, -1021, "Timestamp for this request is outside of the recvWindow."},
		{"recvWindow too big", func() resp { return f.signed("GET", "/api/v3/account", "recvWindow=60001", false) }, 400, -1131, "recvWindow must be less than 60000"},
		{"read-only key places", func() resp { return f.signedAs("readonlyKey", "ro-secret", "POST", "/api/v3/order", order, true, now) }, 401, -2015, ""},
		{"read-only key test order", func() resp {
			return f.signedAs("readonlyKey", "ro-secret", "POST", "/api/v3/order/test", order, true, now)
		}, 401, -2015, ""},
		{"IP not listed", func() resp { return f.signedAs("boundKey", "bound-secret", "GET", "/api/v3/account", "", false, now) }, 401, -2015, ""},
		{"bad symbol", func() resp {
			return f.signed("POST", "/api/v3/order", strings.Replace(order, "BTCUSDT", "NOPE", 1), true)
		}, 400, -1121, "Invalid symbol."},
		{"price filter", func() resp {
			return f.signed("POST", "/api/v3/order", strings.Replace(order, "60000", "60000.005", 1), true)
		}, 400, -1013, "Filter failure: PRICE_FILTER"},
		{"lot size", func() resp {
			return f.signed("POST", "/api/v3/order", strings.Replace(order, "0.01&", "0.000015&", 1), true)
		}, 400, -1013, "Filter failure: LOT_SIZE"},
		{"notional", func() resp {
			return f.signed("POST", "/api/v3/order", strings.Replace(order, "0.01&", "0.00001&", 1), true)
		}, 400, -1013, "Filter failure: NOTIONAL"},
		{"market lot size", func() resp {
			return f.signed("POST", "/api/v3/order", "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=121", true)
		}, 400, -1013, "Filter failure: MARKET_LOT_SIZE"},
		{"too much precision", func() resp {
			return f.signed("POST", "/api/v3/order", strings.Replace(order, "0.01&", "0.010000001&", 1), true)
		}, 400, -1111, "Parameter 'quantity' has too much precision."},
		{"insufficient balance", func() resp { return f.signed("POST", "/api/v3/order", strings.Replace(order, "0.01&", "5&", 1), true) }, 400, -2010, "Account has insufficient balance for requested action."},
		{"illegal client id", func() resp { return f.signed("POST", "/api/v3/order", order+"&newClientOrderId=has+space", true) }, 400, -1100,
			`Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\.A-Z\:/a-z0-9_-]{1,36}$'.`},
		{"client id too long", func() resp {
			return f.signed("POST", "/api/v3/order", order+"&newClientOrderId="+strings.Repeat("a", 37), true)
		}, 400, -1100, ""},
		{"missing price", func() resp {
			return f.signed("POST", "/api/v3/order", "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1", true)
		}, 400, -1102,
			"Mandatory parameter 'price' was not sent, was empty/null, or malformed."},
		{"unread parameter", func() resp { return f.signed("GET", "/api/v3/account", "colour=blue", false) }, 400, -1104,
			"Not all sent parameters were read; read '1' parameter(s) but was sent '2'."},
		{"query unknown order", func() resp { return f.signed("GET", "/api/v3/order", "symbol=BTCUSDT&orderId=1", false) }, 400, -2013, "Order does not exist."},
		{"cancel unknown order", func() resp {
			return f.signed("DELETE", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=nope", false)
		}, 400, -2011, "Unknown order sent."},
		{"query needs an id", func() resp { return f.signed("GET", "/api/v3/order", "symbol=BTCUSDT", false) }, 400, -1102,
			"Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"},
		{"duplicate parameter", func() resp { return f.signed("GET", "/api/v3/account", "recvWindow=1000&recvWindow=2000", false) }, 400, -1101, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { expectErr(t, c.got(), c.status, c.code, c.msg) })
	}

	t.Run("accepted edges", func(t *testing.T) {
		expectOK(t, f.signedAs(testKey, testSecret, "GET", "/api/v3/account", "", false, now+999))
		expectOK(t, f.signedAs(testKey, testSecret, "GET", "/api/v3/account", "recvWindow=10000", false, now-10000))
		expectOK(t, f.signed("GET", "/api/v3/account", "recvWindow=60000", false))
		expectOK(t, f.signedAs("localKey", "local-secret", "GET", "/api/v3/account", "", false, now))
		expectOK(t, f.signedAs("readonlyKey", "ro-secret", "GET", "/api/v3/account", "", false, now))
		p := "omitZeroBalances=true&" + ts
		upper := strings.ToUpper(hmacHex(testSecret, p))
		expectOK(t, f.mustRaw("GET", "/api/v3/account", p+"&signature="+upper, "", hdr))
		// Split between query and body: the payload is query then body.
		q, b := "symbol=BTCUSDT&side=BUY&type=LIMIT", "timeInForce=GTC&quantity=0.01&price=60000&"+ts
		expectOK(t, f.mustRaw("POST", "/api/v3/order/test", q, b+"&signature="+hmacHex(testSecret, q+b), hdr))
	})

	t.Run("duplicate open client id", func(t *testing.T) {
		p := strings.Replace(order, "60000", "50000", 1) + "&newClientOrderId=dup-1"
		expectOK(t, f.signed("POST", "/api/v3/order", p, true))
		expectErr(t, f.signed("POST", "/api/v3/order", p, true), 400, -2010, "Duplicate order sent.")
		if n := f.srv.Sim().ClientIDCount(DefaultAccount, "dup-1"); n != 1 {
			t.Errorf("%d orders with dup-1", n)
		}
	})

	t.Run("account may not trade", func(t *testing.T) {
		f.srv.SetAccountFlags(DefaultAccount, false, true, true)
		defer f.srv.SetAccountFlags(DefaultAccount, true, true, true)
		expectErr(t, f.signed("POST", "/api/v3/order", order, true), 400, -2010, "This account may not place or cancel orders.")
	})

	// Nothing secret reaches the request log.
	for _, rq := range f.srv.Requests() {
		if s := fmt.Sprintf("%+v", rq); strings.Contains(s, "signature") || strings.Contains(s, testSecret) || strings.Contains(s, testKey) {
			t.Fatalf("request log leaks: %s", s)
		}
	}
}

func TestOrderLifecycle(t *testing.T) {
	f := newFixture(t)
	r := f.signed("POST", "/api/v3/order", "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.1&price=60000&newClientOrderId=life-1&newOrderRespType=RESULT", true)
	expectOK(t, r)
	if !strings.Contains(string(r.body), `"orderId":9007199254740993,`) {
		t.Fatalf("order id not the exact large number: %s", r.body)
	}
	if r.header.Get("X-MBX-ORDER-COUNT-10S") != "1" || r.header.Get("X-MBX-ORDER-COUNT-1D") != "1" {
		t.Errorf("order count headers %q %q", r.header.Get("X-MBX-ORDER-COUNT-10S"), r.header.Get("X-MBX-ORDER-COUNT-1D"))
	}
	var placed map[string]any
	r.decode(t, &placed)
	if placed["status"] != "NEW" || placed["price"] != "60000.00000000" || placed["origQty"] != "0.10000000" || placed["fills"] != nil {
		t.Errorf("RESULT reply: %s", r.body)
	}

	r = f.signed("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=life-1", false)
	expectOK(t, r)
	var q map[string]any
	r.decode(t, &q)
	if q["orderId"].(json.Number).String() != "9007199254740993" || q["status"] != "NEW" {
		t.Errorf("query by client id: %s", r.body)
	}
	r = f.signed("GET", "/api/v3/openOrders", "symbol=BTCUSDT", false)
	expectOK(t, r)
	var open []map[string]any
	r.decode(t, &open)
	if len(open) != 1 || open[0]["clientOrderId"] != "life-1" {
		t.Errorf("open orders: %s", r.body)
	}
	if r.header.Get("X-MBX-USED-WEIGHT-1M") != "11" { // 1 + 4 + 6
		t.Errorf("used weight %q, want 11", r.header.Get("X-MBX-USED-WEIGHT-1M"))
	}

	r = f.signed("DELETE", "/api/v3/order", "symbol=BTCUSDT&orderId=9007199254740993", false)
	expectOK(t, r)
	var c map[string]any
	r.decode(t, &c)
	if c["status"] != "CANCELED" || c["origClientOrderId"] != "life-1" {
		t.Errorf("cancel: %s", r.body)
	}
	expectErr(t, f.signed("DELETE", "/api/v3/order", "symbol=BTCUSDT&orderId=9007199254740993", false), 400, -2011, "Unknown order sent.")

	// A FULL market order reports its fills; allOrders has both.
	r = f.signed("POST", "/api/v3/order", "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.5", true)
	expectOK(t, r)
	var full struct {
		Status string
		Fills  []struct{ Price, Qty, Commission, CommissionAsset string }
	}
	r.decode(t, &full)
	if full.Status != "FILLED" || len(full.Fills) != 1 || full.Fills[0].Qty != "0.50000000" || full.Fills[0].Price != "65000.00000000" {
		t.Errorf("FULL reply: %s", r.body)
	}
	r = f.signed("POST", "/api/v3/order", "symbol=BTCUSDT&side=BUY&type=MARKET&quoteOrderQty=100&newOrderRespType=ACK", true)
	expectOK(t, r)
	var ack map[string]any
	r.decode(t, &ack)
	if _, has := ack["status"]; has || ack["orderListId"].(json.Number).String() != "-1" {
		t.Errorf("ACK reply: %s", r.body)
	}

	r = f.signed("GET", "/api/v3/allOrders", "symbol=BTCUSDT", false)
	expectOK(t, r)
	var all []map[string]any
	r.decode(t, &all)
	if len(all) != 3 || all[0]["status"] != "CANCELED" || all[1]["status"] != "FILLED" || all[1]["timeInForce"] != "GTC" {
		t.Errorf("allOrders: %s", r.body)
	}
	r = f.signed("GET", "/api/v3/allOrders", "symbol=BTCUSDT&orderId=9007199254740994&limit=1", false)
	var from []map[string]any
	r.decode(t, &from)
	if len(from) != 1 || from[0]["orderId"].(json.Number).String() != "9007199254740994" {
		t.Errorf("allOrders from id: %s", r.body)
	}

	r = f.signed("GET", "/api/v3/account", "omitZeroBalances=true", false)
	expectOK(t, r)
	var acct struct {
		CanTrade    bool
		AccountType string
		Permissions []string
		UID         json.Number
		Balances    []struct{ Asset, Free, Locked string }
	}
	r.decode(t, &acct)
	if !acct.CanTrade || acct.AccountType != "SPOT" || acct.UID == "" || len(acct.Permissions) != 1 {
		t.Errorf("account: %s", r.body)
	}
	for _, b := range acct.Balances {
		want := f.srv.Sim().Balance(DefaultAccount, b.Asset)
		if b.Free != want.Free.StringFixed(8) || b.Locked != want.Locked.StringFixed(8) {
			t.Errorf("balance %s: %s/%s, sim %s/%s", b.Asset, b.Free, b.Locked, want.Free, want.Locked)
		}
	}

	r = f.signed("GET", "/api/v3/rateLimit/order", "", false)
	expectOK(t, r)
	var rl []struct {
		RateLimitType, Interval string
		IntervalNum, Limit      int
		Count                   int
	}
	r.decode(t, &rl)
	if len(rl) != 2 || rl[0].Count != 3 || rl[0].Limit != 50 || rl[1].Interval != "DAY" || rl[1].Count != 3 {
		t.Errorf("rateLimit/order: %s", r.body)
	}
}

func TestPublicEndpoints(t *testing.T) {
	f := newFixture(t)
	r := f.mustRaw("GET", "/api/v3/time", "", "", nil)
	expectOK(t, r)
	if string(r.body) != fmt.Sprintf(`{"serverTime":%d}`, testStart) {
		t.Errorf("time: %s", r.body)
	}
	f.srv.Sim().SetSkew(-2 * time.Second)
	r = f.mustRaw("GET", "/api/v3/time", "", "", nil)
	if string(r.body) != fmt.Sprintf(`{"serverTime":%d}`, testStart-2000) {
		t.Errorf("skewed time: %s", r.body)
	}
	expectOK(t, f.mustRaw("GET", "/api/v3/ping", "", "", nil))

	r = f.mustRaw("GET", "/api/v3/exchangeInfo", "symbol=BTCUSDT", "", nil)
	expectOK(t, r)
	var info struct {
		RateLimits []struct {
			RateLimitType, Interval string
			IntervalNum, Limit      int
		}
		Symbols []struct {
			Symbol  string
			Filters []map[string]any
		}
	}
	r.decode(t, &info)
	if len(info.RateLimits) != 4 || info.RateLimits[0].Limit != 6000 || info.RateLimits[3].RateLimitType != "RAW_REQUESTS" {
		t.Errorf("rateLimits: %+v", info.RateLimits)
	}
	if len(info.Symbols) != 1 || info.Symbols[0].Symbol != "BTCUSDT" {
		t.Fatalf("symbols: %s", r.body)
	}
	filters := map[string]map[string]any{}
	for _, fl := range info.Symbols[0].Filters {
		filters[fl["filterType"].(string)] = fl
	}
	if filters["PRICE_FILTER"]["tickSize"] != "0.01000000" || filters["LOT_SIZE"]["stepSize"] != "0.00001000" ||
		filters["NOTIONAL"]["minNotional"] != "5.00000000" || filters["MARKET_LOT_SIZE"]["maxQty"] != "120.00000000" {
		t.Errorf("filters: %v", filters)
	}
	r = f.mustRaw("GET", "/api/v3/exchangeInfo", "symbols="+url.QueryEscape(`["BTCUSDT","ETHUSDT"]`), "", nil)
	r.decode(t, &info)
	if len(info.Symbols) != 2 {
		t.Errorf("symbols=: %d symbols", len(info.Symbols))
	}
	expectErr(t, f.mustRaw("GET", "/api/v3/exchangeInfo", "symbol=NOPE", "", nil), 400, -1121, "Invalid symbol.")

	r = f.mustRaw("GET", "/api/v3/ticker/price", "symbol=ETHUSDT", "", nil)
	if string(r.body) != `{"symbol":"ETHUSDT","price":"3200.00000000"}` {
		t.Errorf("ticker: %s", r.body)
	}
	r = f.mustRaw("GET", "/api/v3/ticker/price", "", "", nil)
	var ticks []map[string]string
	r.decode(t, &ticks)
	if len(ticks) != 3 {
		t.Errorf("all tickers: %s", r.body)
	}
	// 1+1+1+20+20+20+2+4
	if got := f.srv.UsedWeight("127.0.0.1"); got != 69 {
		t.Errorf("used weight %d, want 69", got)
	}
}

func TestWeightLimitThen418(t *testing.T) {
	lim := DefaultRateLimits()
	lim.WeightPerMinute = 25
	f := newFixture(t, WithRateLimits(lim))
	f.clock.Set(time.UnixMilli(testStart - testStart%60000 + 15000)) // 15 s into a minute
	for i := 1; i <= 25; i++ {
		r := f.mustRaw("GET", "/api/v3/time", "", "", nil)
		if r.status != 200 || r.header.Get("X-MBX-USED-WEIGHT-1M") != fmt.Sprint(i) {
			t.Fatalf("request %d: %d weight %q", i, r.status, r.header.Get("X-MBX-USED-WEIGHT-1M"))
		}
	}
	r := f.mustRaw("GET", "/api/v3/time", "", "", nil)
	expectErr(t, r, 429, -1003, "Too much request weight used; current limit is 25 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.")
	if r.header.Get("Retry-After") != "45" {
		t.Errorf("Retry-After %q, want 45", r.header.Get("Retry-After"))
	}
	f.clock.Advance(time.Second)
	r = f.mustRaw("GET", "/api/v3/time", "", "", nil)
	until := f.clock.Now().Add(2 * time.Minute).UnixMilli()
	expectErr(t, r, 418, -1003, fmt.Sprintf("Way too much request weight used; IP banned until %d. Please use WebSocket Streams for live updates to avoid bans.", until))
	if r.header.Get("Retry-After") != "120" {
		t.Errorf("ban Retry-After %q", r.header.Get("Retry-After"))
	}
	f.clock.Advance(119 * time.Second)
	expectErr(t, f.mustRaw("GET", "/api/v3/time", "", "", nil), 418, -1003, "")
	f.clock.Advance(time.Second)
	expectOK(t, f.mustRaw("GET", "/api/v3/time", "", "", nil))
	// The second ban is twice as long.
	for range 24 {
		expectOK(t, f.mustRaw("GET", "/api/v3/time", "", "", nil))
	}
	expectErr(t, f.mustRaw("GET", "/api/v3/time", "", "", nil), 429, -1003, "")
	r = f.mustRaw("GET", "/api/v3/time", "", "", nil)
	if r.status != 418 || r.header.Get("Retry-After") != "240" {
		t.Errorf("second ban: %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	if f.srv.Count429() != 2 || f.srv.Count418() != 3 {
		t.Errorf("counters 429=%d 418=%d", f.srv.Count429(), f.srv.Count418())
	}
	var refused int
	for _, rq := range f.srv.Requests() {
		if !rq.Accepted {
			refused++
		}
	}
	if refused != 5 {
		t.Errorf("%d requests logged as refused, want 5", refused)
	}
}

func TestOrderRateLimit(t *testing.T) {
	lim := DefaultRateLimits()
	lim.OrdersPer10s = 3
	f := newFixture(t, WithRateLimits(lim))
	order := "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000"
	for i := 1; i <= 3; i++ {
		r := f.signed("POST", "/api/v3/order", order, true)
		expectOK(t, r)
		if r.header.Get("X-MBX-ORDER-COUNT-10S") != fmt.Sprint(i) {
			t.Errorf("order %d: count header %q", i, r.header.Get("X-MBX-ORDER-COUNT-10S"))
		}
	}
	r := f.signed("POST", "/api/v3/order", order, true)
	expectErr(t, r, 429, -1015, "Too many new orders; current limit is 3 orders per TEN_SECOND.")
	if r.header.Get("X-MBX-ORDER-COUNT-10S") != "" {
		t.Error("a refused order carries an order count header")
	}
	if n := len(f.srv.Sim().Orders(DefaultAccount)); n != 3 {
		t.Errorf("%d orders reached the sim", n)
	}
	f.clock.Advance(10 * time.Second)
	expectOK(t, f.signed("POST", "/api/v3/order", order, true))
	ten, day := f.srv.OrderCounts(DefaultAccount)
	if ten != 1 || day != 4 {
		t.Errorf("counts %d/%d, want 1/4", ten, day)
	}
}

func TestFaults(t *testing.T) {
	f := newFixture(t)
	faults := f.srv.Sim().Faults()
	order := func(cid string) string {
		return "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000&newClientOrderId=" + cid
	}

	faults.Add(sim.Fault{Kind: sim.Fault5xx, Op: "POST /api/v3/order", Times: 1})
	expectErr(t, f.signed("POST", "/api/v3/order", order("f-503"), true), 503, -1007,
		"Timeout waiting for response from backend server. Send status unknown; execution status unknown.")
	if n := f.srv.Sim().ClientIDCount(DefaultAccount, "f-503"); n != 0 {
		t.Errorf("503 without Apply placed %d orders", n)
	}
	faults.Add(sim.Fault{Kind: sim.Fault5xx, Op: "POST /api/v3/order", Times: 1, Status: 502, Apply: true})
	r := f.signed("POST", "/api/v3/order", order("f-502"), true)
	if r.status != 502 || !strings.Contains(string(r.body), "502 Bad Gateway") {
		t.Errorf("502: %d %s", r.status, r.body)
	}
	if n := f.srv.Sim().ClientIDCount(DefaultAccount, "f-502"); n != 1 {
		t.Errorf("502 with Apply placed %d orders", n)
	}

	faults.Add(sim.Fault{Kind: sim.FaultDropAfterAccept, Op: "POST /api/v3/order", Times: 1})
	_, err := f.raw(context.Background(), "POST", "/api/v3/order", "", signBody(f, order("f-drop")), map[string]string{"X-MBX-APIKEY": testKey})
	if err == nil {
		t.Error("dropped connection gave a reply")
	}
	if n := f.srv.Sim().ClientIDCount(DefaultAccount, "f-drop"); n != 1 {
		t.Errorf("drop-after-accept placed %d orders, want 1", n)
	}

	faults.Add(sim.Fault{Kind: sim.FaultGarbage, Op: "GET /api/v3/account", Times: 1})
	r = f.signed("GET", "/api/v3/account", "", false)
	var v any
	if r.status != 200 || json.Unmarshal(r.body, &v) == nil {
		t.Errorf("garbage: %d %s", r.status, r.body)
	}

	faults.Add(sim.Fault{Kind: sim.FaultHang, Op: "GET /api/v3/time", Times: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := f.raw(ctx, "GET", "/api/v3/time", "", "", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hang: err %v", err)
	}

	faults.Add(sim.Fault{Kind: sim.FaultRateLimit, Op: "GET /api/v3/ping", Times: 1})
	expectErr(t, f.mustRaw("GET", "/api/v3/ping", "", "", nil), 429, -1003, "")
	expectErr(t, f.mustRaw("GET", "/api/v3/ping", "", "", nil), 418, -1003, "")

	if faults.Pending() != 0 {
		t.Errorf("%d faults left", faults.Pending())
	}
	var logged []sim.FaultKind
	for _, rq := range f.srv.Requests() {
		if rq.Fault != 0 {
			logged = append(logged, rq.Fault)
		}
	}
	if len(logged) != 6 {
		t.Errorf("faults in the request log: %v", logged)
	}
}

func signBody(f *fixture, params string) string {
	p := params + fmt.Sprint("&timestamp=", f.clock.Now().UnixMilli())
	return p + "&signature=" + hmacHex(testSecret, p)
}

func TestModes(t *testing.T) {
	f := newFixture(t)
	r := f.signed("GET", "/sapi/v1/account/apiRestrictions", "", false)
	if r.status != 404 {
		t.Errorf("testnet /sapi: %d", r.status)
	}
	m := newFixture(t, WithMode(Mainnet))
	created := time.UnixMilli(1_690_000_000_000)
	expires := time.UnixMilli(1_800_000_000_000)
	m.srv.AddHMACKey("mainKey", "main-secret", Perms{Read: true, Trade: true, Withdraw: true, IPRestrict: true, IPs: []string{"127.0.0.1"}, Created: created, TradingAuthorityExpiration: expires})
	r = m.signedAs("mainKey", "main-secret", "GET", "/sapi/v1/account/apiRestrictions", "", false, m.clock.Now().UnixMilli())
	expectOK(t, r)
	var ar map[string]any
	r.decode(t, &ar)
	if ar["ipRestrict"] != true || ar["enableWithdrawals"] != true || ar["enableSpotAndMarginTrading"] != true ||
		ar["createTime"].(json.Number).String() != "1690000000000" || ar["tradingAuthorityExpirationTime"].(json.Number).String() != "1800000000000" {
		t.Errorf("apiRestrictions: %s", r.body)
	}
	if r.header.Get("X-SAPI-USED-IP-WEIGHT-1M") != "1" {
		t.Errorf("sapi weight header %q", r.header.Get("X-SAPI-USED-IP-WEIGHT-1M"))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

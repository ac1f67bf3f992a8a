package bybittest

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/sim/simtest"
)

// bySign is the tests' own signer, written from the Bybit docs and
// independent of exchange/bybit.
func bySign(secret, payload string) string {
	return hex.EncodeToString(simtest.HMACSHA256(secret, payload))
}

const (
	testKey    = "XbTestKey0123456789"
	testSecret = "XbTestSecret0123456789abcdefghijklmn"
	testStart  = int64(1_700_000_000_000) // simtest.Start
)

type fixture struct {
	t     *testing.T
	srv   *Server
	clock *simtest.Clock
	http  *http.Client
}

// exchangeForTest is the sim every fixture trades on: the account funded,
// the clock stopped at testStart.
func exchangeForTest(t *testing.T) (*sim.Exchange, *simtest.Clock) {
	return simtest.Exchange(t, DefaultSymbols(), DefaultAccount, "USDT", "100000", "BTC", "2")
}

func newFixture(t *testing.T, opts ...Option) *fixture {
	t.Helper()
	x, clk := exchangeForTest(t)
	srv := NewServer(append([]Option{WithSim(x)}, opts...)...)
	t.Cleanup(srv.Close)
	srv.AddKey(testKey, testSecret, TradePerms(DefaultAccount))
	return &fixture{t: t, srv: srv, clock: clk, http: srv.Client()}
}

var must = simtest.Must

type resp struct {
	status int
	header http.Header
	body   []byte
	code   int
	msg    string
	result map[string]any
}

func (f *fixture) raw(method, path, query, body string, hdr map[string]string) resp {
	f.t.Helper()
	u := f.srv.URL + path
	if query != "" {
		u += "?" + query
	}
	r := simtest.MustDo(f.t, f.http, method, u, body, hdr)
	b := r.Body
	out := resp{status: r.Status, header: r.Header, body: b, code: -1}
	var env struct {
		RetCode int            `json:"retCode"`
		RetMsg  string         `json:"retMsg"`
		Result  map[string]any `json:"result"`
	}
	if json.Unmarshal(b, &env) == nil {
		out.code, out.msg, out.result = env.RetCode, env.RetMsg, env.Result
	}
	return out
}

func headersAt(key, secret string, ts int64, recv, payload string) map[string]string {
	h := map[string]string{
		"X-BAPI-API-KEY": key, "X-BAPI-TIMESTAMP": fmt.Sprint(ts),
		"X-BAPI-SIGN": bySign(secret, fmt.Sprint(ts)+key+recv+payload),
	}
	if recv != "" {
		h["X-BAPI-RECV-WINDOW"] = recv
	}
	return h
}

func (f *fixture) get(path, query string) resp {
	f.t.Helper()
	return f.raw("GET", path, query, "", headersAt(testKey, testSecret, f.clock.Now().UnixMilli(), "5000", query))
}

func (f *fixture) post(path, body string) resp {
	f.t.Helper()
	h := headersAt(testKey, testSecret, f.clock.Now().UnixMilli(), "5000", body)
	h["Content-Type"] = "application/json"
	return f.raw("POST", path, "", body, h)
}

func expect(t *testing.T, r resp, status, code int, msg string) {
	t.Helper()
	if r.status != status || r.code != code || (msg != "" && r.msg != msg) {
		t.Errorf("got %d %d %q, want %d %d %q", r.status, r.code, r.msg, status, code, msg)
	}
}

func TestPublishedVectors(t *testing.T) {
	raw, err := os.ReadFile("../testdata/signing.json")
	if err != nil {
		t.Fatal("vector copy missing (exchange/<venue>/testdata/signing.json):", err)
	}
	var file struct {
		Vectors []struct {
			Venue, Name, Method, Path string
			KeyID                     string `json:"key_id"`
			Secret                    string
			Query                     string            `json:"query_sent"`
			Body                      string            `json:"body_sent"`
			Headers                   map[string]string `json:"headers"`
		}
	}
	must(t, json.Unmarshal(raw, &file))
	n := 0
	for _, v := range file.Vectors {
		if v.Venue != "bybit" {
			continue
		}
		n++
		t.Run(v.Name, func(t *testing.T) {
			f := newFixture(t)
			f.srv.AddKey(v.KeyID, v.Secret, TradePerms(DefaultAccount))
			var ts int64
			fmt.Sscan(v.Headers["X-BAPI-TIMESTAMP"], &ts)
			f.clock.Set(time.UnixMilli(ts))
			r := f.raw(v.Method, v.Path, v.Query, v.Body, v.Headers)
			switch r.code {
			case 10002, 10003, 10004, 10005, 10010, -1:
				t.Fatalf("vector refused at the gate: %d %s", r.code, r.body)
			}
			bad := map[string]string{}
			for k, val := range v.Headers {
				bad[k] = val
			}
			bad["X-BAPI-SIGN"] = strings.Repeat("0", 64)
			payload := v.Query
			if v.Method == "POST" {
				payload = v.Body
			}
			origin := v.Headers["X-BAPI-TIMESTAMP"] + v.KeyID + v.Headers["X-BAPI-RECV-WINDOW"] + payload
			expect(t, f.raw(v.Method, v.Path, v.Query, v.Body, bad), 200, 10004, "error sign! origin_string["+origin+"]")
		})
	}
	if n == 0 {
		t.Fatal("no bybit vectors")
	}
}

func TestRejections(t *testing.T) {
	f := newFixture(t)
	f.srv.AddKey("roKey", "ro-secret", Perms{ReadOnly: true})
	f.srv.AddKey("boundKey", "bound-secret", Perms{IPs: []string{"10.1.2.3"}})
	f.srv.AddKey("oldKey", "old-secret", Perms{Expires: time.UnixMilli(testStart - 1)})
	now := f.clock.Now().UnixMilli()
	q := "accountType=UNIFIED"
	wb := "/v5/account/wallet-balance"
	order := `{"category":"spot","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.01","price":"60000"}`
	cases := []struct {
		name   string
		got    func() resp
		status int
		code   int
		msg    string
	}{
		{"unknown key", func() resp { return f.raw("GET", wb, q, "", headersAt("nobody", "x", now, "5000", q)) }, 401, 10003, "API key is invalid."},
		{"wrong secret", func() resp { return f.raw("GET", wb, q, "", headersAt(testKey, "other", now, "5000", q)) }, 200, 10004,
			fmt.Sprintf("error sign! origin_string[%d%s5000%s]", now, testKey, q)},
		{"signed without recvWindow but sent one", func() resp {
			h := headersAt(testKey, testSecret, now, "", q)
			h["X-BAPI-RECV-WINDOW"] = "5000"
			return f.raw("GET", wb, q, "", h)
		}, 200, 10004, ""},
		{"1000 ms ahead", func() resp { return f.raw("GET", wb, q, "", headersAt(testKey, testSecret, now+1000, "5000", q)) }, 200, 10002,
			fmt.Sprintf("invalid request, please check your server timestamp or recv_window param. req_timestamp[%d],server_timestamp[%d],recv_window[5000]", now+1000, now)},
		{"outside recvWindow", func() resp { return f.raw("GET", wb, q, "", headersAt(testKey, testSecret, now-5001, "5000", q)) }, 200, 10002, ""},
		{"wider recvWindow", func() resp { return f.raw("GET", wb, q, "", headersAt(testKey, testSecret, now-5001, "6000", q)) }, 200, 0, "OK"},
		{"IP not bound", func() resp { return f.raw("GET", wb, q, "", headersAt("boundKey", "bound-secret", now, "5000", q)) }, 200, 10010, "Unmatched IP, please check your API key's bound IP addresses."},
		{"expired key", func() resp { return f.raw("GET", wb, q, "", headersAt("oldKey", "old-secret", now, "5000", q)) }, 200, 33004, ""},
		{"read-only key places", func() resp {
			return f.raw("POST", "/v5/order/create", "", order, headersAt("roKey", "ro-secret", now, "5000", order))
		}, 200, 10005, "Permission denied, please check your API key permissions."},
		{"unknown order cancel", func() resp {
			return f.post("/v5/order/cancel", `{"category":"spot","symbol":"BTCUSDT","orderId":"42"}`)
		}, 200, 170213, "Order does not exist."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { expect(t, c.got(), c.status, c.code, c.msg) })
	}
}

func TestOrderRejections(t *testing.T) {
	f := newFixture(t)
	lim := func(extra string) string {
		return `{"category":"spot","symbol":"BTCUSDT","side":"Buy","orderType":"Limit",` + extra + `}`
	}
	cases := []struct {
		name, body string
		code       int
		msg        string
	}{
		{"link id too long", lim(`"qty":"0.01","price":"60000","orderLinkId":"` + strings.Repeat("a", 37) + `"`), 10001, ""},
		{"link id bad chars", lim(`"qty":"0.01","price":"60000","orderLinkId":"a/b"`), 10001, ""},
		{"qty below min", lim(`"qty":"0.00001","price":"60000"`), 170136, "Order quantity lower than the minimum."},
		{"qty too many decimals", lim(`"qty":"0.0100001","price":"60000"`), 170137, "Order volume decimal too long"},
		{"price too many decimals", lim(`"qty":"0.01","price":"60000.001"`), 170134, "Order price decimal too long."},
		{"value below min", lim(`"qty":"0.0001","price":"100"`), 170140, "Transaction amount lower than the minimum."},
		{"insufficient balance", lim(`"qty":"10","price":"60000"`), 170131, "Insufficient balance."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { expect(t, f.post("/v5/order/create", c.body), 200, c.code, c.msg) })
	}
	body := lim(`"qty":"0.01","price":"60000","orderLinkId":"dup-1"`)
	expect(t, f.post("/v5/order/create", body), 200, 0, "OK")
	expect(t, f.post("/v5/order/create", body), 200, 170141, "Duplicate clientOrderId")
}

func TestOrderLifecycleAndLimits(t *testing.T) {
	f := newFixture(t, WithLimits(func() Limits { l := DefaultLimits(); l.Create = 2; return l }()))
	r := f.post("/v5/order/create", `{"category":"spot","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.01","price":"60000","timeInForce":"GTC","orderLinkId":"life-1"}`)
	expect(t, r, 200, 0, "OK")
	id, _ := r.result["orderId"].(string)
	if id == "" || r.result["orderLinkId"] != "life-1" {
		t.Fatalf("create %s", r.body)
	}
	if r.header.Get("X-Bapi-Limit") != "2" || r.header.Get("X-Bapi-Limit-Status") != "1" || r.header.Get("X-Bapi-Limit-Reset-Timestamp") != fmt.Sprint(testStart) {
		t.Errorf("limit headers %v", r.header)
	}
	q := f.get("/v5/order/realtime", "category=spot&orderLinkId=life-1")
	list, _ := q.result["list"].([]any)
	if len(list) != 1 {
		t.Fatalf("realtime %s", q.body)
	}
	o := list[0].(map[string]any)
	if o["orderId"] != id || o["orderStatus"] != "New" || o["price"] != "60000" || o["qty"] != "0.01" || o["side"] != "Buy" || o["leavesQty"] != "0.01" {
		t.Errorf("order %v", o)
	}
	// The third create in the same second is refused, with the reset time
	// when the first leaves the window.
	expect(t, f.post("/v5/order/create", `{"category":"spot","symbol":"BTCUSDT","side":"Buy","orderType":"Market","qty":"100"}`), 200, 0, "OK")
	r = f.post("/v5/order/create", `{"category":"spot","symbol":"BTCUSDT","side":"Buy","orderType":"Market","qty":"100"}`)
	expect(t, r, 200, 10006, "Too many visits!")
	if r.header.Get("X-Bapi-Limit-Status") != "0" || r.header.Get("X-Bapi-Limit-Reset-Timestamp") != fmt.Sprint(testStart+1000) {
		t.Errorf("limited headers %v", r.header)
	}

	expect(t, f.post("/v5/order/cancel", `{"category":"spot","symbol":"BTCUSDT","orderLinkId":"life-1"}`), 200, 0, "OK")
	expect(t, f.post("/v5/order/cancel", `{"category":"spot","symbol":"BTCUSDT","orderLinkId":"life-1"}`), 200, 170213, "Order does not exist.")
	q = f.get("/v5/order/realtime", "category=spot&orderId="+id)
	if o := q.result["list"].([]any)[0].(map[string]any); o["orderStatus"] != "Cancelled" || o["cancelType"] != "CancelByUser" {
		t.Errorf("after cancel %v", o)
	}
	if open := f.get("/v5/order/realtime", "category=spot").result["list"].([]any); len(open) != 0 {
		t.Errorf("open orders %v", open)
	}
	// The market buy of 100 USDT filled at 65000.
	all := f.get("/v5/order/realtime", "category=spot&openOnly=1").result["list"].([]any)
	m := all[0].(map[string]any)
	if m["orderType"] != "Market" || m["orderStatus"] != "Filled" || m["cumExecValue"] != "99.97" || m["avgPrice"] != "65000" {
		t.Errorf("market order %v", m)
	}
	if f.srv.CountRateLimited() != 1 {
		t.Errorf("CountRateLimited %d", f.srv.CountRateLimited())
	}
}

func TestAccountEndpoints(t *testing.T) {
	f := newFixture(t)
	r := f.get("/v5/account/wallet-balance", "accountType=UNIFIED&coin=BTC")
	acct := r.result["list"].([]any)[0].(map[string]any)
	coins := acct["coin"].([]any)
	if len(coins) != 1 || coins[0].(map[string]any)["walletBalance"] != "2" || acct["totalEquity"] != "130000" {
		t.Errorf("wallet %s", r.body)
	}
	r = f.get("/v5/user/query-api", "")
	if r.result["readOnly"] != float64(0) || r.result["apiKey"] != testKey || r.result["ips"].([]any)[0] != "*" ||
		r.result["expiredAt"] != "2024-02-12T22:13:20Z" || r.result["deadlineDay"] != float64(90) {
		t.Errorf("query-api %s", r.body)
	}
	r = f.raw("GET", "/v5/market/time", "", "", nil)
	if r.result["timeSecond"] != "1700000000" {
		t.Errorf("time %s", r.body)
	}
	r = f.raw("GET", "/v5/market/instruments-info", "category=spot&symbol=BTCUSDT", "", nil)
	in := r.result["list"].([]any)[0].(map[string]any)
	lot := in["lotSizeFilter"].(map[string]any)
	if in["priceFilter"].(map[string]any)["tickSize"] != "0.01" || lot["basePrecision"] != "0.000001" || lot["minOrderQty"] != "0.000048" || lot["minOrderAmt"] != "1" {
		t.Errorf("instrument %s", r.body)
	}
}

func TestFaults(t *testing.T) {
	f := newFixture(t)
	fs := f.srv.Sim().Faults()
	fs.Add(sim.Fault{Kind: sim.Fault5xx, Op: "POST /v5/order/create", Times: 1, Apply: true, Status: 502})
	r := f.post("/v5/order/create", `{"category":"spot","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.01","price":"60000","orderLinkId":"f-1"}`)
	if r.status != 502 || f.srv.Sim().ClientIDCount(DefaultAccount, "f-1") != 1 {
		t.Errorf("5xx after apply: %d", r.status)
	}
	fs.Add(sim.Fault{Kind: sim.FaultRateLimit, Op: "GET /v5/account/*", Times: 1})
	expect(t, f.get("/v5/account/wallet-balance", "accountType=UNIFIED"), 200, 10006, "Too many visits!")
}

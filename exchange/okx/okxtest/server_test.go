package okxtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// TestPublishedVectors: each OKX vector's exact bytes pass the gate when the
// server clock is at its timestamp, and a changed signature does not.
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
			Passphrase                string            `json:"api_passphrase"`
			Query                     string            `json:"query_sent"`
			Body                      string            `json:"body_sent"`
			Headers                   map[string]string `json:"headers"`
		}
	}
	must(t, json.Unmarshal(raw, &file))
	n := 0
	for _, v := range file.Vectors {
		if v.Venue != "okx" {
			continue
		}
		n++
		t.Run(v.Name, func(t *testing.T) {
			f := newFixture(t)
			f.srv.AddKey(v.KeyID, v.Secret, v.Passphrase, TradePerms(DefaultAccount))
			ts, err := time.Parse(isoMillis, v.Headers["OK-ACCESS-TIMESTAMP"])
			must(t, err)
			f.clock.Set(ts)
			pq := v.Path
			if v.Query != "" {
				pq += "?" + v.Query
			}
			hdr := map[string]string{"x-simulated-trading": "1"}
			for k, val := range v.Headers {
				hdr[k] = val
			}
			r := f.raw(v.Method, pq, v.Body, hdr)
			if r.status == http.StatusUnauthorized || r.status == http.StatusNotFound {
				t.Fatalf("vector refused: %d %s", r.status, r.body)
			}
			hdr["OK-ACCESS-SIGN"] = okSign("another secret", "x")
			expectCode(t, f.raw(v.Method, pq, v.Body, hdr), 401, "50113", "Invalid Sign.")
			// 31 s later the same bytes are stale.
			f.clock.Set(ts.Add(31 * time.Second))
			hdr["OK-ACCESS-SIGN"] = v.Headers["OK-ACCESS-SIGN"]
			expectCode(t, f.raw(v.Method, pq, v.Body, hdr), 401, "50102", "Timestamp request expired.")
		})
	}
	if n == 0 {
		t.Fatal("no okx vectors")
	}
}

func TestVectorBalanceAnswered(t *testing.T) {
	f := newFixture(t)
	f.srv.AddKey("00000000-oracle-okx-key-000000000000", "ORACLEOKXSECRET0123456789ABCDEF", "Oracle#Pass/1", TradePerms(DefaultAccount))
	f.clock.Set(testStart)
	r := f.raw("GET", "/api/v5/account/balance", "", map[string]string{
		"OK-ACCESS-KEY": "00000000-oracle-okx-key-000000000000", "OK-ACCESS-PASSPHRASE": "Oracle#Pass/1",
		"OK-ACCESS-TIMESTAMP": "2023-11-14T22:13:20.000Z", "OK-ACCESS-SIGN": "ZuyeyT2yWJDQgvQcX0PO20sXDbh9pGp+yZVQHh8eCr0=",
		"x-simulated-trading": "1",
	})
	expectCode(t, r, 200, "0", "")
	details, _ := r.data[0]["details"].([]any)
	if len(details) != 2 {
		t.Fatalf("details %s", r.body)
	}
	usdt := details[1].(map[string]any)
	if usdt["ccy"] != "USDT" || usdt["availBal"] != "100000" || usdt["frozenBal"] != "0" || usdt["eq"] != "100000" {
		t.Errorf("USDT detail %v", usdt)
	}
}

func TestRejections(t *testing.T) {
	f := newFixture(t)
	f.srv.AddKey("11111111-read-only-key-0000000000000", "ro-secret", "ro-pass", Perms{})
	f.srv.AddKey("22222222-bound-key-00000000000000000", "bound-secret", "bound-pass", Perms{Trade: true, IPs: []string{"10.1.2.3"}})
	f.srv.AddKey("33333333-live-key-000000000000000000", "live-secret", "live-pass", Perms{Trade: true, Live: true})
	f.srv.AddKey("44444444-removed-key-000000000000000", "x", "x", Perms{})
	f.srv.RemoveKey("44444444-removed-key-000000000000000")
	now := f.clock.Now()
	bal := "/api/v5/account/balance"
	order := `{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit","px":"60000","sz":"0.01"}`
	good := func() map[string]string { return headers(testKey, testSecret, testPass, now, "GET", bal, "") }
	with := func(k, v string) map[string]string {
		h := good()
		if v == "" {
			delete(h, k)
		} else {
			h[k] = v
		}
		return h
	}
	cases := []struct {
		name   string
		got    func() resp
		status int
		code   string
		msg    string
	}{
		{"no key", func() resp { return f.raw("GET", bal, "", with("OK-ACCESS-KEY", "")) }, 401, "50103", ""},
		{"unknown key", func() resp {
			return f.raw("GET", bal, "", with("OK-ACCESS-KEY", "99999999-0000-0000-0000-000000000000"))
		}, 401, "50111", "Invalid OK-ACCESS-KEY."},
		{"removed key", func() resp {
			return f.raw("GET", bal, "", headers("44444444-removed-key-000000000000000", "x", "x", now, "GET", bal, ""))
		}, 401, "50119", "API key doesn't exist."},
		{"wrong passphrase", func() resp { return f.raw("GET", bal, "", with("OK-ACCESS-PASSPHRASE", "nope")) }, 401, "50105", ""},
		{"demo key without header", func() resp { return f.raw("GET", bal, "", with("x-simulated-trading", "")) }, 401, "50101", "APIKey does not match current environment."},
		{"live key with header", func() resp {
			return f.raw("GET", bal, "", headers("33333333-live-key-000000000000000000", "live-secret", "live-pass", now, "GET", bal, ""))
		}, 401, "50101", "APIKey does not match current environment."},
		{"malformed timestamp", func() resp { return f.raw("GET", bal, "", with("OK-ACCESS-TIMESTAMP", fmt.Sprint(now.UnixMilli()))) }, 401, "50112", "Invalid OK-ACCESS-TIMESTAMP."},
		{"timestamp 31 s behind", func() resp {
			return f.raw("GET", bal, "", headers(testKey, testSecret, testPass, now.Add(-31*time.Second), "GET", bal, ""))
		}, 401, "50102", "Timestamp request expired."},
		{"timestamp 31 s ahead", func() resp {
			return f.raw("GET", bal, "", headers(testKey, testSecret, testPass, now.Add(31*time.Second), "GET", bal, ""))
		}, 401, "50102", "Timestamp request expired."},
		{"wrong secret", func() resp { return f.raw("GET", bal, "", headers(testKey, "other", testPass, now, "GET", bal, "")) }, 401, "50113", "Invalid Sign."},
		{"query re-encoded after signing", func() resp {
			return f.raw("GET", bal+"?ccy=BTC%2CUSDT", "", headers(testKey, testSecret, testPass, now, "GET", bal+"?ccy=BTC,USDT", ""))
		}, 401, "50113", "Invalid Sign."},
		{"IP not whitelisted", func() resp {
			return f.raw("GET", bal, "", headers("22222222-bound-key-00000000000000000", "bound-secret", "bound-pass", now, "GET", bal, ""))
		}, 401, "50110", "Your IP 127.0.0.1 is not included in your API key's IP whitelist."},
		{"read-only key places", func() resp {
			return f.raw("POST", "/api/v5/trade/order", order, headers("11111111-read-only-key-0000000000000", "ro-secret", "ro-pass", now, "POST", "/api/v5/trade/order", order))
		}, 401, "50120", "This API key doesn't have permission to use this function."},
		{"missing instType", func() resp { return f.raw("GET", "/api/v5/public/instruments", "", nil) }, 400, "50014", "Parameter instType can not be empty."},
		{"unknown order", func() resp { return f.signed("GET", "/api/v5/trade/order?instId=BTC-USDT&ordId=12345", "") }, 200, "51603", "Order does not exist"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { expectCode(t, c.got(), c.status, c.code, c.msg) })
	}
}

func TestOrderRejections(t *testing.T) {
	f := newFixture(t)
	must(t, f.srv.Sim().Deposit(DefaultAccount, "ETH", decimal.RequireFromString("0.5")))
	place := func(body string) resp { return f.signed("POST", "/api/v5/trade/order", body) }
	lim := func(extra string) string {
		return `{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit",` + extra + `}`
	}
	cases := []struct {
		name, body, code, msg string
	}{
		{"clOrdId too long", lim(`"px":"60000","sz":"0.01","clOrdId":"` + strings.Repeat("a", 33) + `"`), "51000", "Parameter clOrdId error"},
		{"clOrdId not alphanumeric", lim(`"px":"60000","sz":"0.01","clOrdId":"a-b"`), "51000", "Parameter clOrdId error"},
		{"size off the lot", lim(`"px":"60000","sz":"0.000000001"`), "51121", ""},
		{"size below minimum", lim(`"px":"60000","sz":"0.000001"`), "51020", "Your order should meet or exceed the minimum order amount."},
		{"price off the tick", lim(`"px":"60000.05","sz":"0.01"`), "51000", "Parameter px error"},
		{"insufficient balance", lim(`"px":"60000","sz":"10"`), "51008", "Order failed. Insufficient USDT balance in account."},
		{"insufficient base", `{"instId":"ETH-USDT","tdMode":"cash","side":"sell","ordType":"limit","px":"4000","sz":"1"}`, "51008", "Order failed. Insufficient ETH balance in account."},
		{"unknown instrument", `{"instId":"FOO-USDT","tdMode":"cash","side":"buy","ordType":"limit","px":"1","sz":"1"}`, "51001", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := place(c.body)
			expectCode(t, r, 200, "1", "All operations failed")
			code, msg := sCode(t, r)
			if code != c.code || (c.msg != "" && msg != c.msg) {
				t.Errorf("sCode %s %q, want %s %q", code, msg, c.code, c.msg)
			}
			if r.data[0]["ordId"] != "" {
				t.Errorf("rejected order got an id: %s", r.body)
			}
		})
	}
	expectCode(t, place(`{"instId":"BTC-USDT"}`), 400, "50014", "Parameter tdMode can not be empty.")
	expectCode(t, place(`{"instId":`), 400, "50002", "")

	// Duplicate clOrdId among open orders.
	body := lim(`"px":"60000","sz":"0.01","clOrdId":"dup1"`)
	r := place(body)
	expectCode(t, r, 200, "0", "")
	r = place(body)
	if code, msg := sCode(t, r); code != "51016" || msg != "Client order ID already exists." {
		t.Errorf("duplicate: %s %s", code, msg)
	}
}

func TestOrderLifecycle(t *testing.T) {
	f := newFixture(t)
	body := `{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit","px":"60000","sz":"0.01","clOrdId":"life1"}`
	r := f.signed("POST", "/api/v5/trade/order", body)
	expectCode(t, r, 200, "0", "")
	var env struct {
		InTime, OutTime string
	}
	must(t, json.Unmarshal(r.body, &env))
	if env.InTime != fmt.Sprint(testStart.UnixMicro()) || env.OutTime == "" {
		t.Errorf("inTime/outTime %+v", env)
	}
	code, msg := sCode(t, r)
	ordID, _ := r.data[0]["ordId"].(string)
	if code != "0" || msg != "Order placed" || ordID == "" || r.data[0]["clOrdId"] != "life1" {
		t.Fatalf("ack %s", r.body)
	}
	if b := f.srv.Sim().Balance(DefaultAccount, "USDT"); !b.Locked.Equal(decimal.NewFromInt(600)) {
		t.Errorf("locked %s", b.Locked)
	}

	byCID := f.signed("GET", "/api/v5/trade/order?instId=BTC-USDT&clOrdId=life1", "")
	expectCode(t, byCID, 200, "0", "")
	o := byCID.data[0]
	if o["ordId"] != ordID || o["state"] != "live" || o["px"] != "60000" || o["sz"] != "0.01" || o["side"] != "buy" || o["ordType"] != "limit" {
		t.Errorf("order %s", byCID.body)
	}
	pend := f.signed("GET", "/api/v5/trade/orders-pending?instType=SPOT", "")
	if len(pend.data) != 1 || pend.data[0]["ordId"] != ordID {
		t.Errorf("pending %s", pend.body)
	}

	cancel := `{"instId":"BTC-USDT","ordId":"` + ordID + `"}`
	r = f.signed("POST", "/api/v5/trade/cancel-order", cancel)
	expectCode(t, r, 200, "0", "")
	if code, _ := sCode(t, r); code != "0" || r.data[0]["clOrdId"] != "life1" {
		t.Errorf("cancel %s", r.body)
	}
	r = f.signed("POST", "/api/v5/trade/cancel-order", cancel)
	if code, _ := sCode(t, r); code != "51400" || r.code != "1" {
		t.Errorf("second cancel %s", r.body)
	}
	byID := f.signed("GET", "/api/v5/trade/order?instId=BTC-USDT&ordId="+ordID, "")
	if byID.data[0]["state"] != "canceled" {
		t.Errorf("after cancel %s", byID.body)
	}

	// A marketable buy fills at the sim price; a market buy is sized in USDT.
	r = f.signed("POST", "/api/v5/trade/order", `{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"market","sz":"650"}`)
	expectCode(t, r, 200, "0", "")
	mkt := f.signed("GET", "/api/v5/trade/order?instId=BTC-USDT&ordId="+r.data[0]["ordId"].(string), "")
	m := mkt.data[0]
	if m["state"] != "filled" || m["accFillSz"] != "0.01" || m["sz"] != "650" || m["tgtCcy"] != "quote_ccy" || m["avgPx"] != "65000" {
		t.Errorf("market order %s", mkt.body)
	}
}

func TestBatchOrdersPartial(t *testing.T) {
	f := newFixture(t)
	body := `[{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit","px":"60000","sz":"0.01","clOrdId":"b1"},` +
		`{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit","px":"60000","sz":"100","clOrdId":"b2"}]`
	r := f.signed("POST", "/api/v5/trade/batch-orders", body)
	expectCode(t, r, 200, "2", "Bulk operation partially succeeded")
	if len(r.data) != 2 || r.data[0]["sCode"] != "0" || r.data[1]["sCode"] != "51008" {
		t.Errorf("batch %s", r.body)
	}
}

func TestPlaceRateLimitPerInstrument(t *testing.T) {
	f := newFixture(t, WithLimits(func() Limits { l := DefaultLimits(); l.Place = 3; return l }()))
	body := func(inst, px string) string {
		return `{"instId":"` + inst + `","tdMode":"cash","side":"buy","ordType":"limit","px":"` + px + `","sz":"0.01"}`
	}
	for i := range 3 {
		if r := f.signed("POST", "/api/v5/trade/order", body("BTC-USDT", "60000")); r.code != "0" {
			t.Fatalf("order %d: %s", i, r.body)
		}
	}
	expectCode(t, f.signed("POST", "/api/v5/trade/order", body("BTC-USDT", "60000")), 429, "50011",
		"Rate limit reached. Please refer to API documentation and throttle requests accordingly.")
	// Another instrument has its own budget; the window rolls after 2 s.
	expectCode(t, f.signed("POST", "/api/v5/trade/order", body("ETH-USDT", "3000")), 200, "0", "")
	f.clock.Set(testStart.Add(2001 * time.Millisecond))
	expectCode(t, f.signed("POST", "/api/v5/trade/order", body("BTC-USDT", "60000")), 200, "0", "")
	if n := f.srv.CountRateLimited(); n != 1 {
		t.Errorf("CountRateLimited %d", n)
	}
}

func TestPublicEndpoints(t *testing.T) {
	f := newFixture(t)
	r := f.raw("GET", "/api/v5/public/time", "", nil)
	if r.code != "0" || r.data[0]["ts"] != fmt.Sprint(testStart.UnixMilli()) {
		t.Errorf("time %s", r.body)
	}
	r = f.raw("GET", "/api/v5/public/instruments?instType=SPOT&instId=BTC-USDT", "", nil)
	in := r.data[0]
	if in["tickSz"] != "0.1" || in["lotSz"] != "0.00000001" || in["minSz"] != "0.00001" || in["state"] != "live" || in["baseCcy"] != "BTC" || in["quoteCcy"] != "USDT" || in["maxMktSz"] != "1000000" {
		t.Errorf("instrument %s", r.body)
	}
	r = f.raw("GET", "/api/v5/market/ticker?instId=ETH-USDT", "", nil)
	if r.data[0]["last"] != "3200" {
		t.Errorf("ticker %s", r.body)
	}
	cfg := f.signed("GET", "/api/v5/account/config", "")
	c := cfg.data[0]
	if c["perm"] != "read_only,trade" || c["ip"] != "" || c["uid"] != f.srv.UID(DefaultAccount) || c["acctLv"] != "1" {
		t.Errorf("config %s", cfg.body)
	}
}

func TestFaults(t *testing.T) {
	f := newFixture(t)
	fs := f.srv.Sim().Faults()
	order := `{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit","px":"60000","sz":"0.01","clOrdId":"f1"}`

	fs.Add(sim.Fault{Kind: sim.Fault5xx, Op: "POST /api/v5/trade/order", Times: 1})
	expectCode(t, f.signed("POST", "/api/v5/trade/order", order), 503, "50001", "")
	if n := f.srv.Sim().ClientIDCount(DefaultAccount, "f1"); n != 0 {
		t.Errorf("5xx without Apply placed %d", n)
	}

	fs.Add(sim.Fault{Kind: sim.Fault5xx, Op: "POST /api/v5/trade/order", Times: 1, Apply: true, Status: 504})
	expectCode(t, f.signed("POST", "/api/v5/trade/order", order), 504, "50004", "")
	if n := f.srv.Sim().ClientIDCount(DefaultAccount, "f1"); n != 1 {
		t.Errorf("5xx with Apply placed %d", n)
	}

	fs.Add(sim.Fault{Kind: sim.FaultRateLimit, Op: "GET /api/v5/account/*", Times: 1})
	expectCode(t, f.signed("GET", "/api/v5/account/balance", ""), 429, "50011", "")

	fs.Add(sim.Fault{Kind: sim.FaultDropAfterAccept, Op: "POST /api/v5/trade/order", Times: 1})
	o2 := strings.Replace(order, "f1", "f2", 1)
	h := headers(testKey, testSecret, testPass, f.clock.Now(), "POST", "/api/v5/trade/order", o2)
	req, _ := http.NewRequest("POST", f.srv.URL+"/api/v5/trade/order", strings.NewReader(o2))
	for k, v := range h {
		req.Header.Set(k, v)
	}
	if res, err := f.http.Do(req); err == nil {
		res.Body.Close()
		t.Errorf("drop-after-accept answered %d", res.StatusCode)
	}
	if n := f.srv.Sim().ClientIDCount(DefaultAccount, "f2"); n != 1 {
		t.Errorf("dropped order placed %d times", n)
	}

	fs.Add(sim.Fault{Kind: sim.FaultGarbage, Op: "GET /api/v5/public/time", Times: 1})
	r := f.raw("GET", "/api/v5/public/time", "", nil)
	if r.status != 200 || json.Valid(r.body) {
		t.Errorf("garbage %d %s", r.status, r.body)
	}

	fs.Add(sim.Fault{Kind: sim.FaultHang, Op: "GET /api/v5/public/time", Times: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ = http.NewRequestWithContext(ctx, "GET", f.srv.URL+"/api/v5/public/time", nil)
	_, err := f.http.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hang ended with %v", err)
	}
	var faulted int
	for _, rq := range f.srv.Requests() {
		if rq.Fault != 0 {
			faulted++
		}
	}
	if faulted != 6 {
		t.Errorf("%d faulted requests logged", faulted)
	}
}

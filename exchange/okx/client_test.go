package okx

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest/resttest"
)

const testSecret = "ORACLEOKXSECRET0123456789ABCDEF"

// verifying wraps a handler with the check an OKX gateway makes: the
// signature over exactly the request line and body that arrived.
func verifying(t *testing.T, h http.HandlerFunc) http.HandlerFunc {
	s, err := NewSigner("key-1", secret(testSecret), secret("pass/1"))
	if err != nil {
		t.Fatal(err)
	}
	return func(w http.ResponseWriter, r *http.Request) {
		// The client reads the clock before its first signed request;
		// tests script only the requests they are about.
		if r.URL.Path == "/api/v5/public/time" {
			fmt.Fprintf(w, `{"code":"0","msg":"","data":[{"ts":"%d"}]}`, time.Now().UnixMilli())
			return
		}
		if r.Header.Get(HeaderKey) != "" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(strings.NewReader(string(body)))
			want := s.Sign(r.Header.Get(HeaderTimestamp), r.Method, r.URL.RequestURI(), body)
			if got := r.Header.Get(HeaderSign); got != want {
				t.Errorf("%s %s: signature %s, gateway computes %s", r.Method, r.URL.RequestURI(), got, want)
			}
			if r.Header.Get(HeaderPassphrase) != "pass/1" {
				t.Errorf("passphrase header %q", r.Header.Get(HeaderPassphrase))
			}
		}
		h(w, r)
	}
}

func newTestClient(t *testing.T, net exchange.Network, h http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(verifying(t, h))
	t.Cleanup(srv.Close)
	c, err := New(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithNetwork(net),
		WithAccount(exchange.AccountInfo{Name: "okx-demo", Network: net}),
		WithKey("key-1", secret(testSecret), secret("pass/1")))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// route answers by path with a fixed status and body.
func route(t *testing.T, routes map[string]string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, ok := routes[r.URL.Path]
		if !ok {
			t.Errorf("unexpected %s %s", r.Method, r.URL.RequestURI())
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, body)
	}
}

func TestBalances(t *testing.T) {
	c := newTestClient(t, exchange.Testnet, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(HeaderSimulated) != "1" {
			t.Errorf("demo account did not send %s: 1", HeaderSimulated)
		}
		io.WriteString(w, `{"code":"0","msg":"","data":[{"details":[
			{"ccy":"USDT","availBal":"1000.123456789012345678","frozenBal":"20.5","cashBal":"1020.623456789012345678"},
			{"ccy":"BTC","availBal":"","frozenBal":"0.1","cashBal":"0.35"}]}]}`)
	})
	got, err := c.Balances(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d balances", len(got))
	}
	if got[0].Asset != "USDT" || got[0].Free.String() != "1000.123456789012345678" || got[0].Locked.String() != "20.5" {
		t.Errorf("USDT = %+v", got[0])
	}
	if got[1].Free.String() != "0.25" || got[1].Locked.String() != "0.1" {
		t.Errorf("BTC with empty availBal = free %s locked %s, want 0.25/0.1", got[1].Free, got[1].Locked)
	}
}

func TestKeyInfo(t *testing.T) {
	for _, tc := range []struct {
		name     string
		net      exchange.Network
		body     string
		trade    exchange.Tri
		withdraw exchange.Tri
		bound    exchange.Tri
		noteHas  string
		ips      int
	}{
		{"live unbound trade key", exchange.Mainnet,
			`{"code":"0","data":[{"uid":"44","perm":"read_only,trade","ip":"","label":"bot"}]}`,
			exchange.TriYes, exchange.TriNo, exchange.TriNo, "14 days", 0},
		{"live bound withdraw key", exchange.Mainnet,
			`{"code":"0","data":[{"uid":"44","perm":"read_only,withdraw,trade","ip":"1.2.3.4,5.6.7.8","label":""}]}`,
			exchange.TriYes, exchange.TriYes, exchange.TriYes, "no expiry", 2},
		{"demo key", exchange.Testnet,
			`{"code":"0","data":[{"uid":"44","perm":"read_only,trade","ip":"","label":"x"}]}`,
			exchange.TriYes, exchange.TriNo, exchange.TriNo, "does not expire demo", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, tc.net, route(t, map[string]string{"/api/v5/account/config": tc.body}))
			k, err := c.KeyInfo(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if k.Trade != tc.trade || k.Withdraw != tc.withdraw || k.IPBound != tc.bound || len(k.IPs) != tc.ips {
				t.Errorf("got %+v", k)
			}
			if k.AccountUID != "44" || k.Read != exchange.TriYes {
				t.Errorf("uid/read: %+v", k)
			}
			if !strings.Contains(strings.Join(k.Notes, "|"), tc.noteHas) {
				t.Errorf("notes %q lack %q", k.Notes, tc.noteHas)
			}
		})
	}
}

func TestRulesAndPrice(t *testing.T) {
	calls := 0
	c := newTestClient(t, exchange.Testnet, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v5/public/instruments":
			calls++
			if r.URL.RawQuery != "instType=SPOT" {
				t.Errorf("query %q", r.URL.RawQuery)
			}
			io.WriteString(w, `{"code":"0","data":[
				{"instId":"BTC-USDT","baseCcy":"BTC","quoteCcy":"USDT","tickSz":"0.1","lotSz":"0.00000001","minSz":"0.00001","maxLmtSz":"9999999999","maxMktSz":"1000000","state":"live"},
				{"instId":"OLD-USDT","baseCcy":"OLD","quoteCcy":"USDT","tickSz":"0.0001","lotSz":"1","minSz":"1","maxLmtSz":"100","maxMktSz":"100","state":"suspend"}]}`)
		case "/api/v5/market/ticker":
			if r.URL.RawQuery != "instId=BTC-USDT" {
				t.Errorf("ticker query %q", r.URL.RawQuery)
			}
			io.WriteString(w, `{"code":"0","data":[{"instId":"BTC-USDT","last":"43210.1"}]}`)
		}
	})
	ctx := context.Background()
	r, err := c.Rules(ctx, "BTC-USDT")
	if err != nil {
		t.Fatal(err)
	}
	if r.TickSize.String() != "0.1" || r.StepSize.String() != "0.00000001" || r.MinQty.String() != "0.00001" ||
		r.MaxQty.String() != "9999999999" || !r.Trading || r.PriceDecimals != 1 || r.QtyDecimals != 8 || r.Base != "BTC" {
		t.Errorf("rules %+v", r)
	}
	syms, err := c.Symbols(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(syms) != 1 || syms[0] != "BTC-USDT" {
		t.Errorf("symbols %v (suspended must be left out)", syms)
	}
	if _, err := c.Rules(ctx, "BTCUSDT"); err == nil || !strings.Contains(err.Error(), "BTC-USDT") {
		t.Errorf("unknown symbol error %v", err)
	}
	if calls != 1 {
		t.Errorf("instruments fetched %d times, want 1 (cached)", calls)
	}
	p, err := c.LastPrice(ctx, "BTC-USDT")
	if err != nil || p.String() != "43210.1" {
		t.Errorf("last %s %v", p, err)
	}
}

func TestPlaceAndQuery(t *testing.T) {
	c := newTestClient(t, exchange.Testnet, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v5/trade/order":
			if r.Method == http.MethodPost {
				b, _ := io.ReadAll(r.Body)
				want := `{"instId":"ETH-USDT","tdMode":"cash","side":"sell","ordType":"market","sz":"0.5","clOrdId":"vg1abc","tgtCcy":"base_ccy"}`
				if string(b) != want {
					t.Errorf("body %s\nwant %s", b, want)
				}
				io.WriteString(w, `{"code":"0","msg":"","data":[{"ordId":"680800019749904384","clOrdId":"vg1abc","ts":"1700000000123","sCode":"0","sMsg":"Order placed"}],"inTime":"1700000000120000","outTime":"1700000000125000"}`)
				return
			}
			if r.URL.RawQuery != "instId=ETH-USDT&clOrdId=vg1abc" {
				t.Errorf("query %q", r.URL.RawQuery)
			}
			io.WriteString(w, `{"code":"0","data":[{"instId":"ETH-USDT","ordId":"680800019749904384","clOrdId":"vg1abc","side":"sell","ordType":"ioc","px":"2000.5","sz":"0.5","state":"partially_filled","accFillSz":"0.2","avgPx":"2000.5","cTime":"1700000000123","uTime":"1700000000456"}]}`)
		}
	})
	ctx := context.Background()
	o, err := c.Place(ctx, exchange.OrderRequest{Symbol: "ETH-USDT", Side: exchange.Sell, Type: exchange.MarketOrder, Qty: decimal.RequireFromString("0.5"), ClientID: "vg1abc"})
	if err != nil {
		t.Fatal(err)
	}
	if o.OrderID != "680800019749904384" || o.Status != exchange.StatusNew || o.Created.UnixMilli() != 1700000000123 {
		t.Errorf("ack %+v", o)
	}
	q, err := c.Query(ctx, exchange.OrderRef{Symbol: "ETH-USDT", ClientID: "vg1abc"})
	if err != nil {
		t.Fatal(err)
	}
	if q.Status != exchange.StatusPartiallyFilled || q.Filled.String() != "0.2" || q.QuoteFilled.String() != "400.1" ||
		q.TIF != exchange.IOC || q.Type != exchange.LimitOrder || q.Side != exchange.Sell || q.Updated.UnixMilli() != 1700000000456 {
		t.Errorf("query %+v", q)
	}
}

func TestPlaceRejectsBadClientID(t *testing.T) {
	c := newTestClient(t, exchange.Testnet, func(w http.ResponseWriter, r *http.Request) { t.Error("sent a request") })
	_, err := c.Place(context.Background(), exchange.OrderRequest{Symbol: "BTC-USDT", Side: exchange.Buy, Type: exchange.LimitOrder,
		Qty: decimal.NewFromInt(1), Price: decimal.NewFromInt(1), ClientID: "has-dash"})
	if err == nil || !strings.Contains(err.Error(), "letters and digits") {
		t.Errorf("err %v", err)
	}
}

func TestStates(t *testing.T) {
	for in, want := range map[string]exchange.OrderStatus{
		"live": exchange.StatusNew, "partially_filled": exchange.StatusPartiallyFilled, "filled": exchange.StatusFilled,
		"canceled": exchange.StatusCanceled, "mmp_canceled": exchange.StatusCanceled, "weird": exchange.StatusUnknown,
	} {
		if got := status(in); got != want {
			t.Errorf("%s -> %s, want %s", in, got, want)
		}
	}
	for _, tc := range []struct {
		typ exchange.OrderType
		tif exchange.TimeInForce
		out string
	}{{exchange.LimitOrder, exchange.GTC, "limit"}, {exchange.LimitOrder, exchange.IOC, "ioc"}, {exchange.LimitOrder, exchange.FOK, "fok"}, {exchange.MarketOrder, "", "market"}} {
		got, err := ordType(tc.typ, tc.tif)
		if err != nil || got != tc.out {
			t.Errorf("%s/%s -> %s %v", tc.typ, tc.tif, got, err)
		}
		if typ, tif := fromOrdType(got); typ != tc.typ || tif != tc.tif {
			t.Errorf("round trip %s -> %s/%s", got, typ, tif)
		}
	}
}

func TestErrorDecoding(t *testing.T) {
	cases := []struct {
		name   string
		net    exchange.Network
		path   string // the call made
		status int
		body   string
		want   resttest.Want
	}{
		{"50102 clock", exchange.Mainnet, "balance", 401, `{"code":"50102","msg":"Timestamp request expired","data":[]}`, resttest.Want{Kind: exchange.KindClock, Advice: "±30 s", Clock: true, Ahead: true}},
		{"50112 bad stamp", exchange.Mainnet, "balance", 401, `{"code":"50112","msg":"Invalid OK-ACCESS-TIMESTAMP","data":[]}`, resttest.Want{Kind: exchange.KindClock, Advice: "ISO-8601", Clock: true, Ahead: true}},
		{"50113 sign", exchange.Mainnet, "balance", 401, `{"code":"50113","msg":"Invalid Sign","data":[]}`, resttest.Want{Kind: exchange.KindSignature, Advice: "secret in the vault"}},
		{"50111 key", exchange.Mainnet, "balance", 401, `{"code":"50111","msg":"Invalid OK-ACCESS-KEY","data":[]}`, resttest.Want{Kind: exchange.KindAuth, Advice: "does not know this API key"}},
		{"50119 key", exchange.Mainnet, "balance", 401, `{"code":"50119","msg":"API key doesn't exist","data":[]}`, resttest.Want{Kind: exchange.KindAuth, Advice: "demo-trading key"}},
		{"50100 frozen", exchange.Mainnet, "balance", 401, `{"code":"50100","msg":"API frozen","data":[]}`, resttest.Want{Kind: exchange.KindAuth, Advice: "frozen"}},
		{"50105 passphrase", exchange.Mainnet, "balance", 401, `{"code":"50105","msg":"Invalid OK-ACCESS-PASSPHRASE","data":[]}`, resttest.Want{Kind: exchange.KindAuth, Advice: "the API passphrase in the vault does not match the one set when the key was created; `vigil keys rotate`"}},
		{"50101 live key on demo", exchange.Testnet, "balance", 401, `{"code":"50101","msg":"APIKey does not match current environment.","data":[]}`, resttest.Want{Kind: exchange.KindAuth, Advice: "live-trading key"}},
		{"50101 demo key on live", exchange.Mainnet, "balance", 401, `{"code":"50101","msg":"APIKey does not match current environment.","data":[]}`, resttest.Want{Kind: exchange.KindAuth, Advice: "demo-trading key"}},
		{"50110 ip", exchange.Mainnet, "balance", 401, `{"code":"50110","msg":"Your IP 203.0.113.7 is not included in your API key's IP whitelist.","data":[]}`, resttest.Want{Kind: exchange.KindPermission, Advice: "203.0.113.7"}},
		{"50120 permission", exchange.Mainnet, "place", 200, `{"code":"50120","msg":"This API key doesn't have permission to use this function","data":[]}`, resttest.Want{Kind: exchange.KindPermission, Advice: "enable Trade"}},
		{"51008 balance via sCode", exchange.Mainnet, "place", 200, `{"code":"1","msg":"All operations failed","data":[{"ordId":"","clOrdId":"vg1","sCode":"51008","sMsg":"Order failed. Insufficient USDT balance in account"}]}`, resttest.Want{Kind: exchange.KindBalance, Advice: "not enough"}},
		{"51016 duplicate", exchange.Mainnet, "place", 200, `{"code":"1","msg":"","data":[{"sCode":"51016","sMsg":"Duplicated clOrdId"}]}`, resttest.Want{Kind: exchange.KindDuplicate, Advice: "already has an order"}},
		{"51121 lot", exchange.Mainnet, "place", 200, `{"code":"1","msg":"","data":[{"sCode":"51121","sMsg":"Order quantity must be a multiple of the lot size."}]}`, resttest.Want{Kind: exchange.KindFilter, Filter: exchange.RuleStep, Advice: "lot size"}},
		{"51020 min", exchange.Mainnet, "place", 200, `{"code":"1","msg":"","data":[{"sCode":"51020","sMsg":"Order amount should be greater than the min available amount."}]}`, resttest.Want{Kind: exchange.KindFilter, Filter: exchange.RuleQty, Advice: "minimum"}},
		{"51006 price", exchange.Mainnet, "place", 200, `{"code":"1","msg":"","data":[{"sCode":"51006","sMsg":"Order price is not within the price limit"}]}`, resttest.Want{Kind: exchange.KindFilter, Filter: exchange.RulePrice, Advice: "band"}},
		{"51603 not found", exchange.Mainnet, "query", 200, `{"code":"51603","msg":"Order does not exist","data":[]}`, resttest.Want{Kind: exchange.KindNotFound, NotFound: true, Advice: "no such"}},
		{"51400 cancel unknown", exchange.Mainnet, "cancel", 200, `{"code":"1","msg":"","data":[{"sCode":"51400","sMsg":"Cancellation failed as the order has been filled, canceled or does not exist"}]}`, resttest.Want{Kind: exchange.KindNotFound, Advice: "no such"}},
		{"50011 rate", exchange.Mainnet, "balance", 429, `{"code":"50011","msg":"Rate limit reached. Please refer to API documentation and throttle requests accordingly.","data":[]}`, resttest.Want{Kind: exchange.KindRateLimit, Rate: true, Advice: "2 s"}},
		{"50061 rate", exchange.Mainnet, "place", 200, `{"code":"1","msg":"","data":[{"sCode":"50061","sMsg":"Sub-account rate limit exceeded"}]}`, resttest.Want{Kind: exchange.KindRateLimit, Rate: true, Advice: "1000"}},
		{"50004 timeout after place", exchange.Mainnet, "place", 200, `{"code":"50004","msg":"API endpoint request timeout","data":[]}`, resttest.Want{Kind: exchange.KindUnknownStatus, Ambiguous: true}},
		{"502 after place", exchange.Mainnet, "place", 502, `<html>Bad Gateway</html>`, resttest.Want{Kind: exchange.KindUnknownStatus, Ambiguous: true}},
		{"garbage 200 on balance", exchange.Mainnet, "balance", 200, `{"code":"0","data":[{"details":`, resttest.Want{Kind: exchange.KindOther, Advice: "check the base URL"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, tc.net, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Date", time.Now().UTC().Add(-45*time.Second).Format(http.TimeFormat))
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			tc.want.Check(t, "okx", resttest.Call(context.Background(), c, tc.path, "BTC-USDT"))
		})
	}
}

func TestGarbageJSONIsClear(t *testing.T) {
	c := newTestClient(t, exchange.Mainnet, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<html>captive portal</html>")
	})
	_, err := c.Balances(context.Background())
	if err == nil || !strings.Contains(err.Error(), "not OKX JSON") || !strings.Contains(err.Error(), "captive portal") {
		t.Fatalf("err %v", err)
	}
	// A well-formed envelope whose data has the wrong shape names the endpoint.
	c = newTestClient(t, exchange.Mainnet, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"code":"0","data":{"details":1}}`)
	})
	_, err = c.Balances(context.Background())
	if err == nil || !strings.Contains(err.Error(), "/api/v5/account/balance") {
		t.Fatalf("err %v", err)
	}
}

func TestTransportFailureAfterPlaceIsAmbiguous(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v5/public/time" {
			fmt.Fprintf(w, `{"code":"0","msg":"","data":[{"ts":"%d"}]}`, time.Now().UnixMilli())
			return
		}
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		conn.Close() // the request arrived; the reply never does
	}))
	defer srv.Close()
	c, err := New(WithBaseURL(srv.URL), WithKey("k", secret(testSecret), secret("p")))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Place(context.Background(), exchange.OrderRequest{Symbol: "BTC-USDT", Side: exchange.Buy, Type: exchange.LimitOrder,
		Qty: decimal.NewFromInt(1), Price: decimal.NewFromInt(1), ClientID: "vg1"})
	if !exchange.IsAmbiguous(err) {
		t.Fatalf("want ambiguous, got %v", err)
	}
	_, err = c.Balances(context.Background())
	if err == nil || exchange.IsAmbiguous(err) {
		t.Fatalf("a read is never ambiguous: %v", err)
	}
}

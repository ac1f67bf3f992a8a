package bybit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest/resttest"
)

const (
	testKey    = "oracleBybitKey01"
	testSecret = "oracleBybitSecret0123456789abcdefghij"
)

// verifying checks each signed request the way Bybit does: over the raw
// query or the exact body that arrived.
func verifying(t *testing.T, h http.HandlerFunc) http.HandlerFunc {
	s, err := NewSigner(testKey, secret(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	return func(w http.ResponseWriter, r *http.Request) {
		// The client reads the clock before its first signed request;
		// tests script only the requests they are about.
		if r.URL.Path == "/v5/market/time" {
			now := time.Now()
			fmt.Fprint(w, ok(fmt.Sprintf(`{"timeSecond":"%d","timeNano":"%d"}`, now.Unix(), now.UnixNano())))
			return
		}
		if r.Header.Get(HeaderKey) != "" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(strings.NewReader(string(body)))
			payload := []byte(r.URL.RawQuery)
			if r.Method == http.MethodPost {
				payload = body
			}
			want := s.Sign(r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderRecvWindow), payload)
			if got := r.Header.Get(HeaderSign); got != want {
				t.Errorf("%s %s: signature %s, venue computes %s", r.Method, r.URL.RequestURI(), got, want)
			}
		}
		h(w, r)
	}
}

func newTestClient(t *testing.T, h http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(verifying(t, h))
	t.Cleanup(srv.Close)
	c, err := New(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()),
		WithAccount(exchange.AccountInfo{Name: "bybit-test", Network: exchange.Testnet}),
		WithKey(testKey, secret(testSecret)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ok(result string) string {
	return `{"retCode":0,"retMsg":"OK","result":` + result + `,"retExtInfo":{},"time":1700000000000}`
}

func TestBalances(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery != "accountType=UNIFIED" {
			t.Errorf("query %q", r.URL.RawQuery)
		}
		io.WriteString(w, ok(`{"list":[{"accountType":"UNIFIED","coin":[
			{"coin":"USDT","walletBalance":"1000.123456789","locked":"250.1"},
			{"coin":"BTC","walletBalance":"0.5","locked":""}]}]}`))
	})
	got, err := c.Balances(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Free.String() != "750.023456789" || got[0].Locked.String() != "250.1" ||
		got[1].Free.String() != "0.5" || !got[1].Locked.IsZero() {
		t.Errorf("balances %+v", got)
	}
}

func TestKeyInfo(t *testing.T) {
	now := time.Date(2026, 8, 20, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, body    string
		trade, wd, ip exchange.Tri
		notes         []string
		expires       bool
	}{
		{"unbound read-write with countdown",
			`{"readOnly":0,"permissions":{"Spot":["SpotTrade"],"Wallet":["AccountTransfer"]},"ips":["*"],"expiredAt":"2026-09-01T00:00:00Z","deadlineDay":12,"createdAt":"2026-06-03T00:00:00Z","userID":24617703}`,
			exchange.TriYes, exchange.TriNo, exchange.TriNo, []string{"key expires 2026-09-01 (in 12 days)", "not bound to an IP"}, true},
		{"bound withdraw key",
			`{"readOnly":0,"permissions":{"Spot":["SpotTrade"],"Wallet":["AccountTransfer","Withdraw"]},"ips":["203.0.113.7"],"expiredAt":"","deadlineDay":0,"createdAt":"2026-06-03T00:00:00Z","userID":1}`,
			exchange.TriYes, exchange.TriYes, exchange.TriYes, nil, false},
		{"read only",
			`{"readOnly":1,"permissions":{"Spot":["SpotTrade"]},"ips":["*"],"expiredAt":"2026-08-01T00:00:00Z","createdAt":"2026-05-03T00:00:00Z","userID":1}`,
			exchange.TriNo, exchange.TriNo, exchange.TriNo, []string{"EXPIRED"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, ok(tc.body)) })
			c.now = func() time.Time { return now }
			k, err := c.KeyInfo(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if k.Trade != tc.trade || k.Withdraw != tc.wd || k.IPBound != tc.ip || k.Created.IsZero() || k.Expires.IsZero() == tc.expires {
				t.Errorf("key %+v", k)
			}
			joined := strings.Join(k.Notes, "|")
			for _, n := range tc.notes {
				if !strings.Contains(joined, n) {
					t.Errorf("notes %q lack %q", k.Notes, n)
				}
			}
		})
	}
}

func TestRulesPlaceQuery(t *testing.T) {
	var realtimeCalls, historyCalls int
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v5/market/instruments-info":
			io.WriteString(w, ok(`{"category":"spot","list":[{"symbol":"BTCUSDT","baseCoin":"BTC","quoteCoin":"USDT","status":"Trading",
				"lotSizeFilter":{"basePrecision":"0.000001","quotePrecision":"0.00000001","minOrderQty":"0.000048","maxOrderQty":"71.73956243","minOrderAmt":"1","maxOrderAmt":"2000000","maxLimitOrderQty":"71.73956243","maxMarketOrderQty":"35.86978121"},
				"priceFilter":{"tickSize":"0.01"}}]}`))
		case "/v5/order/create":
			b, _ := io.ReadAll(r.Body)
			want := `{"category":"spot","symbol":"BTCUSDT","side":"Buy","orderType":"Market","qty":"0.001","orderLinkId":"vg1","marketUnit":"baseCoin"}`
			if string(b) != want {
				t.Errorf("body %s\nwant %s", b, want)
			}
			w.Header().Set("X-Bapi-Limit", "20")
			w.Header().Set("X-Bapi-Limit-Status", "19")
			io.WriteString(w, ok(`{"orderId":"1321003749386327552","orderLinkId":"vg1"}`))
		case "/v5/order/realtime":
			realtimeCalls++
			if r.URL.Query().Get("orderLinkId") == "gone" {
				io.WriteString(w, ok(`{"list":[],"nextPageCursor":"","category":"spot"}`))
				return
			}
			io.WriteString(w, ok(`{"list":[{"orderId":"1321003749386327552","orderLinkId":"vg1","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","price":"43000.5","qty":"0.002","orderStatus":"PartiallyFilledCanceled","timeInForce":"IOC","cumExecQty":"0.001","cumExecValue":"43.0005","avgPrice":"43000.5","rejectReason":"EC_NoError","cancelType":"UNKNOWN","createdTime":"1700000000001","updatedTime":"1700000000002"}]}`))
		case "/v5/order/history":
			historyCalls++
			io.WriteString(w, ok(`{"list":[]}`))
		}
	})
	ctx := context.Background()
	rules, err := c.Rules(ctx, "BTCUSDT")
	if err != nil {
		t.Fatal(err)
	}
	if rules.StepSize.String() != "0.000001" || rules.TickSize.String() != "0.01" || rules.MinNotional.String() != "1" ||
		rules.MaxQty.String() != "71.73956243" || rules.MarketMaxQty.String() != "35.86978121" || rules.QtyDecimals != 6 || rules.PriceDecimals != 2 || !rules.Trading {
		t.Errorf("rules %+v", rules)
	}
	o, err := c.Place(ctx, exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.MarketOrder, Qty: decimal.RequireFromString("0.001"), ClientID: "vg1"})
	if err != nil || o.OrderID != "1321003749386327552" || o.Status != exchange.StatusNew {
		t.Fatalf("place %+v %v", o, err)
	}
	q, err := c.Query(ctx, exchange.OrderRef{Symbol: "BTCUSDT", ClientID: "vg1"})
	if err != nil {
		t.Fatal(err)
	}
	if q.Status != exchange.StatusCanceled || q.Filled.String() != "0.001" || q.QuoteFilled.String() != "43.0005" || q.TIF != exchange.IOC || q.Type != exchange.LimitOrder || q.Reason != "" {
		t.Errorf("query %+v", q)
	}
	_, err = c.Query(ctx, exchange.OrderRef{Symbol: "BTCUSDT", ClientID: "gone"})
	if !errors.Is(err, exchange.ErrOrderNotFound) {
		t.Errorf("empty list: %v", err)
	}
	if realtimeCalls != 2 || historyCalls != 1 {
		t.Errorf("realtime %d history %d: an empty realtime answer must be checked in history", realtimeCalls, historyCalls)
	}
}

func TestStatuses(t *testing.T) {
	for in, want := range map[string]exchange.OrderStatus{
		"New": exchange.StatusNew, "PartiallyFilled": exchange.StatusPartiallyFilled, "Filled": exchange.StatusFilled,
		"Cancelled": exchange.StatusCanceled, "PartiallyFilledCanceled": exchange.StatusCanceled, "Rejected": exchange.StatusRejected,
		"Deactivated": exchange.StatusCanceled, "Bogus": exchange.StatusUnknown,
	} {
		if got := status(in); got != want {
			t.Errorf("%s -> %s, want %s", in, got, want)
		}
	}
}

func TestLimitHeadersObserved(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Bapi-Limit", "40") // an upgraded limit
		w.Header().Set("X-Bapi-Limit-Status", "37")
		w.Header().Set("X-Bapi-Limit-Reset-Timestamp", "1700000000000")
		io.WriteString(w, ok(`{"list":[]}`))
	})
	if _, err := c.Balances(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range c.Budget().Buckets {
		got = append(got, fmt.Sprintf("%s %d/%d", b.Name, b.Used, b.Limit))
	}
	// The venue counted 3 (another program shares the key): the gauge
	// takes its count and its limit; the IP bucket holds our one request
	// and the clock probe before it.
	if want := []string{"ip/5s 2/600", "wallet-balance/1s 3/40"}; !slices.Equal(got, want) {
		t.Errorf("buckets %v, want %v", got, want)
	}
}

// TestOwnRequestsNotCountedTwice: the venue's count in a reply includes
// the request it answers; a gauge that added it again would show twice the
// use on a fast link and throttle early.
func TestOwnRequestsNotCountedTwice(t *testing.T) {
	var n atomic.Int64
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		used := n.Add(1) // all within the second: the venue's count so far
		w.Header().Set("X-Bapi-Limit", "50")
		w.Header().Set("X-Bapi-Limit-Status", strconv.FormatInt(50-used, 10))
		io.WriteString(w, ok(`{"list":[]}`))
	})
	for range 5 {
		if _, err := c.Balances(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range c.Budget().Buckets {
		if b.Name == "wallet-balance/1s" {
			if b.Used != 5 {
				t.Fatalf("gauge shows %d used after 5 requests the venue counted 5", b.Used)
			}
			return
		}
	}
	t.Fatalf("no wallet-balance bucket in %+v", c.Budget().Buckets)
}

func TestErrorDecoding(t *testing.T) {
	body := func(code int, msg string) string {
		return fmt.Sprintf(`{"retCode":%d,"retMsg":%q,"result":{},"retExtInfo":{},"time":1700000000000}`, code, msg)
	}
	cases := []struct {
		name, call string
		status     int
		body       string
		hdr        map[string]string
		want       resttest.Want
	}{
		{"10002 ahead", "balance", 200, body(10002, "invalid request, please check your server timestamp or recv_window param. req_timestamp[1700000002500],server_timestamp[1700000000000],recv_window[5000]"), nil,
			resttest.Want{Kind: exchange.KindClock, Clock: true, Ahead: true, Advice: "2.5s ahead"}},
		{"10002 behind", "balance", 200, body(10002, "invalid request, please check your server timestamp or recv_window param. req_timestamp[1699999990000],server_timestamp[1700000000000],recv_window[5000]"), nil,
			resttest.Want{Kind: exchange.KindClock, Clock: true, Advice: "10s behind"}},
		{"10003 key", "balance", 401, body(10003, "API key is invalid."), nil, resttest.Want{Kind: exchange.KindAuth, Advice: "testnet"}},
		{"10010 ip", "balance", 401, body(10010, "Unmatched IP, please check your API key's bound IP addresses. 198.51.100.9"), nil, resttest.Want{Kind: exchange.KindPermission, Advice: "198.51.100.9"}},
		{"10005 perm", "place", 200, body(10005, "Permission denied, please check your API key permissions."), nil, resttest.Want{Kind: exchange.KindPermission, Advice: "Spot trading"}},
		{"33004 expired", "balance", 200, body(33004, "Your api key has expired."), nil, resttest.Want{Kind: exchange.KindAuth, Advice: "expired"}},
		{"-2015 expired", "balance", 200, body(-2015, "Your api key has expired."), nil, resttest.Want{Kind: exchange.KindAuth, Advice: "expired"}},
		{"170131 balance", "place", 200, body(170131, "Insufficient balance."), nil, resttest.Want{Kind: exchange.KindBalance, Advice: "not enough"}},
		{"110007 balance", "place", 200, body(110007, "ab not enough for new order"), nil, resttest.Want{Kind: exchange.KindBalance}},
		{"170141 duplicate", "place", 200, body(170141, "Duplicate clientOrderId"), nil, resttest.Want{Kind: exchange.KindDuplicate, Advice: "already has"}},
		{"110072 duplicate", "place", 200, body(110072, "OrderLinkedID is duplicate"), nil, resttest.Want{Kind: exchange.KindDuplicate}},
		{"170136 min qty", "place", 200, body(170136, "Order quantity is lower than the minimum."), nil, resttest.Want{Kind: exchange.KindFilter, Filter: exchange.RuleQty}},
		{"170137 decimals", "place", 200, body(170137, "Order quantity has too many decimals."), nil, resttest.Want{Kind: exchange.KindFilter, Filter: exchange.RuleStep}},
		{"170134 tick", "place", 200, body(170134, "Order price has too many decimals."), nil, resttest.Want{Kind: exchange.KindFilter, Filter: exchange.RuleTick}},
		{"170132 price", "place", 200, body(170132, "Order price is too high."), nil, resttest.Want{Kind: exchange.KindFilter, Filter: exchange.RulePrice}},
		{"170140 notional", "place", 200, body(170140, "Order value exceeded lower limit."), nil, resttest.Want{Kind: exchange.KindFilter, Filter: exchange.RuleNotional}},
		{"110094 notional", "place", 200, body(110094, "Order does not meet minimum order value"), nil, resttest.Want{Kind: exchange.KindFilter, Filter: exchange.RuleNotional}},
		{"170213 unknown", "cancel", 200, body(170213, "Order does not exist."), nil, resttest.Want{Kind: exchange.KindNotFound}},
		{"110001 unknown", "cancel", 200, body(110001, "order not exists or too late to cancel"), nil, resttest.Want{Kind: exchange.KindNotFound}},
		{"10006 rate", "balance", 200, body(10006, "Too many visits!"), map[string]string{"X-Bapi-Limit": "50", "X-Bapi-Limit-Status": "0", "X-Bapi-Limit-Reset-Timestamp": "4102444800000"},
			resttest.Want{Kind: exchange.KindRateLimit, Rate: true, Advice: "per endpoint"}},
		{"429", "balance", 429, body(10006, "Too many visits!"), nil, resttest.Want{Kind: exchange.KindRateLimit, Rate: true}},
		{"403 ip ban", "balance", 403, "access too frequent", nil, resttest.Want{Kind: exchange.KindRateLimit, Rate: true, Banned: true, Advice: "10 minutes"}},
		{"403 region", "balance", 403, "The Amazon CloudFront distribution is configured to block access from your country.", nil, resttest.Want{Kind: exchange.KindPermission, Advice: "region"}},
		{"10016 after place", "place", 200, body(10016, "Internal server error."), nil, resttest.Want{Kind: exchange.KindUnknownStatus, Ambiguous: true}},
		{"504 after place", "place", 504, "<html>gateway timeout</html>", nil, resttest.Want{Kind: exchange.KindUnknownStatus, Ambiguous: true}},
		{"garbage", "balance", 200, "not json at all", nil, resttest.Want{Kind: exchange.KindOther, Advice: "base URL"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.hdr {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			rl := tc.want.Check(t, "bybit", resttest.Call(context.Background(), c, tc.call, "BTCUSDT"))
			if tc.want.Rate {
				if tc.hdr["X-Bapi-Limit-Reset-Timestamp"] != "" && rl.RetryAt.UnixMilli() != 4102444800000 {
					t.Errorf("RetryAt %v, want the reset header", rl.RetryAt)
				}
				if tc.want.Banned && time.Until(rl.RetryAt) < 9*time.Minute {
					t.Errorf("403 ban until %v, want ≥10 min", rl.RetryAt)
				}
			}
		})
	}
}

// TestSignEchoDiff: on 10004 Bybit echoes the string it signed; the advice
// puts it beside ours with the first differing byte, masks the key, and
// never carries the secret.
func TestSignEchoDiff(t *testing.T) {
	var ours string
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		ours = r.Header.Get(HeaderTimestamp) + testKey + r.Header.Get(HeaderRecvWindow) + r.URL.RawQuery
		// Bybit saw a different timestamp digit at byte 5.
		theirs := []byte(ours)
		theirs[5] ^= 1
		fmt.Fprintf(w, `{"retCode":10004,"retMsg":"error sign! origin_string[%s]","result":{},"time":1700000000000}`, theirs)
	})
	_, err := c.Balances(context.Background())
	var ae *exchange.APIError
	if !errors.As(err, &ae) || ae.Kind != exchange.KindSignature {
		t.Fatalf("%v", err)
	}
	adv := ae.Advice()
	if !strings.Contains(adv, "first difference at byte 5 (") || !strings.HasPrefix(adv, `venue signed: "`) || !strings.Contains(adv, `we signed: "`) {
		t.Errorf("advice %q", adv)
	}
	if strings.Contains(adv, testSecret) || strings.Contains(adv, testKey) {
		t.Errorf("advice leaks the secret or the whole key: %q", adv)
	}
	if !strings.Contains(adv, "****ey01") || !strings.Contains(adv, "accountType=UNIFIED") {
		t.Errorf("advice should show the masked key tail and the payload: %q", adv)
	}

	// Same string on both sides: the bytes agree, so the secret is wrong.
	same := signAdvice("error sign! origin_string[1700000000000"+testKey+"5000a=b]", []byte("1700000000000"+testKey+"5000a=b"), testKey)
	if !strings.HasPrefix(same, `venue signed: "`) || !strings.Contains(same, `we signed: "`) || !strings.Contains(same, "identical") || !strings.Contains(same, "secret") {
		t.Errorf("same-string advice %q", same)
	}
	// No echo at all.
	if got := signAdvice("Error sign", []byte("x"), testKey); !strings.Contains(got, "secret") {
		t.Errorf("no-echo advice %q", got)
	}
	// Ours shorter: the difference is at the end.
	if got := signAdvice("error sign! origin_string[abcd]", []byte("abc"), "k"); !strings.Contains(got, "byte 3 ('d' vs end)") {
		t.Errorf("length diff advice %q", got)
	}
}

func TestGarbageResultShape(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, ok(`{"list":"nope"}`))
	})
	_, err := c.Balances(context.Background())
	if err == nil || !strings.Contains(err.Error(), "/v5/account/wallet-balance") || !strings.Contains(err.Error(), "unexpected reply shape") {
		t.Fatalf("err %v", err)
	}
}

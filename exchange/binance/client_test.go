package binance

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
)

// handlerTransport serves requests from an http.Handler in memory: no
// sockets, so it also runs inside a synctest bubble.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	in := r.Clone(r.Context())
	in.RequestURI = r.URL.RequestURI()
	in.RemoteAddr = "127.0.0.1:40000"
	if in.Body == nil {
		in.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, in)
	return rec.Result(), nil
}

// rtFunc lets a test answer or fail a request directly.
type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

const exchangeInfoJSON = `{"timezone":"UTC","serverTime":1700000000000,
"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000},
 {"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":100},
 {"rateLimitType":"ORDERS","interval":"DAY","intervalNum":1,"limit":200000},
 {"rateLimitType":"RAW_REQUESTS","interval":"MINUTE","intervalNum":5,"limit":61000}],
"symbols":[
 {"symbol":"HALTUSDT","status":"BREAK","baseAsset":"HALT","quoteAsset":"USDT","baseAssetPrecision":8,"quoteAssetPrecision":8,"filters":[]},
 {"symbol":"BTCUSDT","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT","baseAssetPrecision":8,"quoteAssetPrecision":8,
  "filters":[
   {"filterType":"PRICE_FILTER","minPrice":"0.01000000","maxPrice":"1000000.00000000","tickSize":"0.01000000"},
   {"filterType":"LOT_SIZE","minQty":"0.00001000","maxQty":"9000.00000000","stepSize":"0.00001000"},
   {"filterType":"MARKET_LOT_SIZE","minQty":"0.00000000","maxQty":"100.00000000","stepSize":"0.00000000"},
   {"filterType":"PERCENT_PRICE_BY_SIDE","bidMultiplierUp":"5","bidMultiplierDown":"0.2","askMultiplierUp":"5","askMultiplierDown":"0.2","avgPriceMins":5},
   {"filterType":"NOTIONAL","minNotional":"5.00000000","applyMinToMarket":true,"maxNotional":"9000000.00000000","applyMaxToMarket":false,"avgPriceMins":5}]}]}`

// miniVenue is a hand-scripted Binance for unit tests: it verifies HMAC
// signatures like the venue and lets a test choose each answer.
type miniVenue struct {
	t      *testing.T
	secret string
	mu     sync.Mutex
	seen   []*http.Request
	forms  []url.Values
	answer func(r *http.Request, form url.Values) (status int, body string, hdr http.Header)
	skew   time.Duration // of the server time it answers on /api/v3/time
}

func (m *miniVenue) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The client reads the clock before its first signed request; tests
	// script, and count, only the requests they are about.
	if r.URL.Path == "/api/v3/time" {
		m.mu.Lock()
		m.seen = append(m.seen, r)
		m.forms = append(m.forms, url.Values{})
		skew := m.skew
		m.mu.Unlock()
		fmt.Fprintf(w, `{"serverTime":%d}`, time.Now().Add(skew).UnixMilli())
		return
	}
	raw := r.URL.RawQuery
	body := new(bytes.Buffer)
	body.ReadFrom(r.Body)
	form, _ := url.ParseQuery(raw)
	if b := body.String(); b != "" {
		bf, _ := url.ParseQuery(b)
		for k, v := range bf {
			form[k] = v
		}
	}
	if sig := form.Get("signature"); sig != "" {
		payload := strings.Replace(raw+body.String(), "&signature="+url.QueryEscape(sig), "", 1)
		mac := hmac.New(sha256.New, []byte(m.secret))
		mac.Write([]byte(payload))
		if !strings.EqualFold(hex.EncodeToString(mac.Sum(nil)), sig) {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"code":-1022,"msg":"Signature for this request is not valid."}`)
			return
		}
	}
	m.mu.Lock()
	m.seen = append(m.seen, r)
	m.forms = append(m.forms, form)
	m.mu.Unlock()
	if r.URL.Path == "/api/v3/exchangeInfo" {
		fmt.Fprint(w, exchangeInfoJSON)
		return
	}
	status, out, hdr := m.answer(r, form)
	for k, v := range hdr {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	fmt.Fprint(w, out)
}

func (m *miniVenue) count(path string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, r := range m.seen {
		if r.URL.Path == path {
			n++
		}
	}
	return n
}

func newMini(t *testing.T, answer func(*http.Request, url.Values) (int, string, http.Header), opts ...Option) (*Client, *miniVenue) {
	t.Helper()
	m := &miniVenue{t: t, secret: docSecret, answer: answer}
	base := []Option{
		WithBaseURL("http://binance.invalid"),
		WithAPIKey(docAPIKey),
		WithScheme(exchange.SchemeHMAC),
		WithSecret(crypto.NewSecret([]byte(docSecret))),
		WithHTTPClient(&http.Client{Transport: handlerTransport{m}}),
		WithAccount(exchange.AccountInfo{Name: "t1", Network: exchange.Testnet}),
	}
	c, err := New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, m
}

const orderJSON = `{"symbol":"BTCUSDT","orderId":9007199254740993,"orderListId":-1,"clientOrderId":"vgcid1","transactTime":1700000000100,
"price":"30000.00000000","origQty":"0.00100000","executedQty":"0.00000000","cummulativeQuoteQty":"0.00000000",
"status":"NEW","timeInForce":"GTC","type":"LIMIT","side":"BUY","workingTime":1700000000100,"selfTradePreventionMode":"EXPIRE_MAKER"}`

func TestPlaceSendsFormattedSignedForm(t *testing.T) {
	c, m := newMini(t, func(r *http.Request, f url.Values) (int, string, http.Header) {
		return 200, orderJSON, http.Header{"X-Mbx-Used-Weight-1m": {"7"}, "X-Mbx-Order-Count-10s": {"1"}}
	})
	req := exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder,
		Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("30000"), ClientID: "vgcid1"}
	o, err := c.Place(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if o.OrderID != "9007199254740993" || o.Status != exchange.StatusNew || o.ClientID != "vgcid1" || !o.Price.Equal(req.Price) || o.Account != "t1" {
		t.Fatalf("order %+v", o)
	}
	m.mu.Lock()
	r, f := m.seen[len(m.seen)-1], m.forms[len(m.forms)-1]
	m.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.RawQuery != "" || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Fatalf("%s ?%s %q", r.Method, r.URL.RawQuery, r.Header.Get("Content-Type"))
	}
	if r.Header.Get("X-MBX-APIKEY") != docAPIKey {
		t.Fatal("no api key header")
	}
	for k, want := range map[string]string{"price": "30000.00", "quantity": "0.00100", "timeInForce": "GTC",
		"newClientOrderId": "vgcid1", "newOrderRespType": "RESULT", "recvWindow": "5000"} {
		if f.Get(k) != want {
			t.Errorf("%s=%q, want %q", k, f.Get(k), want)
		}
	}
}

func TestQueryNotFoundWrapsSentinel(t *testing.T) {
	c, _ := newMini(t, func(r *http.Request, f url.Values) (int, string, http.Header) {
		if f.Get("origClientOrderId") != "nope" || f.Get("orderId") != "" {
			t.Errorf("query params %v", f)
		}
		return 400, `{"code":-2013,"msg":"Order does not exist."}`, nil
	})
	_, err := c.Query(context.Background(), exchange.OrderRef{Symbol: "BTCUSDT", ClientID: "nope"})
	if !errors.Is(err, exchange.ErrOrderNotFound) || exchange.KindOf(err) != exchange.KindNotFound {
		t.Fatalf("err %v kind %v", err, exchange.KindOf(err))
	}
}

func TestErrorDecoding(t *testing.T) {
	cases := []struct {
		name, body string
		status     int
		kind       exchange.Kind
		advice     []string
		filter     string
		qty        string
	}{
		{"signature", `{"code":-1022,"msg":"Signature for this request is not valid."}`, 400, exchange.KindSignature, []string{"-1022", "HMAC", "secret"}, "", "0.001"},
		{"badkey", `{"code":-2014,"msg":"API-key format invalid."}`, 401, exchange.KindAuth, []string{"-2014"}, "", "0.001"},
		{"rejected", `{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}`, 401, exchange.KindPermission, []string{"IP", "permission", "testnet"}, "", "0.001"},
		{"step", `{"code":-1013,"msg":"Filter failure: LOT_SIZE"}`, 400, exchange.KindFilter, []string{"LOT_SIZE: quantity must be a multiple of 0.00001"}, exchange.RuleStep, "0.001"},
		{"minqty", `{"code":-1013,"msg":"Filter failure: LOT_SIZE"}`, 400, exchange.KindFilter, []string{"at least 0.00001"}, exchange.RuleQty, "0.000001"},
		{"notional", `{"code":-1013,"msg":"Filter failure: NOTIONAL"}`, 400, exchange.KindFilter, []string{"NOTIONAL", "between 5 and 9000000 USDT"}, exchange.RuleNotional, "0.00001"},
		{"precision", `{"code":-1111,"msg":"Parameter 'quantity' has too much precision."}`, 400, exchange.KindFilter, []string{"allows 2 in price and 5 in quantity"}, "", "0.001"},
		{"balance", `{"code":-2010,"msg":"Account has insufficient balance for requested action."}`, 400, exchange.KindBalance, []string{"insufficient"}, "", "0.001"},
		{"duplicate", `{"code":-2010,"msg":"Duplicate order sent."}`, 400, exchange.KindDuplicate, []string{"client order id"}, "", "0.001"},
		{"disabled", `{"code":-2010,"msg":"Rest API trading is not enabled."}`, 400, exchange.KindPermission, []string{"disabled"}, "", "0.001"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newMini(t, func(*http.Request, url.Values) (int, string, http.Header) { return tc.status, tc.body, nil })
			_, err := c.Place(context.Background(), exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder,
				Qty: decimal.RequireFromString(tc.qty), Price: decimal.RequireFromString("30000"), ClientID: "x"})
			var ae *exchange.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("not an APIError: %v", err)
			}
			if ae.Kind != tc.kind || ae.HTTPStatus != tc.status || ae.Venue != "binance" {
				t.Fatalf("kind %v status %d, want %v %d", ae.Kind, ae.HTTPStatus, tc.kind, tc.status)
			}
			for _, s := range tc.advice {
				if !strings.Contains(ae.Advice(), s) {
					t.Errorf("advice %q lacks %q", ae.Advice(), s)
				}
			}
			if tc.filter != "" && ae.Filter != tc.filter {
				t.Errorf("filter %q, want %q", ae.Filter, tc.filter)
			}
			if exchange.IsAmbiguous(err) {
				t.Error("a definite rejection reported as ambiguous")
			}
		})
	}
}

func TestAmbiguousAfterSending(t *testing.T) {
	req := exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder,
		Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("30000"), ClientID: "amb"}
	for _, tc := range []struct {
		name   string
		status int
		body   string
	}{
		{"5xx-html", 502, "<html>bad gateway</html>"},
		{"5xx-json", 503, `{"code":-1001,"msg":"Internal error; unable to process your request. Please try again."}`},
		{"timeout-code", 400, `{"code":-1007,"msg":"Timeout waiting for response from backend server. Send status unknown; execution status unknown."}`},
		{"garbage-200", 200, `{"symbol":"BTCUSDT","orderId":`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newMini(t, func(*http.Request, url.Values) (int, string, http.Header) { return tc.status, tc.body, nil })
			_, err := c.Place(context.Background(), req)
			if !exchange.IsAmbiguous(err) {
				t.Fatalf("want ambiguous, got %v", err)
			}
			if !strings.Contains(err.Error(), "POST /api/v3/order") && !strings.Contains(err.Error(), "binance") {
				t.Errorf("error does not name the endpoint: %v", err)
			}
		})
	}
	t.Run("reset", func(t *testing.T) {
		m := &miniVenue{t: t, secret: docSecret}
		c, err := New(WithBaseURL("http://binance.invalid"), WithAPIKey(docAPIKey), WithSecret(crypto.NewSecret([]byte(docSecret))),
			WithHTTPClient(&http.Client{Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
				if r.URL.Path == "/api/v3/exchangeInfo" || r.URL.Path == "/api/v3/time" {
					return handlerTransport{m}.RoundTrip(r)
				}
				return nil, errors.New("connection reset by peer")
			})}))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Place(context.Background(), req)
		if !exchange.IsAmbiguous(err) {
			t.Fatalf("want ambiguous, got %v", err)
		}
		if strings.Contains(err.Error(), "signature") || strings.Contains(err.Error(), "timestamp=") {
			t.Fatalf("transport error leaks the signed request: %v", err)
		}
		if _, err := c.OpenOrders(context.Background(), "BTCUSDT"); err == nil || exchange.IsAmbiguous(err) {
			t.Fatalf("a read's transport error is not ambiguous: %v", err)
		}
	})
}

func TestGarbageNamesEndpointAndStatus(t *testing.T) {
	c, _ := newMini(t, func(*http.Request, url.Values) (int, string, http.Header) { return 200, "\x00\xffnot json", nil })
	_, err := c.Balances(context.Background())
	if err == nil || !strings.Contains(err.Error(), "GET /api/v3/account") || !strings.Contains(err.Error(), "HTTP 200") {
		t.Fatalf("err %v", err)
	}
	c, _ = newMini(t, func(*http.Request, url.Values) (int, string, http.Header) { return 404, "", nil })
	_, err = c.Balances(context.Background())
	if err == nil || !strings.Contains(err.Error(), "HTTP 404") {
		t.Fatalf("err %v", err)
	}
}

func TestRulesAndLimitsFromExchangeInfo(t *testing.T) {
	c, m := newMini(t, nil)
	r, err := c.Rules(context.Background(), "BTCUSDT")
	if err != nil {
		t.Fatal(err)
	}
	if !r.Trading || r.Base != "BTC" || r.Quote != "USDT" || !r.TickSize.Equal(decimal.RequireFromString("0.01")) ||
		!r.StepSize.Equal(decimal.RequireFromString("0.00001")) || !r.MinNotional.Equal(decimal.NewFromInt(5)) ||
		!r.MarketMaxQty.Equal(decimal.NewFromInt(100)) || !r.NotionalAppliesToMarket || r.PriceDecimals != 2 || r.QtyDecimals != 5 {
		t.Fatalf("rules %+v", r)
	}
	syms, err := c.Symbols(context.Background())
	if err != nil || len(syms) != 1 || syms[0] != "BTCUSDT" {
		t.Fatalf("symbols %v %v", syms, err)
	}
	if _, err := c.Rules(context.Background(), "NOPE"); err == nil {
		t.Fatal("unknown symbol accepted")
	}
	if n := m.count("/api/v3/exchangeInfo"); n != 1 {
		t.Fatalf("exchangeInfo fetched %d times, want 1 (cached)", n)
	}
	got := parseLimits([]rateLimitResp{{"REQUEST_WEIGHT", "MINUTE", 1, 6000}, {"ORDERS", "SECOND", 10, 100}, {"ORDERS", "DAY", 1, 200000}, {"RAW_REQUESTS", "MINUTE", 5, 61000}})
	want := []string{"weight/1m", "orders/10s", "orders/1d", "raw/5m"}
	for i, l := range got {
		if l.Name != want[i] {
			t.Errorf("limit %d %q, want %q", i, l.Name, want[i])
		}
	}
	if got[1].Window != 10*time.Second || got[1].Kind != exchange.LimitOrders || got[2].Window != 24*time.Hour {
		t.Errorf("limits %+v", got)
	}
}

func TestStatusMapping(t *testing.T) {
	for in, want := range map[string]exchange.OrderStatus{"NEW": exchange.StatusNew, "PARTIALLY_FILLED": exchange.StatusPartiallyFilled,
		"FILLED": exchange.StatusFilled, "CANCELED": exchange.StatusCanceled, "REJECTED": exchange.StatusRejected,
		"EXPIRED": exchange.StatusExpired, "EXPIRED_IN_MATCH": exchange.StatusExpired, "??": exchange.StatusUnknown} {
		if got := mapStatus(in); got != want {
			t.Errorf("%s → %s, want %s", in, got, want)
		}
	}
}

func TestLogsNeverCarrySecrets(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, _ := newMini(t, func(*http.Request, url.Values) (int, string, http.Header) {
		return 429, `{"code":-1003,"msg":"Too many requests."}`, http.Header{"Retry-After": {"3"}}
	}, WithLogger(log))
	c.Balances(context.Background())
	c.Place(context.Background(), exchange.OrderRequest{Symbol: "BTCUSDT", ClientID: "z", Qty: decimal.NewFromInt(1)})
	out := buf.String()
	if out == "" {
		t.Fatal("nothing logged at debug")
	}
	for _, s := range []string{docSecret, docAPIKey, "signature", "timestamp=", "X-MBX-APIKEY"} {
		if strings.Contains(out, s) {
			t.Fatalf("log contains %q:\n%s", s, out)
		}
	}
}

func TestRateLimitResponseBansAccount(t *testing.T) {
	for _, tc := range []struct {
		status int
		banned bool
	}{{429, false}, {418, true}} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			c, m := newMini(t, func(*http.Request, url.Values) (int, string, http.Header) {
				return tc.status, `{"code":-1003,"msg":"Way too much request weight used; IP banned until 1700000120000."}`, http.Header{"Retry-After": {"120"}}
			})
			before := time.Now()
			_, err := c.Balances(context.Background())
			var rl *exchange.RateLimitError
			if !errors.As(err, &rl) || rl.Banned != tc.banned || rl.Kind != exchange.KindRateLimit {
				t.Fatalf("err %#v", err)
			}
			if d := rl.RetryAt.Sub(before); d < 119*time.Second || d > 121*time.Second {
				t.Fatalf("RetryAt %v after now", d)
			}
			sent := m.count("/api/v3/account")
			_, err = c.Balances(context.Background())
			var ll *exchange.LocalLimitError
			if !errors.As(err, &ll) {
				t.Fatalf("second request during the ban: %v", err)
			}
			if m.count("/api/v3/account") != sent {
				t.Fatal("a request reached the venue during the ban")
			}
			if !c.Budget().Banned(time.Now()) {
				t.Fatal("budget snapshot does not show the ban")
			}
		})
	}
}

// TestClockErrorCarriesMeasuredOffset: a venue whose clock is 6.2 s ahead
// keeps refusing (say the estimator could not help); the error reports the
// offset measured by the re-sync, in the user's terms.
func TestClockErrorCarriesMeasuredOffset(t *testing.T) {
	for _, tc := range []struct {
		skew time.Duration
		want []string
	}{
		{6200 * time.Millisecond, []string{"6.2 s behind Binance", "recvWindow 5000 ms", "vigil check"}},
		{-1300 * time.Millisecond, []string{"1.3 s ahead of Binance", "vigil check"}},
	} {
		calls := 0
		c, m := newMini(t, func(r *http.Request, f url.Values) (int, string, http.Header) {
			calls++
			return 400, `{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}`, nil
		})
		m.skew = tc.skew
		_, err := c.Balances(context.Background())
		var ce *exchange.ClockError
		if !errors.As(err, &ce) || ce.Kind != exchange.KindClock {
			t.Fatalf("err %v", err)
		}
		if (ce.Offset - tc.skew).Abs() > 50*time.Millisecond {
			t.Errorf("offset %v, want %v", ce.Offset, tc.skew)
		}
		for _, s := range tc.want {
			if !strings.Contains(ce.Advice(), s) {
				t.Errorf("advice %q lacks %q", ce.Advice(), s)
			}
		}
		if calls != 2 || m.count("/api/v3/time") == 0 {
			t.Errorf("%d signed attempts and %d time probes; want one retry after a re-sync", calls, m.count("/api/v3/time"))
		}
	}
}

func TestNoSecretFailsBeforeSending(t *testing.T) {
	c, err := New(WithHTTPClient(&http.Client{Transport: rtFunc(func(*http.Request) (*http.Response, error) {
		t.Fatal("sent without a secret")
		return nil, nil
	})}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Balances(context.Background()); !errors.Is(err, ErrNoSecret) {
		t.Fatalf("err %v", err)
	}
	if c.Info().Network != exchange.Testnet || c.base != TestnetURL {
		t.Fatalf("defaults: %+v %s", c.Info(), c.base)
	}
	m, _ := New(WithAccount(exchange.AccountInfo{Network: exchange.Mainnet}))
	if m.base != MainnetURL {
		t.Fatalf("mainnet base %s", m.base)
	}
	if _, err := New(WithRecvWindow(61 * time.Second)); err == nil {
		t.Fatal("recvWindow above 60 s accepted")
	}
}

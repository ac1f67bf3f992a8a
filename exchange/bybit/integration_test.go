package bybit_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/bybit"
	"github.com/vigil-trade/vigil/exchange/bybit/bybittest"
	"github.com/vigil-trade/vigil/exchange/sim"
)

const (
	keyID     = "XbT7nQ2pLm4RvW9sKd"
	keySecret = "Hk3Jd8sQw2Lp9Zx7Vb4Nm6Tr1Yc5Ue0GfAo"
)

// memTransport hands requests to the fake's handler in memory: no sockets,
// so it works inside a synctest bubble, where time is virtual.
type memTransport struct{ h http.Handler }

func (m memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
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
	m.h.ServeHTTP(rec, in)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// sortingProxy re-encodes the query with its keys sorted, as some gateways
// do: the venue then signs other bytes than we did.
type sortingProxy struct{ next http.RoundTripper }

func (p sortingProxy) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.RawQuery != "" {
		v, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return nil, err
		}
		r = r.Clone(r.Context())
		r.URL.RawQuery = v.Encode()
	}
	return p.next.RoundTrip(r)
}

// headerTap shows each reply's headers to tap.
type headerTap struct {
	next http.RoundTripper
	tap  func(http.Header)
}

func (h headerTap) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := h.next.RoundTrip(r)
	if err == nil {
		h.tap(resp.Header)
	}
	return resp, err
}

func secret(s string) crypto.Secret { return crypto.NewSecret([]byte(s)) }

func newFake(t *testing.T, opts ...bybittest.Option) *bybittest.Server {
	t.Helper()
	srv := bybittest.New(opts...)
	srv.AddKey(keyID, keySecret, bybittest.TradePerms(bybittest.DefaultAccount))
	fund(t, srv)
	return srv
}

func fund(t *testing.T, srv *bybittest.Server) {
	t.Helper()
	if err := srv.Sim().Deposit(bybittest.DefaultAccount, "USDT", decimal.NewFromInt(10000)); err != nil {
		t.Fatal(err)
	}
}

// clientFor is the real client on an in-memory transport to srv's handler
// (or on rt).
func clientFor(t *testing.T, srv *bybittest.Server, rt http.RoundTripper, opts ...bybit.Option) *bybit.Client {
	t.Helper()
	if rt == nil {
		rt = memTransport{h: srv.Handler()}
	}
	base := []bybit.Option{
		bybit.WithBaseURL("http://bybit.fake"),
		bybit.WithAccount(exchange.AccountInfo{Name: "acct", Network: exchange.Testnet}),
		bybit.WithKey(keyID, secret(keySecret)),
		bybit.WithHTTPClient(&http.Client{Transport: rt}),
	}
	c, err := bybit.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// loopbackClient talks to a listening fake over real loopback HTTP and WS.
func loopbackClient(t *testing.T, srv *bybittest.Server, opts ...bybit.Option) *bybit.Client {
	t.Helper()
	base := []bybit.Option{
		bybit.WithBaseURL(srv.URL),
		bybit.WithWSURL(srv.WSURL),
		bybit.WithNetwork(exchange.Testnet),
		bybit.WithKey(keyID, secret(keySecret)),
	}
	c, err := bybit.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func assertAllAccepted(t *testing.T, srv *bybittest.Server, from int) {
	t.Helper()
	for i, r := range srv.Requests()[from:] {
		if !r.Accepted {
			t.Errorf("request %d %s %s: HTTP %d retCode %d", from+i, r.Method, r.Path, r.Status, r.RetCode)
		}
	}
}

func limitBuy(price string) exchange.OrderRequest {
	return exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
		Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString(price), ClientID: exchange.NewClientID(time.Now())}
}

// lifecycle reads balances, places a resting limit order, reads it back by
// client id, finds it among open orders and cancels it.
func lifecycle(t *testing.T, ctx context.Context, c *bybit.Client) {
	t.Helper()
	bal, err := c.Balances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var usdt exchange.Balance
	for _, b := range bal {
		if b.Asset == "USDT" {
			usdt = b
		}
	}
	if !usdt.Free.Equal(decimal.NewFromInt(10000)) || !usdt.Locked.IsZero() {
		t.Fatalf("balances %v", bal)
	}
	req := limitBuy("30000")
	o, err := c.Place(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != exchange.StatusNew || o.ClientID != req.ClientID || o.OrderID == "" || !o.Price.Equal(req.Price) || !o.Qty.Equal(req.Qty) {
		t.Fatalf("placed %+v", o)
	}
	q, err := c.Query(ctx, exchange.OrderRef{Symbol: "BTCUSDT", ClientID: req.ClientID})
	if err != nil || q.OrderID != o.OrderID || q.Status != exchange.StatusNew || q.Side != exchange.Buy ||
		q.Type != exchange.LimitOrder || q.TIF != exchange.GTC || !q.Price.Equal(req.Price) || !q.Qty.Equal(req.Qty) {
		t.Fatalf("query %+v %v", q, err)
	}
	bal, err = c.Balances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bal {
		if b.Asset == "USDT" && (!b.Locked.Equal(decimal.NewFromInt(30)) || !b.Free.Equal(decimal.NewFromInt(9970))) {
			t.Fatalf("30 USDT should be held by the order: %+v", b)
		}
	}
	open, err := c.OpenOrders(ctx, "BTCUSDT")
	if err != nil || len(open) != 1 || open[0].OrderID != o.OrderID || open[0].ClientID != req.ClientID {
		t.Fatalf("open orders %+v %v", open, err)
	}
	cx, err := c.Cancel(ctx, exchange.OrderRef{Symbol: "BTCUSDT", ClientID: req.ClientID})
	if err != nil || cx.Status != exchange.StatusCanceled || cx.ClientID != req.ClientID || cx.OrderID != o.OrderID {
		t.Fatalf("cancel %+v %v", cx, err)
	}
	q, err = c.Query(ctx, exchange.OrderRef{Symbol: "BTCUSDT", OrderID: o.OrderID})
	if err != nil || q.Status != exchange.StatusCanceled {
		t.Fatalf("query after cancel %+v %v", q, err)
	}
	if open, err := c.OpenOrders(ctx, ""); err != nil || len(open) != 0 {
		t.Fatalf("open after cancel %+v %v", open, err)
	}
}

// TestLoopbackOrderLifecycle is the real client over real loopback HTTP:
// every request it makes is accepted by the fake.
func TestLoopbackOrderLifecycle(t *testing.T) {
	srv := bybittest.NewServer()
	defer srv.Close()
	srv.AddKey(keyID, keySecret, bybittest.Perms{IPs: []string{"127.0.0.1"}})
	fund(t, srv)
	c := loopbackClient(t, srv)
	ctx := context.Background()
	if err := c.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	if syms, err := c.Symbols(ctx); err != nil || len(syms) != 2 {
		t.Fatalf("symbols %v %v", syms, err)
	}
	r, err := c.Rules(ctx, "BTCUSDT")
	if err != nil || !r.TickSize.Equal(decimal.RequireFromString("0.01")) || !r.StepSize.Equal(decimal.RequireFromString("0.000001")) ||
		!r.MinNotional.Equal(decimal.NewFromInt(1)) {
		t.Fatalf("rules %+v %v", r, err)
	}
	if p, err := c.LastPrice(ctx, "BTCUSDT"); err != nil || !p.IsPositive() {
		t.Fatalf("last price %v %v", p, err)
	}
	ki, err := c.KeyInfo(ctx)
	if err != nil || ki.Trade != exchange.TriYes || ki.IPBound != exchange.TriYes {
		t.Fatalf("key info %+v %v", ki, err)
	}
	lifecycle(t, ctx, c)
	assertAllAccepted(t, srv, 0)
	if _, err := c.Query(ctx, exchange.OrderRef{Symbol: "BTCUSDT", ClientID: "neverplaced"}); !errors.Is(err, exchange.ErrOrderNotFound) {
		t.Fatalf("unknown order: %v", err)
	}
}

// TestKeyAudit reads query-api for the kinds of key a user may bring.
func TestKeyAudit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := bybittest.New()
		ctx := context.Background()
		now := srv.Sim().Now()

		// Unbound, created 80 days ago: Bybit expires it after 90.
		created := now.Add(-80 * 24 * time.Hour)
		srv.AddKey(keyID, keySecret, bybittest.Perms{Created: created, Note: "cockpit"})
		c := clientFor(t, srv, nil)
		ki, err := c.KeyInfo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		expires := created.Add(90 * 24 * time.Hour)
		notes := strings.Join(ki.Notes, "\n")
		if ki.Read != exchange.TriYes || ki.Trade != exchange.TriYes || ki.Withdraw != exchange.TriNo ||
			ki.IPBound != exchange.TriNo || len(ki.IPs) != 0 || !ki.Created.Equal(created) || !ki.Expires.Equal(expires) ||
			ki.AccountUID != strconv.FormatInt(srv.UID(bybittest.DefaultAccount), 10) {
			t.Fatalf("unbound key %+v", ki)
		}
		if !strings.Contains(notes, "key expires "+expires.UTC().Format("2006-01-02")+" (in 10 days)") ||
			!strings.Contains(notes, "not bound to an IP") || !strings.Contains(notes, `"cockpit"`) {
			t.Fatalf("notes %q", notes)
		}

		// Read-only, IP-bound, no expiry: it may not trade.
		srv.AddKey(keyID, keySecret, bybittest.Perms{ReadOnly: true, IPs: []string{"127.0.0.1", "10.0.0.7"}, Created: now})
		ki, err = c.KeyInfo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ki.Trade != exchange.TriNo || ki.IPBound != exchange.TriYes || len(ki.IPs) != 2 || !ki.Expires.IsZero() {
			t.Fatalf("read-only key %+v", ki)
		}
		_, err = c.Place(ctx, limitBuy("30000"))
		var ae *exchange.APIError
		if !errors.As(err, &ae) || ae.Code != "10005" || ae.Kind != exchange.KindPermission || exchange.IsAmbiguous(err) {
			t.Fatalf("place with a read-only key: %v", err)
		}

		// Withdrawal enabled: the red flag must show.
		srv.AddKey(keyID, keySecret, bybittest.Perms{Withdraw: true, IPs: []string{"127.0.0.1"}, Created: now})
		if ki, err = c.KeyInfo(ctx); err != nil || ki.Withdraw != exchange.TriYes || ki.Trade != exchange.TriYes {
			t.Fatalf("withdraw key %+v %v", ki, err)
		}

		// Past its expiry the key is refused.
		srv.AddKey(keyID, keySecret, bybittest.Perms{Created: now.Add(-91 * 24 * time.Hour), Expires: now.Add(-time.Hour)})
		if _, err = c.KeyInfo(ctx); exchange.KindOf(err) != exchange.KindAuth || !strings.Contains(exchange.AdviceOf(err), "expired") {
			t.Fatalf("expired key: %v", err)
		}
	})
}

// TestWrongSecret: Bybit answers 10004 and echoes the string it signed. With
// a wrong secret the strings agree, and the advice says so beside both.
func TestWrongSecret(t *testing.T) {
	srv := newFake(t)
	wrong := strings.ToLower(keySecret)
	c := clientFor(t, srv, nil, bybit.WithKey(keyID, secret(wrong)))
	ctx := context.Background()
	if err := c.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := c.Balances(ctx)
	var ae *exchange.APIError
	if !errors.As(err, &ae) || ae.Code != "10004" || ae.Kind != exchange.KindSignature {
		t.Fatalf("err %v", err)
	}
	adv := ae.Advice()
	if !strings.HasPrefix(adv, `venue signed: "`) || !strings.Contains(adv, `we signed: "`) || !strings.Contains(adv, "identical") ||
		!strings.Contains(adv, "secret") || strings.Count(adv, "5000accountType=UNIFIED") != 2 {
		t.Fatalf("advice %q", adv)
	}
	if strings.Contains(adv, keyID) || strings.Contains(adv+err.Error(), wrong) || strings.Contains(adv+err.Error(), keySecret) {
		t.Fatalf("advice leaks the key or a secret: %q", adv)
	}
}

// TestRewrittenRequest: a proxy that re-sorts the query makes Bybit sign
// other bytes than we did; the advice shows both strings and marks the first
// byte that differs.
func TestRewrittenRequest(t *testing.T) {
	srv := newFake(t)
	c := clientFor(t, srv, sortingProxy{next: memTransport{h: srv.Handler()}})
	ctx := context.Background()
	if err := c.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := c.OpenOrders(ctx, "BTCUSDT") // category=spot&symbol=…&openOnly=0&limit=50
	var ae *exchange.APIError
	if !errors.As(err, &ae) || ae.Code != "10004" || ae.Kind != exchange.KindSignature {
		t.Fatalf("err %v", err)
	}
	at := len("1700000000000") + len(keyID) + len("5000") + len("category=spot&")
	adv := ae.Advice()
	if want := fmt.Sprintf("first difference at byte %d ('l' vs 's')", at); !strings.Contains(adv, want) {
		t.Fatalf("advice %q, want %q", adv, want)
	}
	if !strings.Contains(adv, `venue signed: "`) || !strings.Contains(adv, "category=spot&limit=50") ||
		!strings.Contains(adv, `we signed: "`) || !strings.Contains(adv, "category=spot&symbol=BTCUSDT") || strings.Contains(adv, keyID) {
		t.Fatalf("advice %q", adv)
	}
}

// TestClockSkewRecovery: Bybit accepts server-recvWindow <= stamp <
// server+1 s. The client measured the fake's clock, then this machine
// stepped to 2 s ahead (past the 1 s future limit) or 6 s behind (past
// recvWindow 5000 ms): the stamp from the stale estimate is refused with
// 10002; the client re-syncs and retries, and everything after is accepted.
func TestClockSkewRecovery(t *testing.T) {
	for _, tc := range []struct {
		name string
		skew time.Duration // server minus local
	}{{"local-ahead-2s", -2 * time.Second}, {"local-behind-6s", 6 * time.Second}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := newFake(t)
				c := clientFor(t, srv, nil)
				ctx := context.Background()
				if err := c.SyncClock(ctx); err != nil {
					t.Fatal(err)
				}
				srv.Sim().SetSkew(tc.skew)
				from := len(srv.Requests())
				if _, err := c.Balances(ctx); err != nil {
					t.Fatalf("client did not recover: %v", err)
				}
				reqs := srv.Requests()[from:]
				if len(reqs) == 0 || reqs[0].RetCode != 10002 || reqs[0].Path != "/v5/account/wallet-balance" {
					t.Fatalf("first request %+v, want a 10002 on the stale estimate", reqs)
				}
				if last := reqs[len(reqs)-1]; !last.Accepted || last.Path != "/v5/account/wallet-balance" {
					t.Fatalf("retry %+v", last)
				}
				assertAllAccepted(t, srv, from+1)
				if off := c.Clock().Offset; (off - tc.skew).Abs() > 5*time.Millisecond {
					t.Fatalf("estimated offset %v, want %v", off, tc.skew)
				}
				n := len(srv.Requests())
				if _, err := c.KeyInfo(ctx); err != nil {
					t.Fatal(err)
				}
				lifecycle(t, ctx, c)
				assertAllAccepted(t, srv, n)
			})
		})
	}
	t.Run("explicit-sync", func(t *testing.T) {
		for _, skew := range []time.Duration{-2 * time.Second, 6 * time.Second, 45 * time.Second} {
			synctest.Test(t, func(t *testing.T) {
				srv := newFake(t)
				srv.Sim().SetSkew(skew)
				c := clientFor(t, srv, nil)
				ctx := context.Background()
				if err := c.SyncClock(ctx); err != nil {
					t.Fatal(err)
				}
				lifecycle(t, ctx, c)
				assertAllAccepted(t, srv, 0)
			})
		}
	})
}

// TestClockErrorAdvice: when re-syncing cannot help (the venue's time
// endpoint and its auth check disagree), the 10002 surfaces as a
// *ClockError whose advice says which side of the window the stamp fell.
func TestClockErrorAdvice(t *testing.T) {
	for _, tc := range []struct {
		skew  time.Duration
		ahead bool
		words string
	}{
		{-2 * time.Second, true, "ahead of Bybit's clock"},
		{6 * time.Second, false, "beyond the 5000 ms recvWindow"},
	} {
		synctest.Test(t, func(t *testing.T) {
			srv := newFake(t)
			jumpy := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/v5/market/time" {
					srv.Sim().SetSkew(0)
				} else {
					srv.Sim().SetSkew(tc.skew)
				}
				srv.Handler().ServeHTTP(w, r)
			})
			c := clientFor(t, srv, memTransport{h: jumpy})
			_, err := c.Balances(context.Background())
			var ce *exchange.ClockError
			if !errors.As(err, &ce) || ce.Code != "10002" || ce.Kind != exchange.KindClock || ce.Ahead != tc.ahead {
				t.Fatalf("skew %v: want a 10002 ClockError, got %v", tc.skew, err)
			}
			if !strings.Contains(ce.Advice(), tc.words) {
				t.Fatalf("advice %q", ce.Advice())
			}
			n := 0
			for _, r := range srv.Requests() {
				if r.Path == "/v5/account/wallet-balance" {
					n++
				}
			}
			if n != 2 {
				t.Fatalf("%d balance requests, want the first and one retry", n)
			}
		})
	}
}

// TestAmbiguousOutcomesResolveByQuery: a placement the venue applied but
// whose answer was lost is reported as ambiguous, and a query by client id
// finds the one order the fake holds.
func TestAmbiguousOutcomesResolveByQuery(t *testing.T) {
	for _, f := range []sim.Fault{
		{Kind: sim.FaultDropAfterAccept},
		{Kind: sim.Fault5xx, Apply: true},
		{Kind: sim.Fault5xx, Apply: true, Status: http.StatusBadGateway},
		{Kind: sim.FaultGarbage},
		{Kind: sim.FaultHang},
	} {
		t.Run(f.Kind.String()+strconv.Itoa(f.Status), func(t *testing.T) {
			srv := bybittest.NewServer() // real loopback: a dropped connection needs a socket
			defer srv.Close()
			srv.AddKey(keyID, keySecret, bybittest.TradePerms(bybittest.DefaultAccount))
			fund(t, srv)
			c := loopbackClient(t, srv)
			ctx := context.Background()
			if err := c.SyncClock(ctx); err != nil {
				t.Fatal(err)
			}
			f.Op, f.Times = "POST /v5/order/create", 1
			srv.Sim().Faults().Add(f)
			req := limitBuy("30000")
			pctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			_, err := c.Place(pctx, req)
			cancel()
			if !exchange.IsAmbiguous(err) {
				t.Fatalf("want ambiguous, got %v", err)
			}
			if strings.Contains(err.Error(), keySecret) {
				t.Fatalf("error leaks the secret: %v", err)
			}
			o, err := c.Query(ctx, exchange.OrderRef{Symbol: "BTCUSDT", ClientID: req.ClientID})
			want := 1
			switch {
			case f.Kind == sim.FaultHang && errors.Is(err, exchange.ErrOrderNotFound):
				// The fake hangs before the order runs: "not there" is the answer.
				want = 0
			case err != nil || o.Status != exchange.StatusNew || o.ClientID != req.ClientID:
				t.Fatalf("resolve: %+v %v", o, err)
			}
			if n := srv.Sim().ClientIDCount(bybittest.DefaultAccount, req.ClientID); n != want {
				t.Fatalf("fake holds %d orders with the client id, want %d", n, want)
			}
		})
	}
}

func bucket(snap exchange.BudgetSnapshot, name string) (exchange.Bucket, bool) {
	for _, b := range snap.Buckets {
		if b.Name == name {
			return b, true
		}
	}
	return exchange.Bucket{}, false
}

// intercontinental is a round trip of 300 ms. The budget stamps a charge
// as if it reached the venue a guard (100 ms on a 1 s window) after it was
// sent and takes a venue count as a guard old; only with a round trip longer
// than two guards is the request just answered inside the span the count is
// compared over (see the report on exchange.Budget's rolling Observe).
var intercontinental = sim.LatencyConfig{Request: sim.Leg{Mean: 150 * time.Millisecond}, Response: sim.Leg{Mean: 150 * time.Millisecond}}

// TestLimitHeadersReachBudget: the X-Bapi-Limit headers set the bucket's
// limit (here not the documented default, so it can only come from the
// venue) and its use.
func TestLimitHeadersReachBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		limits := bybittest.DefaultLimits()
		limits.WalletBalance = 7
		srv := newFake(t, bybittest.WithLimits(limits))
		srv.Sim().SetLatency(intercontinental)
		var mu sync.Mutex
		venueUsed := -1 // X-Bapi-Limit minus X-Bapi-Limit-Status of the last reply to c
		c := clientFor(t, srv, headerTap{next: memTransport{h: srv.Handler()}, tap: func(h http.Header) {
			lim, err1 := strconv.Atoi(h.Get("X-Bapi-Limit"))
			left, err2 := strconv.Atoi(h.Get("X-Bapi-Limit-Status"))
			if err1 == nil && err2 == nil {
				mu.Lock()
				venueUsed = lim - left
				mu.Unlock()
			}
		}})
		ctx := context.Background()
		if err := c.SyncClock(ctx); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if _, err := c.Balances(ctx); err != nil {
				t.Fatal(err)
			}
		}
		b, ok := bucket(c.Budget(), "wallet-balance/1s")
		if !ok || b.Limit != 7 || b.Used != 3 || b.Window != time.Second {
			t.Fatalf("wallet bucket %+v in %+v", b, c.Budget().Buckets)
		}
		// Another program on the key: the venue's count rises past ours.
		other := clientFor(t, srv, nil)
		if _, err := other.Balances(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Balances(ctx); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		want := venueUsed
		mu.Unlock()
		if b, _ := bucket(c.Budget(), "wallet-balance/1s"); b.Used != want || want < 2 {
			t.Fatalf("after another program's request: %+v, venue counts %d", b, want)
		}
		// The rolling second passes and the venue's count with it.
		time.Sleep(2 * time.Second)
		if _, err := c.Balances(ctx); err != nil {
			t.Fatal(err)
		}
		if b, _ := bucket(c.Budget(), "wallet-balance/1s"); b.Used != 1 {
			t.Fatalf("after the window: %+v", b)
		}
	})
}

// TestRateLimitSetsRetryAt: another program on the same key used up
// wallet-balance's second; the venue's 10006 carries the reset stamp, which
// becomes RetryAt, and the account is held locally until then.
func TestRateLimitSetsRetryAt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		limits := bybittest.DefaultLimits()
		limits.WalletBalance = 5
		srv := newFake(t, bybittest.WithLimits(limits))
		ctx := context.Background()
		c := clientFor(t, srv, nil)
		if err := c.SyncClock(ctx); err != nil {
			t.Fatal(err)
		}
		t0 := srv.Sim().Now()
		for range 5 { // other programs on the same key
			if _, err := clientFor(t, srv, nil).Balances(ctx); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(300 * time.Millisecond)
		_, err := c.Balances(ctx)
		var rl *exchange.RateLimitError
		if !errors.As(err, &rl) || rl.Code != "10006" || rl.Kind != exchange.KindRateLimit || rl.Banned {
			t.Fatalf("want a 10006 RateLimitError, got %v", err)
		}
		if want := t0.Add(time.Second); !rl.RetryAt.Equal(want.Truncate(time.Millisecond)) {
			t.Fatalf("RetryAt %v, want the venue's reset %v", rl.RetryAt, want)
		}
		if srv.CountRateLimited() != 1 {
			t.Fatalf("%d × 10006", srv.CountRateLimited())
		}
		snap := c.Budget()
		if !snap.Banned(time.Now()) || !snap.BannedUntil.Equal(rl.RetryAt) {
			t.Fatalf("budget %+v", snap)
		}
		if b, ok := bucket(snap, "wallet-balance/1s"); !ok || b.Limit != 5 || b.Used < 5 {
			t.Fatalf("bucket after 10006 %+v", b)
		}
		seen := len(srv.Requests())
		var ll *exchange.LocalLimitError
		if _, err := c.Balances(exchange.WithPriority(ctx, exchange.Background)); !errors.As(err, &ll) {
			t.Fatalf("during the hold: %v", err)
		}
		if len(srv.Requests()) != seen {
			t.Fatal("a request reached the fake during the hold")
		}
		time.Sleep(time.Until(rl.RetryAt) + time.Millisecond)
		if _, err := c.Balances(ctx); err != nil {
			t.Fatalf("after the hold: %v", err)
		}
	})
}

// TestBudgetPriorityFromContext: query-api allows 10 a second; pollers
// marked Background through the context leave the reserve to a caller that
// needs the key now.
func TestBudgetPriorityFromContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := newFake(t)
		c := clientFor(t, srv, nil)
		ctx := context.Background()
		if err := c.SyncClock(ctx); err != nil {
			t.Fatal(err)
		}
		srv.Sim().SetLatency(intercontinental)
		bg := exchange.WithPriority(ctx, exchange.Background)
		var wg sync.WaitGroup
		var mu sync.Mutex
		served := 0
		for range 10 {
			wg.Go(func() {
				if _, err := c.KeyInfo(bg); err != nil {
					t.Error(err)
				}
				mu.Lock()
				served++
				mu.Unlock()
			})
		}
		// The first wave is answered after 300 ms; the rest wait for the
		// window, which frees at 1.1 s.
		time.Sleep(500 * time.Millisecond)
		mu.Lock()
		if served != 5 {
			t.Errorf("background callers got %d of 10 query-api slots at once, want 5", served)
		}
		mu.Unlock()
		got := make(chan error, 1)
		go func() {
			_, err := c.KeyInfo(exchange.WithPriority(ctx, exchange.Trading))
			got <- err
		}()
		time.Sleep(400 * time.Millisecond)
		select {
		case err := <-got:
			if err != nil {
				t.Error(err)
			}
		default:
			t.Error("a trading-priority call waited behind background pollers")
			<-got
		}
		wg.Wait()
		if n := srv.CountRateLimited(); n != 0 {
			t.Fatalf("%d × 10006", n)
		}
		assertAllAccepted(t, srv, 0)
	})
}

// TestBurstNeverHitsLimit: sixty callers place orders on one symbol as fast
// as they are let through for five virtual seconds (three times the 20 a
// second the fake allows): the budget, reconciled with the headers, keeps
// every one inside the venue's rolling second.
func TestBurstNeverHitsLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := newFake(t)
		if err := srv.Sim().Deposit(bybittest.DefaultAccount, "USDT", decimal.NewFromInt(1_000_000)); err != nil {
			t.Fatal(err)
		}
		c := clientFor(t, srv, nil)
		ctx := context.Background()
		if err := c.SyncClock(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // off a second boundary
		end := time.Now().Add(5 * time.Second)
		var wg sync.WaitGroup
		var mu sync.Mutex
		placed := 0
		for i := range 60 {
			wg.Go(func() {
				for n := 0; time.Now().Before(end); n++ {
					req := limitBuy(strconv.Itoa(20000 + i*100 + n))
					if _, err := c.Place(ctx, req); err != nil {
						t.Errorf("place: %v", err)
						return
					}
					mu.Lock()
					placed++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if n := srv.CountRateLimited(); n != 0 {
			t.Fatalf("the fake served %d × 10006", n)
		}
		if placed < 60 {
			t.Fatalf("placed %d", placed)
		}
	})
}

package okx_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/okx"
	"github.com/vigil-trade/vigil/exchange/okx/okxtest"
	"github.com/vigil-trade/vigil/exchange/sim"
)

const (
	keyID      = "5f3c2a1b-8d7e-4f60-9a1b-2c3d4e5f6a7b"
	keySecret  = "9A1F3C5E7B2D4F6081A3C5E7092B4D6F"
	passphrase = "Vigil#Pass/1"
)

// memTransport hands requests to the fake's handler in memory: no sockets,
// so it works inside a synctest bubble, where time is virtual. onReply sees
// every response.
type memTransport struct {
	h       http.Handler
	onReply func(*http.Request, *http.Response)
}

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
	if m.onReply != nil {
		m.onReply(r, resp)
	}
	return resp, nil
}

func secret(s string) crypto.Secret { return crypto.NewSecret([]byte(s)) }

// newFake is a demo-trading fake with a trading key and 10,000 USDT.
func newFake(t *testing.T, opts ...okxtest.Option) *okxtest.Server {
	t.Helper()
	srv := okxtest.New(opts...)
	srv.AddKey(keyID, keySecret, passphrase, okxtest.Perms{Trade: true, IPs: []string{"127.0.0.1"}, Label: "vigil"})
	fund(t, srv)
	return srv
}

func fund(t *testing.T, srv *okxtest.Server) {
	t.Helper()
	if err := srv.Sim().Deposit(okxtest.DefaultAccount, "USDT", decimal.NewFromInt(10000)); err != nil {
		t.Fatal(err)
	}
}

// clientFor is the real client on an in-memory transport to srv's handler
// (or on rt), as the cockpit builds it for a demo-trading account.
func clientFor(t *testing.T, srv *okxtest.Server, rt http.RoundTripper, opts ...okx.Option) *okx.Client {
	t.Helper()
	if rt == nil {
		rt = memTransport{h: srv.Handler()}
	}
	base := []okx.Option{
		okx.WithBaseURL("http://okx.fake"),
		okx.WithAccount(exchange.AccountInfo{Name: "acct", Network: exchange.Testnet}),
		okx.WithKey(keyID, secret(keySecret), secret(passphrase)),
		okx.WithHTTPClient(&http.Client{Transport: rt}),
	}
	c, err := okx.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// loopbackClient talks to a listening fake over real loopback HTTP and WS.
func loopbackClient(t *testing.T, srv *okxtest.Server, opts ...okx.Option) *okx.Client {
	t.Helper()
	base := []okx.Option{
		okx.WithBaseURL(srv.URL),
		okx.WithWSURL(srv.WSURL),
		okx.WithNetwork(exchange.Testnet),
		okx.WithKey(keyID, secret(keySecret), secret(passphrase)),
	}
	c, err := okx.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func assertAllAccepted(t *testing.T, srv *okxtest.Server, from int) {
	t.Helper()
	for i, r := range srv.Requests()[from:] {
		if !r.Accepted {
			t.Errorf("request %d %s %s: HTTP %d code %s", from+i, r.Method, r.Path, r.Status, r.Code)
		}
	}
}

func limitBuy(price string) exchange.OrderRequest {
	return exchange.OrderRequest{Symbol: "BTC-USDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
		Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString(price), ClientID: exchange.NewClientID(time.Now())}
}

// lifecycle reads balances and the key, then places a resting limit order,
// reads it back by client id, finds it among open orders and cancels it.
func lifecycle(t *testing.T, ctx context.Context, c *okx.Client, srv *okxtest.Server) {
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
	ki, err := c.KeyInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ki.Read != exchange.TriYes || ki.Trade != exchange.TriYes || ki.Withdraw != exchange.TriNo ||
		ki.IPBound != exchange.TriYes || len(ki.IPs) != 1 || ki.IPs[0] != "127.0.0.1" ||
		ki.AccountUID != srv.UID(okxtest.DefaultAccount) || !strings.Contains(ki.Source, "account/config") {
		t.Fatalf("key info %+v", ki)
	}

	req := limitBuy("30000")
	o, err := c.Place(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != exchange.StatusNew || o.ClientID != req.ClientID || o.OrderID == "" || !o.Price.Equal(req.Price) || !o.Qty.Equal(req.Qty) {
		t.Fatalf("placed %+v", o)
	}
	if _, err := strconv.ParseUint(o.OrderID, 10, 64); err != nil {
		t.Fatalf("order id %q is not numeric", o.OrderID)
	}
	q, err := c.Query(ctx, exchange.OrderRef{Symbol: "BTC-USDT", ClientID: req.ClientID})
	if err != nil || q.OrderID != o.OrderID || q.Status != exchange.StatusNew || q.Side != exchange.Buy ||
		q.Type != exchange.LimitOrder || q.TIF != exchange.GTC || !q.Price.Equal(req.Price) || !q.Qty.Equal(req.Qty) {
		t.Fatalf("query %+v %v", q, err)
	}
	bal, err = c.Balances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bal {
		if b.Asset == "USDT" && !b.Locked.Equal(decimal.NewFromInt(30)) {
			t.Fatalf("30 USDT should be held by the order: %+v", b)
		}
	}
	open, err := c.OpenOrders(ctx, "BTC-USDT")
	if err != nil || len(open) != 1 || open[0].OrderID != o.OrderID || open[0].ClientID != req.ClientID {
		t.Fatalf("open orders %+v %v", open, err)
	}
	cx, err := c.Cancel(ctx, exchange.OrderRef{Symbol: "BTC-USDT", ClientID: req.ClientID})
	if err != nil || cx.Status != exchange.StatusCanceled || cx.ClientID != req.ClientID || cx.OrderID != o.OrderID {
		t.Fatalf("cancel %+v %v", cx, err)
	}
	q, err = c.Query(ctx, exchange.OrderRef{Symbol: "BTC-USDT", OrderID: o.OrderID})
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
	srv := okxtest.NewServer()
	defer srv.Close()
	srv.AddKey(keyID, keySecret, passphrase, okxtest.Perms{Trade: true, IPs: []string{"127.0.0.1"}})
	fund(t, srv)
	c := loopbackClient(t, srv)
	ctx := context.Background()
	if err := c.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	if syms, err := c.Symbols(ctx); err != nil || len(syms) != 3 {
		t.Fatalf("symbols %v %v", syms, err)
	}
	r, err := c.Rules(ctx, "BTC-USDT")
	if err != nil || !r.TickSize.Equal(decimal.RequireFromString("0.1")) || !r.StepSize.Equal(decimal.RequireFromString("0.00000001")) {
		t.Fatalf("rules %+v %v", r, err)
	}
	if p, err := c.LastPrice(ctx, "BTC-USDT"); err != nil || !p.IsPositive() {
		t.Fatalf("last price %v %v", p, err)
	}
	lifecycle(t, ctx, c, srv)
	assertAllAccepted(t, srv, 0)

	// A client id never placed is a plain not-found, not an error.
	if _, err := c.Query(ctx, exchange.OrderRef{Symbol: "BTC-USDT", ClientID: "neverplaced"}); !errors.Is(err, exchange.ErrOrderNotFound) {
		t.Fatalf("unknown order: %v", err)
	}
	if snap := c.Budget(); len(snap.Buckets) == 0 {
		t.Error("no budget buckets")
	}
}

func TestKeyAuditReadOnly(t *testing.T) {
	srv := okxtest.New()
	srv.AddKey(keyID, keySecret, passphrase, okxtest.Perms{})
	c := clientFor(t, srv, nil)
	ctx := context.Background()
	ki, err := c.KeyInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ki.Read != exchange.TriYes || ki.Trade != exchange.TriNo || ki.IPBound != exchange.TriNo || len(ki.IPs) != 0 {
		t.Fatalf("read-only key %+v", ki)
	}
	// A read-only key is refused trading with the venue's permission code.
	_, err = c.Place(ctx, limitBuy("30000"))
	var ae *exchange.APIError
	if !errors.As(err, &ae) || ae.Code != "50120" || ae.Kind != exchange.KindPermission || !strings.Contains(ae.Advice(), "Trade") {
		t.Fatalf("place with a read-only key: %v", err)
	}
	if exchange.IsAmbiguous(err) {
		t.Fatal("a permission refusal is not ambiguous")
	}
}

// TestWrongCredentials: a wrong passphrase and a wrong secret are refused
// with OKX's codes and come back as the right kind with advice, without the
// secret or passphrase in the text.
func TestWrongCredentials(t *testing.T) {
	for _, tc := range []struct {
		name       string
		sec, pass  string
		code       string
		kind       exchange.Kind
		adviceWord string
	}{
		{"passphrase", keySecret, "Vigil#Pass/2", "50105", exchange.KindAuth, "passphrase"},
		{"secret", strings.ToLower(keySecret), passphrase, "50113", exchange.KindSignature, "secret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFake(t)
			c := clientFor(t, srv, nil, okx.WithKey(keyID, secret(tc.sec), secret(tc.pass)))
			ctx := context.Background()
			if err := c.SyncClock(ctx); err != nil {
				t.Fatal(err)
			}
			_, err := c.Balances(ctx)
			var ae *exchange.APIError
			if !errors.As(err, &ae) || ae.Code != tc.code || ae.Kind != tc.kind || ae.HTTPStatus != http.StatusUnauthorized {
				t.Fatalf("err %v (%+v)", err, ae)
			}
			if !strings.Contains(ae.Advice(), tc.adviceWord) {
				t.Fatalf("advice %q", ae.Advice())
			}
			if text := err.Error() + ae.Advice(); strings.Contains(text, tc.sec) || strings.Contains(text, tc.pass) {
				t.Fatal("a credential leaked into the error")
			}
			reqs := srv.Requests()
			if last := reqs[len(reqs)-1]; last.Code != tc.code || last.Path != "/api/v5/account/balance" {
				t.Fatalf("fake saw %+v", last)
			}
		})
	}
}

// TestClockSkewRecovery: OKX's window is ±30 s either way. The client
// measured the fake's clock, then it stepped 45 s in either direction: the
// stamp from the stale estimate is refused with 50102; the client re-syncs
// and retries, and everything after is accepted.
func TestClockSkewRecovery(t *testing.T) {
	for _, skew := range []time.Duration{45 * time.Second, -45 * time.Second} {
		t.Run(skew.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := newFake(t)
				c := clientFor(t, srv, nil)
				ctx := context.Background()
				if err := c.SyncClock(ctx); err != nil {
					t.Fatal(err)
				}
				srv.Sim().SetSkew(skew)
				from := len(srv.Requests())
				if _, err := c.Balances(ctx); err != nil {
					t.Fatalf("client did not recover: %v", err)
				}
				reqs := srv.Requests()[from:]
				if len(reqs) == 0 || reqs[0].Code != "50102" || reqs[0].Path != "/api/v5/account/balance" {
					t.Fatalf("first request %+v, want a 50102 on the stale estimate", reqs)
				}
				if last := reqs[len(reqs)-1]; !last.Accepted || last.Path != "/api/v5/account/balance" {
					t.Fatalf("retry %+v", last)
				}
				assertAllAccepted(t, srv, from+1)
				if off := c.Clock().Offset; (off - skew).Abs() > 5*time.Millisecond {
					t.Fatalf("estimated offset %v, want %v", off, skew)
				}
				n := len(srv.Requests())
				lifecycle(t, ctx, c, srv)
				assertAllAccepted(t, srv, n)
			})
		})
	}
	t.Run("explicit-sync", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv := newFake(t)
			srv.Sim().SetSkew(-40 * time.Second)
			c := clientFor(t, srv, nil)
			ctx := context.Background()
			if err := c.SyncClock(ctx); err != nil {
				t.Fatal(err)
			}
			lifecycle(t, ctx, c, srv)
			assertAllAccepted(t, srv, 0)
		})
	})
	t.Run("within-window", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv := newFake(t)
			srv.Sim().SetSkew(25 * time.Second)
			c := clientFor(t, srv, nil)
			lifecycle(t, context.Background(), c, srv)
			assertAllAccepted(t, srv, 0)
		})
	})
}

// TestClockErrorAdvice: when the re-sync cannot help (the venue's clock
// keeps jumping), the 50102 surfaces as a *ClockError with advice.
func TestClockErrorAdvice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := newFake(t)
		ctx := context.Background()
		// The venue's time endpoint and its auth check disagree by a
		// minute: syncing cannot fix it.
		jumpy := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/v5/public/time" {
				srv.Sim().SetSkew(0)
			} else {
				srv.Sim().SetSkew(time.Minute)
			}
			srv.Handler().ServeHTTP(w, r)
		})
		c2 := clientFor(t, srv, memTransport{h: jumpy})
		_, err := c2.Balances(ctx)
		var ce *exchange.ClockError
		if !errors.As(err, &ce) || ce.Code != "50102" || exchange.KindOf(err) != exchange.KindClock {
			t.Fatalf("want a 50102 ClockError, got %v", err)
		}
		if !strings.Contains(ce.Advice(), "±30 s") || !strings.Contains(ce.Advice(), "behind OKX's clock") {
			t.Fatalf("advice %q", ce.Advice())
		}
		// One refusal, one re-sync, one retry: no loop.
		n := 0
		for _, r := range srv.Requests() {
			if r.Path == "/api/v5/account/balance" {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("%d balance requests, want the first and one retry", n)
		}
	})
}

// TestAmbiguousOutcomesResolveByQuery: a placement the venue applied but
// whose answer was lost is reported as ambiguous, and a query by client id
// finds the one order the fake holds.
func TestAmbiguousOutcomesResolveByQuery(t *testing.T) {
	for _, f := range []sim.Fault{
		{Kind: sim.FaultDropAfterAccept},
		{Kind: sim.Fault5xx, Apply: true},
		{Kind: sim.Fault5xx, Apply: true, Status: http.StatusBadGateway},
		{Kind: sim.Fault5xx, Apply: true, Status: http.StatusGatewayTimeout},
		{Kind: sim.FaultGarbage},
		{Kind: sim.FaultHang},
	} {
		t.Run(f.Kind.String()+strconv.Itoa(f.Status), func(t *testing.T) {
			srv := okxtest.NewServer() // real loopback: a dropped connection needs a socket
			defer srv.Close()
			srv.AddKey(keyID, keySecret, passphrase, okxtest.TradePerms(okxtest.DefaultAccount))
			fund(t, srv)
			c := loopbackClient(t, srv)
			ctx := context.Background()
			if err := c.SyncClock(ctx); err != nil {
				t.Fatal(err)
			}
			f.Op, f.Times = "POST /api/v5/trade/order", 1
			srv.Sim().Faults().Add(f)
			req := limitBuy("30000")
			pctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			_, err := c.Place(pctx, req)
			cancel()
			if !exchange.IsAmbiguous(err) {
				t.Fatalf("want ambiguous, got %v", err)
			}
			if strings.Contains(err.Error(), keySecret) || strings.Contains(err.Error(), passphrase) {
				t.Fatalf("error leaks a credential: %v", err)
			}
			o, err := c.Query(ctx, exchange.OrderRef{Symbol: "BTC-USDT", ClientID: req.ClientID})
			want := 1
			switch {
			case f.Kind == sim.FaultHang && errors.Is(err, exchange.ErrOrderNotFound):
				// The fake hangs before the order runs: "not there" is the answer.
				want = 0
			case err != nil || o.Status != exchange.StatusNew || o.ClientID != req.ClientID:
				t.Fatalf("resolve: %+v %v", o, err)
			}
			if n := srv.Sim().ClientIDCount(okxtest.DefaultAccount, req.ClientID); n != want {
				t.Fatalf("fake holds %d orders with the client id, want %d", n, want)
			}
		})
	}
}

// TestBurstNeverHitsLimit: sixty callers ask for the ticker (20 per 2 s per
// IP on OKX) as fast as they are let through, for ten virtual seconds: three
// times the limit in every window. OKX sends no usage headers, so the
// client's own per-endpoint count must keep every request inside the fake's
// rolling window: not one 50011. Order placement on one instrument gets the
// same treatment at three times its 60 per 2 s.
func TestBurstNeverHitsLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := newFake(t)
		if err := srv.Sim().Deposit(okxtest.DefaultAccount, "USDT", decimal.NewFromInt(1_000_000)); err != nil {
			t.Fatal(err)
		}
		c := clientFor(t, srv, nil)
		ctx := context.Background()
		if err := c.SyncClock(ctx); err != nil {
			t.Fatal(err)
		}
		// Start off a 2 s boundary so fixed and rolling windows differ.
		time.Sleep(1300 * time.Millisecond)

		const callers = 60
		end := time.Now().Add(10 * time.Second)
		var mu sync.Mutex
		var served int
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() {
				for time.Now().Before(end) {
					if _, err := c.LastPrice(ctx, "BTC-USDT"); err != nil {
						t.Errorf("poll: %v", err)
						return
					}
					mu.Lock()
					if time.Now().Before(end) {
						served++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if n := srv.CountRateLimited(); n != 0 {
			t.Fatalf("the fake served %d × 50011 to the ticker burst", n)
		}
		// At most 20 in any 2 s, and the budget should use most of that.
		if served > 20*5 || served < 60 {
			t.Fatalf("served %d tickers in 10 s", served)
		}

		ords := 180
		for i := range ords {
			wg.Go(func() {
				req := limitBuy(strconv.Itoa(30000 + i))
				if _, err := c.Place(ctx, req); err != nil {
					t.Errorf("place %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if n := srv.CountRateLimited(); n != 0 {
			t.Fatalf("the fake served %d × 50011 to the order burst", n)
		}
		if open, err := c.OpenOrders(ctx, "BTC-USDT"); err != nil || len(open) != 100 && len(open) != ords {
			t.Fatalf("open orders %d %v", len(open), err)
		}
	})
}

// TestBudgetPriorityFromContext: the cockpit marks its pollers Background
// through the context; they must leave the reserve of a bucket to orders
// and interactive calls.
func TestBudgetPriorityFromContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := newFake(t)
		c := clientFor(t, srv, nil)
		ctx := context.Background()
		if err := c.SyncClock(ctx); err != nil {
			t.Fatal(err)
		}
		bg := exchange.WithPriority(ctx, exchange.Background)
		var done sync.WaitGroup
		var mu sync.Mutex
		served := 0
		for range 20 {
			done.Go(func() {
				if _, err := c.LastPrice(bg, "BTC-USDT"); err != nil {
					t.Error(err)
				}
				mu.Lock()
				served++
				mu.Unlock()
			})
		}
		synctest.Wait()
		mu.Lock()
		bgServed := served
		mu.Unlock()
		// ticker: 20 per 2 s, of which Background may use all but the
		// reserve of 5.
		if bgServed != 15 {
			t.Errorf("background callers got %d of 20 ticker slots at once, want 15", bgServed)
		}
		// An interactive caller (the default for the ticker) still finds
		// room while the background ones wait.
		got := make(chan error, 1)
		go func() {
			_, err := c.LastPrice(ctx, "BTC-USDT")
			got <- err
		}()
		synctest.Wait()
		select {
		case err := <-got:
			if err != nil {
				t.Error(err)
			}
		default:
			t.Error("an interactive call waited behind background pollers")
			<-got
		}
		done.Wait()
		if n := srv.CountRateLimited(); n != 0 {
			t.Fatalf("%d × 50011", n)
		}
	})
}

// TestRateLimitHoldsAccount: a 50011 from the venue (another program on the
// same key) holds the account locally until RetryAt.
func TestRateLimitHoldsAccount(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := newFake(t)
		c := clientFor(t, srv, nil)
		ctx := context.Background()
		if err := c.SyncClock(ctx); err != nil {
			t.Fatal(err)
		}
		srv.Sim().Faults().Add(sim.Fault{Op: "GET /api/v5/account/balance", Kind: sim.FaultRateLimit, Times: 1})
		_, err := c.Balances(ctx)
		var rl *exchange.RateLimitError
		if !errors.As(err, &rl) || rl.Code != "50011" || rl.Kind != exchange.KindRateLimit {
			t.Fatalf("want a 50011 RateLimitError, got %v", err)
		}
		if d := time.Until(rl.RetryAt); d <= 0 || d > 3*time.Second {
			t.Fatalf("RetryAt in %v", d)
		}
		if !c.Budget().Banned(time.Now()) {
			t.Fatal("budget does not show the hold")
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

// TestConcurrentUse: one client shared by several goroutines under -race.
func TestConcurrentUse(t *testing.T) {
	srv := newFake(t)
	c := clientFor(t, srv, nil)
	ctx := context.Background()
	if err := c.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			req := limitBuy(strconv.Itoa(30000 + i))
			if _, err := c.Place(ctx, req); err != nil {
				t.Error(err)
				return
			}
			if _, err := c.Query(ctx, exchange.OrderRef{Symbol: "BTC-USDT", ClientID: req.ClientID}); err != nil {
				t.Error(err)
			}
			if _, err := c.Cancel(ctx, exchange.OrderRef{Symbol: "BTC-USDT", ClientID: req.ClientID}); err != nil {
				t.Error(err)
			}
			_ = c.Budget()
			_ = c.Clock()
		})
	}
	wg.Wait()
	assertAllAccepted(t, srv, 0)
}

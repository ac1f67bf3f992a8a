package binance_test

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
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
	"github.com/vigil-trade/vigil/exchange/binance"
	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
	"github.com/vigil-trade/vigil/exchange/sim"
)

const (
	hmacKey    = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	hmacSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
	edKey      = "edKeyForTests00000000000000000000000000000000000000000000000000"
	edPEM      = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n-----END PRIVATE KEY-----\n"
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

func clientFor(t *testing.T, srv *binancetest.Server, net exchange.Network, rt http.RoundTripper, opts ...binance.Option) *binance.Client {
	t.Helper()
	if rt == nil {
		rt = memTransport{h: srv.Handler()}
	}
	base := []binance.Option{
		binance.WithBaseURL("http://binance.fake"),
		binance.WithAccount(exchange.AccountInfo{Name: "acct", Venue: "binance", Network: net}),
		binance.WithAPIKey(hmacKey),
		binance.WithScheme(exchange.SchemeHMAC),
		binance.WithSecret(crypto.NewSecret([]byte(hmacSecret))),
		binance.WithHTTPClient(&http.Client{Transport: rt}),
	}
	c, err := binance.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fund(t *testing.T, srv *binancetest.Server) {
	t.Helper()
	if err := srv.Sim().Deposit(binancetest.DefaultAccount, "USDT", decimal.NewFromInt(10000)); err != nil {
		t.Fatal(err)
	}
}

func assertAllAccepted(t *testing.T, srv *binancetest.Server, from int) {
	t.Helper()
	for i, r := range srv.Requests()[from:] {
		if !r.Accepted {
			t.Errorf("request %d %s %s: HTTP %d code %d", from+i, r.Method, r.Path, r.Status, r.Code)
		}
	}
}

// lifecycle places a resting limit order, reads it back, lists and cancels it.
func lifecycle(t *testing.T, ctx context.Context, c *binance.Client) {
	t.Helper()
	bal, err := c.Balances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var usdt decimal.Decimal
	for _, b := range bal {
		if b.Asset == "USDT" {
			usdt = b.Free
		}
	}
	if !usdt.Equal(decimal.NewFromInt(10000)) {
		t.Fatalf("balances %v", bal)
	}
	req := exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
		Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("30000"), ClientID: exchange.NewClientID(time.Now())}
	o, err := c.Place(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != exchange.StatusNew || o.ClientID != req.ClientID || o.OrderID == "" || !o.Price.Equal(req.Price) || !o.Qty.Equal(req.Qty) {
		t.Fatalf("placed %+v", o)
	}
	if _, err := strconv.ParseUint(o.OrderID, 10, 64); err != nil || len(o.OrderID) < 16 {
		t.Fatalf("order id %q lost precision or is not numeric", o.OrderID)
	}
	q, err := c.Query(ctx, exchange.OrderRef{Symbol: "BTCUSDT", ClientID: req.ClientID})
	if err != nil || q.OrderID != o.OrderID || q.Status != exchange.StatusNew {
		t.Fatalf("query %+v %v", q, err)
	}
	open, err := c.OpenOrders(ctx, "BTCUSDT")
	if err != nil || len(open) != 1 || open[0].OrderID != o.OrderID {
		t.Fatalf("open orders %+v %v", open, err)
	}
	cx, err := c.Cancel(ctx, exchange.OrderRef{Symbol: "BTCUSDT", ClientID: req.ClientID})
	if err != nil || cx.Status != exchange.StatusCanceled || cx.ClientID != req.ClientID {
		t.Fatalf("cancel %+v %v", cx, err)
	}
	q, err = c.Query(ctx, exchange.OrderRef{Symbol: "BTCUSDT", OrderID: o.OrderID})
	if err != nil || q.Status != exchange.StatusCanceled {
		t.Fatalf("query after cancel %+v %v", q, err)
	}
	if _, err := c.Query(ctx, exchange.OrderRef{Symbol: "BTCUSDT", ClientID: "neverplaced"}); !errors.Is(err, exchange.ErrOrderNotFound) {
		t.Fatalf("unknown order: %v", err)
	}
}

// TestLoopbackOrderLifecycle is the real client over real loopback HTTP.
func TestLoopbackOrderLifecycle(t *testing.T) {
	srv := binancetest.NewServer()
	defer srv.Close()
	srv.AddHMACKey(hmacKey, hmacSecret, binancetest.TradePerms(binancetest.DefaultAccount))
	fund(t, srv)
	c, err := binance.New(binance.WithBaseURL(srv.URL), binance.WithAPIKey(hmacKey),
		binance.WithSecret(crypto.NewSecret([]byte(hmacSecret))),
		binance.WithAccount(exchange.AccountInfo{Name: "loop", Network: exchange.Testnet}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	lifecycle(t, ctx, c)
	before := len(srv.Requests())
	_, _ = c.Query(ctx, exchange.OrderRef{Symbol: "BTCUSDT", ClientID: "x"})
	if len(srv.Requests()) != before+1 {
		t.Fatal("request not counted")
	}
	// Everything but the deliberate not-found queries was accepted.
	for _, r := range srv.Requests() {
		if !r.Accepted && r.Code != -2013 {
			t.Errorf("%s %s: HTTP %d code %d", r.Method, r.Path, r.Status, r.Code)
		}
	}
	if snap := c.Budget(); len(snap.Buckets) == 0 {
		t.Error("no budget buckets")
	} else {
		for _, b := range snap.Buckets {
			if b.Name == "weight/1m" && b.Used < 20 {
				t.Errorf("weight bucket not reconciled: %+v", b)
			}
		}
	}
}

func TestKeyAuditTestnet(t *testing.T) {
	srv := binancetest.New()
	srv.AddHMACKey(hmacKey, hmacSecret, binancetest.TradePerms(binancetest.DefaultAccount))
	c := clientFor(t, srv, exchange.Testnet, nil)
	ctx := context.Background()
	if err := c.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	ki, err := c.KeyInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ki.Read != exchange.TriYes || ki.Trade != exchange.TriYes || ki.IPBound != exchange.TriUnknown || !ki.Expires.IsZero() {
		t.Fatalf("key info %+v", ki)
	}
	if !strings.Contains(ki.Source, "order/test") || !strings.Contains(strings.Join(ki.Notes, "\n"), "IP binding cannot be read") {
		t.Fatalf("source %q notes %q", ki.Source, ki.Notes)
	}
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Path, "/sapi") {
			t.Fatal("testnet audit called /sapi")
		}
		if r.Path == "/api/v3/order" {
			t.Fatal("the probe must use order/test, never a real order")
		}
	}
	assertAllAccepted(t, srv, 0)

	ro := binancetest.New()
	ro.AddHMACKey(hmacKey, hmacSecret, binancetest.Perms{Read: true})
	c = clientFor(t, ro, exchange.Testnet, nil)
	if err := c.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	ki, err = c.KeyInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ki.Read != exchange.TriYes || ki.Trade != exchange.TriNo {
		t.Fatalf("read-only key: %+v", ki)
	}
}

func TestKeyAuditMainnet(t *testing.T) {
	srv := binancetest.New(binancetest.WithMode(binancetest.Mainnet))
	created := time.UnixMilli(1700000000000)
	expires := time.UnixMilli(1800000000000)
	srv.AddHMACKey(hmacKey, hmacSecret, binancetest.Perms{Read: true, Trade: true, Withdraw: true,
		IPRestrict: true, IPs: []string{"127.0.0.1"}, Created: created, TradingAuthorityExpiration: expires})
	c := clientFor(t, srv, exchange.Mainnet, nil)
	ctx := context.Background()
	if err := c.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	ki, err := c.KeyInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ki.Read != exchange.TriYes || ki.Trade != exchange.TriYes || ki.Withdraw != exchange.TriYes || ki.IPBound != exchange.TriYes {
		t.Fatalf("key info %+v", ki)
	}
	if !ki.Created.Equal(created) || !ki.Expires.Equal(expires) || !strings.Contains(ki.Source, "apiRestrictions") {
		t.Fatalf("created %v expires %v source %q", ki.Created, ki.Expires, ki.Source)
	}
	assertAllAccepted(t, srv, 0)
}

func TestEd25519Key(t *testing.T) {
	block, _ := pem.Decode([]byte(edPEM))
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	srv := binancetest.New()
	srv.AddEd25519Key(edKey, k.(ed25519.PrivateKey).Public().(ed25519.PublicKey), binancetest.TradePerms(binancetest.DefaultAccount))
	fund(t, srv)
	c := clientFor(t, srv, exchange.Testnet, nil, binance.WithAPIKey(edKey), binance.WithScheme(exchange.SchemeEd25519),
		binance.WithSecret(crypto.NewSecret([]byte(edPEM))))
	ctx := context.Background()
	if err := c.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	lifecycle(t, ctx, c)
}

func TestWrongSecretIsSignatureError(t *testing.T) {
	srv := binancetest.New()
	srv.AddHMACKey(hmacKey, hmacSecret, binancetest.TradePerms(binancetest.DefaultAccount))
	c := clientFor(t, srv, exchange.Testnet, nil, binance.WithSecret(crypto.NewSecret([]byte(strings.ToLower(hmacSecret)))))
	ctx := context.Background()
	if err := c.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := c.Balances(ctx)
	var ae *exchange.APIError
	if !errors.As(err, &ae) || ae.Kind != exchange.KindSignature || ae.Code != "-1022" {
		t.Fatalf("err %v", err)
	}
	if adv := ae.Advice(); !strings.Contains(adv, "secret") || !strings.Contains(adv, "HMAC") {
		t.Fatalf("advice %q", adv)
	}
	if strings.Contains(err.Error()+ae.Advice(), strings.ToLower(hmacSecret)) {
		t.Fatal("the secret leaked into the error")
	}
}

// TestClockSkewRecovery: the client measured the venue's clock, then the
// venue's clock stepped 2 s behind ours (we are ahead, past Binance's 1 s
// future limit) or 6 s ahead (we are behind beyond recvWindow 5000 ms), as
// when NTP steps one side. The next signed request is refused with -1021;
// the client re-syncs and its retry, and everything after, is accepted.
func TestClockSkewRecovery(t *testing.T) {
	for _, tc := range []struct {
		name string
		skew time.Duration
	}{{"local-ahead-2s", -2 * time.Second}, {"local-behind-6s", 6 * time.Second}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := binancetest.New()
				srv.AddHMACKey(hmacKey, hmacSecret, binancetest.TradePerms(binancetest.DefaultAccount))
				fund(t, srv)
				c := clientFor(t, srv, exchange.Testnet, nil)
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
				if len(reqs) == 0 || reqs[0].Code != -1021 || reqs[0].Path != "/api/v3/account" {
					t.Fatalf("first request %+v, want a -1021 on the stale estimate", reqs)
				}
				if last := reqs[len(reqs)-1]; !last.Accepted || last.Path != "/api/v3/account" {
					t.Fatalf("retry %+v", last)
				}
				assertAllAccepted(t, srv, from+1)
				if off := c.Clock().Offset; (off - tc.skew).Abs() > 5*time.Millisecond {
					t.Fatalf("estimated offset %v, want %v", off, tc.skew)
				}
				n := len(srv.Requests())
				lifecycle(t, ctx, c)
				for _, r := range srv.Requests()[n:] {
					if r.Code == -1021 {
						t.Fatalf("-1021 after sync: %+v", r)
					}
				}
			})
		})
	}
}

// TestSyncFirstAcceptsEverything: a client that syncs before signing never
// sees -1021 whichever way the clocks disagree.
func TestSyncFirstAcceptsEverything(t *testing.T) {
	for _, skew := range []time.Duration{-2 * time.Second, 6 * time.Second, 45 * time.Second} {
		synctest.Test(t, func(t *testing.T) {
			srv := binancetest.New()
			srv.AddHMACKey(hmacKey, hmacSecret, binancetest.TradePerms(binancetest.DefaultAccount))
			fund(t, srv)
			srv.Sim().SetSkew(skew)
			c := clientFor(t, srv, exchange.Testnet, nil)
			ctx := context.Background()
			if err := c.SyncClock(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := c.KeyInfo(ctx); err != nil {
				t.Fatal(err)
			}
			lifecycle(t, ctx, c)
			for _, r := range srv.Requests() {
				if !r.Accepted && r.Code != -2013 {
					t.Errorf("skew %v: %s %s HTTP %d code %d", skew, r.Method, r.Path, r.Status, r.Code)
				}
			}
		})
	}
}

// TestBackgroundOverloadNeverHitsLimit: ten pollers asking for ten times the
// weight the fake allows (120/min) for five virtual minutes. The local budget
// must hold them back so not one 429 or 418 is served, yet use at least 90%
// of the allowed weight in every full minute.
func TestBackgroundOverloadNeverHitsLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		limits := binancetest.DefaultRateLimits()
		limits.WeightPerMinute = 120
		srv := binancetest.New(binancetest.WithRateLimits(limits))
		srv.AddHMACKey(hmacKey, hmacSecret, binancetest.TradePerms(binancetest.DefaultAccount))

		var mu sync.Mutex
		perMinute := map[int64]int{} // venue minute → highest used weight it reported
		rt := memTransport{h: srv.Handler(), onReply: func(_ *http.Request, resp *http.Response) {
			used, err := strconv.Atoi(resp.Header.Get("X-Mbx-Used-Weight-1m"))
			if err != nil {
				return
			}
			m := srv.Sim().Now().UnixMilli() / 60_000
			mu.Lock()
			perMinute[m] = max(perMinute[m], used)
			mu.Unlock()
		}}
		c := clientFor(t, srv, exchange.Testnet, rt)
		ctx, cancel := context.WithCancel(exchange.WithPriority(context.Background(), exchange.Background))
		if err := c.SyncClock(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Symbols(ctx); err != nil { // learns 120/min from exchangeInfo
			t.Fatal(err)
		}
		first := srv.Sim().Now().UnixMilli() / 60_000

		const pollers, runFor = 10, 5 * time.Minute
		// Each poller asks for LastPrice (weight 2) every second:
		// 10 × 60 × 2 = 1200 weight a minute, ten times the limit.
		var wg sync.WaitGroup
		var served, refused int
		for range pollers {
			wg.Go(func() {
				tick := time.NewTicker(time.Second)
				defer tick.Stop()
				for {
					select {
					case <-ctx.Done():
						return
					case <-tick.C:
					}
					_, err := c.LastPrice(ctx, "BTCUSDT")
					mu.Lock()
					if err == nil {
						served++
					} else if ctx.Err() == nil {
						refused++
						t.Errorf("poll: %v", err)
					}
					mu.Unlock()
				}
			})
		}
		<-time.After(runFor) // virtual time inside the bubble
		cancel()
		wg.Wait()

		if n429, n418 := srv.Count429(), srv.Count418(); n429 != 0 || n418 != 0 {
			t.Fatalf("fake served %d × 429 and %d × 418", n429, n418)
		}
		last := srv.Sim().Now().UnixMilli() / 60_000
		full := 0
		for m := first + 1; m < last; m++ {
			full++
			if used := perMinute[m]; used*10 < 120*9 {
				t.Errorf("minute %d used %d of 120 weight (< 90%%)", m-first, used)
			}
		}
		if full < 3 {
			t.Fatalf("only %d full minutes observed", full)
		}
		t.Logf("served %d polls; weight per minute %v", served, perMinute)
	})
}

// TestBanStopsAllTraffic: another process on the same IP ignored a 429 and
// got the IP banned. The client's next request is answered 418; from then on
// nothing of this account reaches the fake until Retry-After has passed.
func TestBanStopsAllTraffic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := binancetest.New()
		srv.AddHMACKey(hmacKey, hmacSecret, binancetest.TradePerms(binancetest.DefaultAccount))
		fund(t, srv)
		c := clientFor(t, srv, exchange.Testnet, nil)
		ctx := context.Background()
		if err := c.SyncClock(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Symbols(ctx); err != nil {
			t.Fatal(err)
		}

		// The rogue process: a forced 429, then a request sent anyway.
		srv.Sim().Faults().Add(sim.Fault{Kind: sim.FaultRateLimit, Times: 1})
		for _, want := range []int{http.StatusTooManyRequests, http.StatusTeapot} {
			rec := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodGet, "/api/v3/time", nil)
			r.RemoteAddr = "127.0.0.1:50000"
			srv.Handler().ServeHTTP(rec, r)
			if rec.Code != want {
				t.Fatalf("rogue request: HTTP %d, want %d", rec.Code, want)
			}
		}

		_, err := c.LastPrice(ctx, "BTCUSDT")
		var rl *exchange.RateLimitError
		if !errors.As(err, &rl) || !rl.Banned || rl.HTTPStatus != http.StatusTeapot {
			t.Fatalf("want a 418 RateLimitError, got %v", err)
		}
		if d := rl.RetryAt.Sub(time.Now()); d < 100*time.Second || d > 3*time.Minute {
			t.Fatalf("RetryAt in %v", d)
		}
		if !c.Budget().Banned(time.Now()) {
			t.Fatal("budget does not show the ban")
		}
		seen := len(srv.Requests())

		req := exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder,
			Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("30000"), ClientID: "vgbanned"}
		tick := time.NewTicker(5 * time.Second)
		for time.Now().Before(rl.RetryAt.Add(-time.Second)) {
			bg := exchange.WithPriority(ctx, exchange.Background)
			_, e1 := c.LastPrice(bg, "BTCUSDT")
			_, e2 := c.Balances(ctx)
			_, e3 := c.Place(ctx, req)
			for _, e := range []error{e1, e2, e3} {
				var ll *exchange.LocalLimitError
				if !errors.As(e, &ll) {
					t.Fatalf("during the ban: %v", e)
				}
			}
			if n := len(srv.Requests()); n != seen {
				t.Fatalf("%d requests reached the fake during the ban", n-seen)
			}
			<-tick.C
		}
		tick.Stop()
		<-time.After(time.Until(rl.RetryAt) + time.Second)
		if _, err := c.LastPrice(ctx, "BTCUSDT"); err != nil {
			t.Fatalf("after the ban: %v", err)
		}
		if n := len(srv.Requests()); n != seen+1 || !srv.Requests()[n-1].Accepted {
			t.Fatalf("after the ban: %d new requests", n-seen)
		}
	})
}

// TestAmbiguousOutcomesResolveByQuery: an order the venue applied but whose
// answer was lost (5xx after apply, dropped connection, hang until the
// caller gives up, half a body) is reported as ambiguous, never as a plain
// failure, and a query by client id finds it.
func TestAmbiguousOutcomesResolveByQuery(t *testing.T) {
	for _, f := range []sim.Fault{
		{Kind: sim.Fault5xx, Apply: true, Status: http.StatusBadGateway},
		{Kind: sim.Fault5xx, Apply: true},
		{Kind: sim.FaultDropAfterAccept},
		{Kind: sim.FaultGarbage},
		{Kind: sim.FaultHang},
	} {
		t.Run(f.Kind.String()+strconv.Itoa(f.Status), func(t *testing.T) {
			srv := binancetest.NewServer() // real loopback: a dropped connection needs a socket
			defer srv.Close()
			srv.AddHMACKey(hmacKey, hmacSecret, binancetest.TradePerms(binancetest.DefaultAccount))
			fund(t, srv)
			c, err := binance.New(binance.WithBaseURL(srv.URL), binance.WithAPIKey(hmacKey),
				binance.WithSecret(crypto.NewSecret([]byte(hmacSecret))))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := c.SyncClock(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Rules(ctx, "BTCUSDT"); err != nil {
				t.Fatal(err)
			}
			f.Op, f.Times = "POST /api/v3/order", 1
			srv.Sim().Faults().Add(f)
			req := exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder,
				Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("30000"), ClientID: exchange.NewClientID(time.Now())}
			pctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			_, err = c.Place(pctx, req)
			cancel()
			if !exchange.IsAmbiguous(err) {
				t.Fatalf("want ambiguous, got %v", err)
			}
			if strings.Contains(err.Error(), "signature=") {
				t.Fatalf("error leaks the signed request: %v", err)
			}
			o, err := c.Query(ctx, exchange.OrderRef{Symbol: "BTCUSDT", ClientID: req.ClientID})
			switch {
			case f.Kind == sim.FaultHang && errors.Is(err, exchange.ErrOrderNotFound):
				// The fake hangs before the order runs: "not there" is the answer.
			case err != nil:
				t.Fatalf("query: %v", err)
			case o.Status != exchange.StatusNew:
				t.Fatalf("resolved %+v", o)
			}
		})
	}
}

// TestConcurrentUse: one client shared by several goroutines (the cockpit's
// pollers and order entry) under -race.
func TestConcurrentUse(t *testing.T) {
	srv := binancetest.New()
	srv.AddHMACKey(hmacKey, hmacSecret, binancetest.TradePerms(binancetest.DefaultAccount))
	fund(t, srv)
	c := clientFor(t, srv, exchange.Testnet, nil)
	ctx := context.Background()
	if err := c.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			req := exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder,
				Qty: decimal.RequireFromString("0.001"), Price: decimal.NewFromInt(int64(30000 + i)), ClientID: exchange.NewClientID(time.Now())}
			if _, err := c.Place(ctx, req); err != nil {
				t.Error(err)
				return
			}
			if _, err := c.Query(ctx, exchange.OrderRef{Symbol: "BTCUSDT", ClientID: req.ClientID}); err != nil {
				t.Error(err)
			}
			if _, err := c.Cancel(ctx, exchange.OrderRef{Symbol: "BTCUSDT", ClientID: req.ClientID}); err != nil {
				t.Error(err)
			}
			_ = c.Budget()
			_ = c.Clock()
		})
	}
	wg.Wait()
	assertAllAccepted(t, srv, 0)
	if open, err := c.OpenOrders(ctx, ""); err != nil || len(open) != 0 {
		t.Fatalf("open %v %v", open, err)
	}
}
